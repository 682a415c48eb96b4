/**
 * What a simulated provider gives the server and what its handlers see: the request as it arrived,
 * the answer to send, the provider's routes; plus the two answer shapes every provider uses (JSON and
 * an nginx error page) and how an answer turns into bytes.
 */
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { ProviderName, RouteId } from '../names.js';

/** A request as a provider handler sees it. */
export interface SimRequest {
  method: string;
  /** The path as sent (still percent-encoded). */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Name, value, name, value… as sent (repeated headers kept apart). */
  rawHeaders: readonly string[];
  body: Buffer;
  /** The route's path parameters, percent-decoded. */
  params: Record<string, string>;
  /** Who is asking (the remote address), for per-client limits. */
  client: string;
}

/** A handler's answer. Give `json` (serialized here) or `body`. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  json?: unknown;
  body?: Buffer | string;
  /** @default 'application/json; charset=utf-8' with `json`, 'text/plain; charset=utf-8' otherwise */
  contentType?: string;
}

/** One route of one provider. */
export interface Route {
  /** e.g. `'guance.queryTask'`. */
  id: RouteId;
  provider: ProviderName;
  method: 'GET' | 'POST' | 'PUT';
  /** Matched against the raw path; named groups become `params`. */
  pattern: RegExp;
  handle(request: SimRequest): SimResponse;
  /** For status routes: the answer's JSON with its status word replaced (the `'unknown-status'` fault). */
  replaceStatus?(json: unknown, word: string | number | undefined): unknown;
}

/** What each provider module gives the server. */
export interface ProviderModule {
  name: ProviderName;
  /** Paths under this prefix belong to the provider (for its own not-found answer). */
  prefix: RegExp;
  routes: Route[];
  /** The provider's answer for a path or method it does not serve. */
  notFound(request: SimRequest): SimResponse;
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string | string[]>): SimResponse {
  return headers === undefined ? { status, json: body } : { status, json: body, headers };
}

/** An nginx-style HTML error page, as MEF Center's gateway (or any proxy) sends. */
export function nginxPage(status: number, detail?: string): SimResponse {
  const reason = STATUS_CODES[status] ?? 'Error';
  const title = detail === undefined ? `${status} ${reason}` : `${status} ${detail}`;
  const body =
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n` +
    (detail === undefined ? '' : `<center>${detail}</center>\r\n`) +
    '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  return { status, body, contentType: 'text/html' };
}

/** The bytes an answer is sent as and its content type (`json` serialized, defaults filled in). */
export function encode(response: SimResponse): { payload: Buffer; contentType: string } {
  if (response.json !== undefined) {
    return {
      payload: Buffer.from(JSON.stringify(response.json), 'utf8'),
      contentType: response.contentType ?? 'application/json; charset=utf-8',
    };
  }
  const body = response.body ?? '';
  return {
    payload: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    contentType: response.contentType ?? 'text/plain; charset=utf-8',
  };
}
