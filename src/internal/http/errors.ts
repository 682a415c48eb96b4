/**
 * The one place a transport failure or an HTTP status becomes a taskpoll error: `toTaskPollError` for
 * failures without an answer (axios and Node system errors, TLS refusals, fetch failures),
 * `errorForStatus` for answers by status, `bodyFailure` for a body that breaks while it is read. Raw
 * axios errors never get past here: they carry the request config, headers included, i.e. credentials.
 *
 * @internal
 */
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  ResponseValidationError,
  isTaskPollError,
  type TaskPollError,
} from '../../core/errors/index.js';
import { MAX_TIMER_MS } from '../clock.js';

/** Where a transport failure happened, for the error's message and fields. */
export interface FailureContext {
  /** The adapter's provider name. */
  provider: string;
  /** The task the request was about, when there is one. */
  taskId?: string | undefined;
  /**
   * e.g. `'GET /api/v1/logmine/query_task'`: method and the path sent (base path included), never the
   * query or headers.
   */
  operation?: string | undefined;
  /** The host the request went to (a hostname, or an IP address; IPv6 in brackets), never userinfo. */
  host?: string | undefined;
  /** The port the request went to. */
  port?: number | undefined;
}

/** TLS codes that mean the server's certificate is not trusted: retrying cannot help. */
const UNTRUSTED_SERVER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The alert names {@link CLIENT_CERT_REFUSED} matches in an error code (after `ALERT_`). */
const CLIENT_CERT_REFUSED_CODES = [
  'BAD_CERTIFICATE',
  'CERTIFICATE_REQUIRED',
  'UNKNOWN_CA',
  'CERTIFICATE_UNKNOWN',
  'UNSUPPORTED_CERTIFICATE',
  'ACCESS_DENIED',
  'CERTIFICATE_REVOKED',
  'CERTIFICATE_EXPIRED',
];
/** TLS alerts a server sends when it refuses our client certificate (mutual TLS). */
const CLIENT_CERT_REFUSED = new RegExp(`ALERT_(${CLIENT_CERT_REFUSED_CODES.join('|')})`);

/**
 * A TLS alert named in an OpenSSL error text: `sslv3 alert handshake failure`, `tlsv13 alert certificate
 * required`, and the `ssl/tls alert handshake failure` of the OpenSSL that Node 22 and later ship.
 */
const TLS_ALERT = /\b(?:sslv3|tlsv1[0-9]*|ssl\/tls) alert ([a-z ]+[a-z])/i;

