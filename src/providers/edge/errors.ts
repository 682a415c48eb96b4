/**
 * What MEF's failures mean, as our errors: its error envelope (a code and a text), the pages its nginx
 * gateway answers a TLS problem with, the download route's plain-text refusal, and a failure while the
 * archive streams. Internal to `taskpoll/edge`.
 *
 * MEF's gateway answers an envelope whose `status` is not `00000000` with HTTP 400 (the error code
 * table: `docs/en/user_guide/RESTful.md` in the `Ascend/MEF` repository, "Error Code Description").
 * MEF names no transient or rate-limit code: 429 and 5xx are mapped by their HTTP status before
 * anything here reads them.
 */
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  isTaskPollError,
  type TaskPollError,
} from '../../core/errors/index.js';
import { clipProviderText, envelopeError } from '../../internal/checks.js';
import { errorForStatus, sanitized, toTaskPollError } from '../../internal/http/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { DOWNLOAD_PATH, LOG_EXPORT_BUSINESS_ERROR, PROVIDER, SUCCESS, TASK_PATH, envelopeSchema } from './api.js';

/** nginx answers a missing or refused client certificate with a 400 page, not a TLS alert. */
const NGINX_CLIENT_CERT = /No required SSL certificate was sent|The SSL certificate error/i;
/** nginx's answer to plain HTTP sent to its HTTPS port: the baseURL's scheme is wrong. */
const NGINX_PLAIN_HTTP = /The plain HTTP request was sent to HTTPS port/i;
/**
 * An unknown task id. MEF answers its query with 40052002 ("log export business error"); the message
 * text for a missing task (`failed to find task`) is inferred from the repository's code, not
 * documented, so any "find / not found / not exist" wording counts **[inf]**.
 */
const NOT_FOUND_TEXT = /find|not found|not exist|no such|no record/i;

/**
 * MEF's error envelope (HTTP 400 from the gateway, or a 2xx that still carries a code) → our error. On
 * a 404, any envelope but the unknown-task one is an `HttpError` that says the URL may be wrong. The
 * same code 40052002 also means "scheduler full" on the create route, so only the query route's
 * not-found wording makes it a `TaskNotFoundError`.
 */
export function answerError(
  code: string,
  msg: string | null | undefined,
  response: HttpResponse,
  request: HttpRequest,
): TaskPollError {
  const answer = { provider: PROVIDER, request, response, code, text: msg };
  const isQuery = request.method === 'GET' && request.path === TASK_PATH;
  if (code === LOG_EXPORT_BUSINESS_ERROR && isQuery && NOT_FOUND_TEXT.test(msg ?? ''))
    return envelopeError({ ...answer, kind: 'not-found' });
  if (response.status === 404) return envelopeError({ ...answer, kind: 'wrong-url' });
  return envelopeError({ ...answer, kind: 'error' });
}

/**
 * The client's reading of non-2xx answers; `undefined` leaves 401/403 (auth), 429 and 5xx (transient) to
 * the generic mapping.
 */
export function interpretError(response: HttpResponse, request: HttpRequest): TaskPollError | undefined {
  const { status } = response;
  if (status === 401 || status === 403 || status === 429 || status >= 500) return undefined;
  const where = `${PROVIDER}: ${request.method} ${response.path} answered HTTP ${status}`;
  const base = { provider: PROVIDER, taskId: request.taskId, httpStatus: status };
  const envelope = envelopeSchema.safeParse(response.data);
  if (envelope.success && envelope.data.status !== SUCCESS) {
    return answerError(envelope.data.status, envelope.data.msg, response, request);
  }
  const text = response.text ?? '';
  if (NGINX_CLIENT_CERT.test(text)) {
    return new AuthenticationError(
      `${where}: the server did not accept the TLS client certificate (missing or not trusted)`,
      base,
    );
  }
  if (NGINX_PLAIN_HTTP.test(text)) {
    return new HttpError(`${where}: the server speaks https, but baseURL uses http`, base);
  }
  // The download route answers an unusable archive with 400 and a JSON string (download_server.go).
  if (typeof response.data === 'string' && response.data !== '') {
    const said = clipProviderText(response.data);
    if (status === 404)
      return errorForStatus(response, {
        provider: PROVIDER,
        taskId: request.taskId,
        operation: `${request.method} ${response.path}`,
        detail: said,
      });
    return new HttpError(`${where}: ${said}`, base);
  }
  return undefined;
}

/** A failure while reading the download body, as a TaskPollError (raw axios errors carry the agent's key). */
export function streamError(
  error: unknown,
  taskId: string,
  client: Pick<HttpClient, 'pathOf' | 'endpoint'>,
): TaskPollError {
  if (isTaskPollError(error)) return error;
  const operation = `GET ${client.pathOf(DOWNLOAD_PATH)}`;
  const context = { provider: PROVIDER, taskId, operation, ...client.endpoint };
  const mapped = toTaskPollError(error, context);
  if (mapped) return mapped;
  const { host, port } = client.endpoint;
  const code = (error as { code?: unknown } | null)?.code;
  return new NetworkError(
    `${PROVIDER}: ${operation} to ${host}:${port} failed while reading the archive` +
      (error instanceof Error ? `: ${clipProviderText(error.message)}` : ''),
    {
      provider: PROVIDER,
      taskId,
      host,
      port,
      // A safe copy (name, code, message), never the error itself: a transport's error may carry its config.
      cause: error instanceof Error ? sanitized(error, typeof code === 'string' ? code : undefined) : undefined,
    },
  );
}
