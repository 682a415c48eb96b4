/**
 * What Guance's error answers mean. The codes come from `error-definition.md` and the rate limit from
 * `api-limit.md` (https://github.com/GuanceCloud/guance-docs, `docs/zh/open-api/`); the overview
 * (https://docs.guance.com/en/open-api/) says `code` repeats the HTTP status.
 *
 * - `ft.InvalidAPIKey` (403) and other 401/403 answers: an `AuthenticationError`.
 * - The rate-limit codes (401 `ft.Trigger…CurrentLimiting`): a transient `ProviderError`, never an
 *   auth failure, so the poller retries it and the adapter's requests pause.
 * - An unknown task id: a `TaskNotFoundError`, by inference (see {@link isTaskNotFound}).
 * - Any other 404: an `HttpError` that says the URL may be wrong.
 * - Any other error envelope (`success: false` or a non-empty `errorCode`, even on HTTP 200): a
 *   `ProviderError` that keeps the provider's code, transient for 429 and 5xx.
 *
 * @internal
 */
import type { TaskPollError } from '../../core/errors/index.js';
import { envelopeError } from '../../internal/checks.js';
import type { HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { errorEnvelope, PROVIDER, QUERY_PATH, type ErrorEnvelope } from './api.js';

/**
 * How long to hold this adapter's requests after a rate-limit answer without `Retry-After`, in ms:
 * one slot of the documented 20-a-minute budget (`api-limit.md`). Guance documents the budget, not a
 * wait after a refusal: one slot's worth is an inference **[inf]**.
 */
export const RATE_LIMIT_PAUSE_MS = 3000;

/** Guance's rate-limit codes, answered with HTTP 401 (`error-definition.md`): transient, never an auth failure. */
const RATE_LIMIT_CODES: ReadonlySet<string> = new Set([
  'ft.TriggerApiAkCurrentLimiting',
  'ft.TriggerApiWorkspaceCurrentLimiting',
]);

/** The invalid-key code, answered with HTTP 403 (`error-definition.md`). */
const INVALID_KEY_CODE = 'ft.InvalidAPIKey';

/**
 * [inf] Guance's answer for an unknown task id (not documented): its envelope on a 404 with no
 * `errorCode` (the API puts the HTTP status in `code`), or with one that names a missing task (such as
 * `ft.TaskNotFound`). Another code on a 404 (e.g. a route's `ft.NotFound`) is not about the task.
 */
function isTaskNotFound(env: ErrorEnvelope): boolean {
  return env.errorCode === '' || /task.*not.?(found|exist)/i.test(env.errorCode);
}

/**
 * Whether an answer is Guance's "too many requests": an HTTP 429, or one with a rate-limit code (Guance
 * sends them on a 401).
 */
export function isRateLimitAnswer(response: HttpResponse): boolean {
  return response.status === 429 || RATE_LIMIT_CODES.has(errorEnvelope.safeParse(response.data).data?.errorCode ?? '');
}

/**
 * The error an envelope stands for. It is judged by the envelope's `code` on a 2xx answer (the docs
 * say `code` equals the HTTP status) and by the HTTP status otherwise; `httpStatus` stays the real one.
 * The message names the path actually sent and never repeats `apiKey`.
 */
function answerError(env: ErrorEnvelope, response: HttpResponse, request: HttpRequest, apiKey: string): TaskPollError {
  const { status: httpStatus, retryAfterMs } = response;
  const ok = httpStatus >= 200 && httpStatus <= 299;
  const status = ok && env.code !== undefined ? env.code : httpStatus;
  const code = env.errorCode !== '' ? env.errorCode : String(status);
  const answer = { provider: PROVIDER, request, response, code, text: env.message, secrets: [apiKey] };
  if (RATE_LIMIT_CODES.has(env.errorCode)) {
    return envelopeError({ ...answer, kind: 'rate-limit', retryAfterMs: retryAfterMs ?? RATE_LIMIT_PAUSE_MS });
  }
  if (env.errorCode === INVALID_KEY_CODE || status === 401 || status === 403) {
    return envelopeError({ ...answer, kind: 'auth', reason: 'the API key was refused' });
  }
  if (status === 404 && request.path === QUERY_PATH && isTaskNotFound(env))
    return envelopeError({ ...answer, kind: 'not-found' });
  if (httpStatus === 404) return envelopeError({ ...answer, kind: 'wrong-url' });
  const transient = status === 429 || status >= 500;
  return envelopeError({ ...answer, kind: 'error', transient, retryAfterMs: transient ? retryAfterMs : undefined });
}

/**
 * The error a non-2xx answer stands for, or `undefined` to leave it to the client's mapping by HTTP
 * status. An envelope without a code adds nothing to that mapping, except a 404 from `query_task`
 * itself, which is how an unknown task id shows.
 */
export function nonOkAnswerError(
  response: HttpResponse,
  request: HttpRequest,
  apiKey: string,
): TaskPollError | undefined {
  const parsed = errorEnvelope.safeParse(response.data);
  if (!parsed.success) return undefined;
  if (parsed.data.errorCode === '' && !(response.status === 404 && request.path === QUERY_PATH)) return undefined;
  return answerError(parsed.data, response, request, apiKey);
}

/**
 * The error a 2xx answer stands for when its body is an error envelope (`success: false` or a
 * non-empty `errorCode`), else `undefined`.
 */
export function okAnswerError(response: HttpResponse, request: HttpRequest, apiKey: string): TaskPollError | undefined {
  const env = errorEnvelope.safeParse(response.data);
  if (!env.success || (env.data.success !== false && env.data.errorCode === '')) return undefined;
  return answerError(env.data, response, request, apiKey);
}
