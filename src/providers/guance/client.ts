/**
 * The adapter's two calls over the shared HTTP client: the client built with the `DF-API-KEY`
 * header, Guance's default pacing and its reading of error answers; one call (an error envelope
 * thrown, the body validated); and `query_task` and `send_task` on top of it (`logmine/sendtask.md`,
 * `logmine/querytask.md`, https://github.com/GuanceCloud/guance-docs).
 *
 * @internal
 */
import type { z } from 'zod';
import type { StatusReport } from '../../core/adapter.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpClient, HttpRequest } from '../../internal/http/types.js';
import { parseBody } from '../../internal/validate.js';
import { PROVIDER, QUERY_PATH, SEND_PATH, queryTaskBody, sendTaskBody } from './api.js';
import type { GuanceLogmineResult } from './clusters.js';
import { isRateLimitAnswer, nonOkAnswerError, okAnswerError, RATE_LIMIT_PAUSE_MS } from './errors.js';
import { statusReport } from './status.js';
import { GUANCE_DEFAULT_PACING, type GuanceLogmineOptions } from './types.js';

/** What every call needs: the adapter's client, and the key to mask wherever provider text may echo it. */
export interface LogmineApi {
  /** The client shared by all of the adapter's calls and waits (one pacer, one keep-alive agent). */
  readonly http: HttpClient;
  /** The checked API key. */
  readonly apiKey: string;
}

/**
 * The adapter's client, from checked options: `apiKey` and `baseURL` already checked, the transport
 * options checked by `createHttpClient`.
 */
export function createLogmineApi(options: GuanceLogmineOptions, apiKey: string, baseURL: string): LogmineApi {
  const http = createHttpClient({
    provider: PROVIDER,
    baseURL,
    headers: { 'DF-API-KEY': apiKey },
    ...(options.axios === undefined ? {} : { axios: options.axios }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    defaultPacing: GUANCE_DEFAULT_PACING,
    ...(options.pacing === undefined ? {} : { pacing: options.pacing }),
    interpretError: (response, request) => nonOkAnswerError(response, request, apiKey),
    rateLimit: { floorMs: RATE_LIMIT_PAUSE_MS, matches: isRateLimitAnswer },
  });
  return { http, apiKey };
}

/** One call: the 2xx answer's envelope checked for an error, then validated with `schema`. */
async function call<S extends z.ZodType>(api: LogmineApi, request: HttpRequest, schema: S): Promise<z.output<S>> {
  const response = await api.http.request(request);
  const error = okAnswerError(response, request, api.apiKey);
  if (error !== undefined) {
    // The client reads only non-2xx answers: an error envelope in a 2xx one pauses the pacer here, as
    // the client would for the same error on another status.
    if (error.transient && error.retryAfterMs !== undefined) api.http.pacer?.pauseFor(error.retryAfterMs);
    throw error;
  }
  return parseBody(schema, response.data, {
    provider: PROVIDER,
    taskId: request.taskId,
    what: `${request.method} ${response.path}`,
    httpStatus: response.status,
    notJson: response.data === undefined ? (response.text ?? '') : undefined,
  });
}

/** `GET query_task`: one observation of the task, as the poller takes it. */
export async function queryTask(
  api: LogmineApi,
  taskId: string,
  signal: AbortSignal,
): Promise<StatusReport<GuanceLogmineResult>> {
  const request: HttpRequest = { method: 'GET', path: QUERY_PATH, query: { taskId }, signal, taskId };
  const body = await call(api, request, queryTaskBody);
  return statusReport(body, taskId, api.apiKey, api.http.pathOf(QUERY_PATH));
}

/** `POST send_task` with a checked body: the new task's id. */
export async function sendTask(
  api: LogmineApi,
  body: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<string> {
  const answer = await call(api, { method: 'POST', path: SEND_PATH, body, signal }, sendTaskBody);
  return answer.content.taskId;
}