/** The same client-certificate refusals as {@link CLIENT_CERT_REFUSED}, as OpenSSL words them in text. */
const CLIENT_CERT_ALERTS: ReadonlySet<string> = new Set([
  'bad certificate',
  'certificate required',
  'unknown ca',
  'certificate unknown',
  'unsupported certificate',
  'access denied',
  'certificate revoked',
  'certificate expired',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  isAxiosError?: unknown;
  cause?: unknown;
}

/**
 * The one mapping from a transport failure (an axios error or a Node system error) to a taskpoll error.
 * A TaskPollError passes through as it is; anything else gives `undefined`. The original error is
 * never kept: axios errors carry the request config and headers, i.e. credentials. Only its name, code
 * and message survive, in `cause`.
 */
export function toTaskPollError(error: unknown, context: FailureContext): TaskPollError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isTaskPollError(error)) return error;
  const e = error as ErrorLike;
  const isAxios = e.isAxiosError === true;
  const code = typeof e.code === 'string' ? e.code : undefined;
  // Node's fetch (undici) rejects a failed request with `TypeError('fetch failed')` and the system
  // error in `cause`: a transport failure like any other (custom adapters built on fetch).
  const isFetch =
    error instanceof TypeError && e.message === 'fetch failed' && typeof e.cause === 'object' && e.cause !== null;
  if (
    !isAxios &&
    !isFetch &&
    !(error instanceof Error && code !== undefined && /^(E[A-Z]+|ERR_|[A-Z_]+CERT|CERT_|HOSTNAME)/.test(code))
  ) {
    return undefined;
  }
  const innerCode = innermostCode(e) ?? code;
  const endpoint = context.host !== undefined ? { host: context.host, port: context.port } : endpointOf(e);
  const to =
    endpoint.host === undefined ? '' : ` to ${endpoint.host}${endpoint.port === undefined ? '' : `:${endpoint.port}`}`;
  const where = `${context.provider}: ${context.operation ?? 'request'}${to}`;
  const cause = sanitized(e, innerCode);
  const base = { provider: context.provider, taskId: context.taskId, cause };
  const network = { ...base, host: endpoint.host, port: endpoint.port };

  const message = typeof e.message === 'string' ? e.message : '';
  if (/maxContentLength|maxBodyLength/.test(message)) {
    return new ResponseValidationError(`${where} answered with a body over the size limit`, {
      ...base,
      issues: [{ path: [], message: 'body exceeds the response size limit' }],
    });
  }
  // A non-2xx answer read by an axios instance that rejects on it (a custom adapter): mapped by its
  // status like any other answer, so a 401 is not retried as a network failure.
  const answer = (e as { response?: { status?: unknown; headers?: Record<string, unknown> } }).response;
  if (isAxios && typeof answer?.status === 'number' && (answer.status < 200 || answer.status > 299)) {
    const retryAfter = answer.headers?.['retry-after'];
    return errorForStatus(
      { status: answer.status, retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined) },
      { provider: context.provider, taskId: context.taskId, operation: context.operation ?? 'request' },
    );
  }
  if (innerCode !== undefined && UNTRUSTED_SERVER.has(innerCode)) {
    return new NetworkError(`${where} failed: the server's TLS certificate is not trusted (${innerCode})`, {
      ...network,
      errno: innerCode,
      transient: false,
    });
  }
  if (innerCode !== undefined && CLIENT_CERT_REFUSED.test(innerCode)) {
    return new AuthenticationError(
      `${where} failed: the server refused the TLS client certificate (${innerCode})`,
      base,
    );
  }
  const alert = tlsAlert(e);
  if (alert !== undefined && (innerCode === 'EPROTO' || innerCode?.startsWith('ERR_SSL'))) {
    // OpenSSL reports some alerts only in the text of an EPROTO error ("sslv3 alert handshake failure").
    if (CLIENT_CERT_ALERTS.has(alert)) {
      return new AuthenticationError(
        `${where} failed: the server refused the TLS client certificate (alert "${alert}")`,
        base,
      );
    }
    const why =
      alert === 'handshake failure'
        ? ': it may require a client certificate, or share no TLS version or cipher with us'
        : '';
    return new NetworkError(`${where} failed: the server ended the TLS handshake with alert "${alert}"${why}`, {
      ...network,
      errno: innerCode,
      transient: false,
    });
  }
  const timedOut = innerCode === 'ECONNABORTED' || innerCode === 'ETIMEDOUT';
  return new NetworkError(`${where} failed: ${innerCode ?? 'network error'}`, {
    ...network,
    errno: innerCode,
    timedOut,
  });
}

/**
 * The host and port named by a Node system error in the cause chain (`address`/`port` of a refused
 * connection, `hostname` of a failed DNS lookup), for failures whose context does not say where the
 * request went (a custom adapter's own HTTP client). Only these fields: never a URL, so never userinfo
 * or a query.
 */
function endpointOf(error: ErrorLike): { host: string | undefined; port: number | undefined } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { address, hostname, port } = current as { address?: unknown; hostname?: unknown; port?: unknown };
    const host =
      typeof address === 'string' && address !== ''
        ? address
        : typeof hostname === 'string' && hostname !== ''
          ? hostname
          : undefined;
    if (host !== undefined && /^[\w.:%-]+$/.test(host)) {
      return {
        host: host.includes(':') ? `[${host}]` : host,
        port: typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined,
      };
    }
    current = (current as ErrorLike).cause;
  }
  return { host: undefined, port: undefined };
}

function innermostCode(error: ErrorLike): string | undefined {
  let found: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as ErrorLike).code;
    if (
      typeof code === 'string' &&
      code !== 'ERR_BAD_RESPONSE' &&
      code !== 'ERR_BAD_REQUEST' &&
      code !== 'ERR_NETWORK'
    ) {
      found = code;
    }
    current = (current as ErrorLike).cause;
  }
  return found;
}

/** The TLS alert named in any message of the error's cause chain, lower-cased. */
function tlsAlert(error: ErrorLike): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const message = (current as ErrorLike).message;
    const match = typeof message === 'string' ? TLS_ALERT.exec(message) : null;
    if (match?.[1] !== undefined) return match[1].toLowerCase();
    current = (current as ErrorLike).cause;
  }
  return undefined;
}

/**
 * A failure of a response body that the transport mapping does not know (e.g. a corrupt gzip stream:
 * zlib's `Z_DATA_ERROR`), as a `NetworkError` that keeps a safe copy of it as `cause`.
 */
export function bodyFailure(
  error: unknown,
  context: { provider: string; taskId?: string | undefined; operation: string; host: string; port: number },
): NetworkError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as {
    message?: unknown;
    code?: unknown;
  };
  const cause = sanitized(e, typeof e.code === 'string' ? e.code : undefined);
  const where = `${context.operation} to ${context.host}:${context.port}`;
  return new NetworkError(
    `${context.provider}: ${where} failed while reading the body` +
      (cause.message ? `: ${cause.message.slice(0, 200)}` : ''),
    {
      provider: context.provider,
      taskId: context.taskId,
      cause,
      host: context.host,
      port: context.port,
    },
  );
}

/**
 * A copy of a failure that is safe to keep as a `cause`: its name, code and message (URLs without query
 * or userinfo), nothing else (no request config, headers or TLS material).
 */
export function sanitized(error: ErrorLike, code: string | undefined): Error {
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? stripUrls(error.message) : '';
  const out = new Error(message);
  out.name = name;
  if (code !== undefined) (out as Error & { code?: string }).code = code;
  return out;
}

/** Drops query strings and userinfo from any URL in a message. */
function stripUrls(message: string): string {
  return message.replace(/(\w+:\/\/)([^/\s@]*@)?([^\s?#]*)[?#]\S*/g, '$1$3').replace(/(\w+:\/\/)[^/\s@]*@/g, '$1');
}

/**
 * The generic mapping of a non-2xx answer to an error, by HTTP status. A 404 is an `HttpError` that
 * says the URL may be wrong: a provider's adapter turns a 404 into a `TaskNotFoundError` only when the
 * body is that provider's own not-found answer, and hands every other 404 here. `detail` (e.g. a
 * provider's error code and text, already made safe) is added to the message.
 */
export function errorForStatus(
  response: { status: number; retryAfterMs: number | undefined },
  context: { provider: string; taskId?: string | undefined; operation: string; detail?: string | undefined },
): TaskPollError {
  const { status } = response;
  const detail = context.detail ? ` (${context.detail})` : '';
  const where = `${context.provider}: ${context.operation} answered HTTP ${status}${detail}`;
  const base = { provider: context.provider, taskId: context.taskId, httpStatus: status };
  if (status === 401 || status === 403) return new AuthenticationError(`${where}: credentials refused`, base);
  if (status === 404) return new HttpError(`${where}: not found; the URL may be wrong (check the base URL)`, base);
  return new HttpError(where, { ...base, transient: isTransientStatus(status), retryAfterMs: response.retryAfterMs });
}

/** True for the statuses {@link errorForStatus} maps to a transient error: 408, 425, 429 and 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * `Retry-After` (delta-seconds or an HTTP-date) in ms, clamped to [0, 2^31−1]; `undefined` when absent
 * or unusable (garbage, negative).
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(Math.round(Number(trimmed) * 1000), MAX_TIMER_MS);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_TIMER_MS);
}
