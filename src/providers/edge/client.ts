/**
 * The adapter's HTTP client and the two routes that answer in MEF's envelope: create a task and query
 * one. Internal to `taskpoll/edge`; the download, which answers with the archive itself, is in
 * `download.ts`.
 *
 * Routes: https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0040.html
 * (overview) and the pages after it (create, query).
 */
import type { Agent as HttpsAgent } from 'node:https';
import type { z } from 'zod';
import type { StatusReport } from '../../core/adapter.js';
import { ResponseValidationError } from '../../core/errors/index.js';
import { checkCallOptions } from '../../internal/checks.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpClient, HttpRequest } from '../../internal/http/types.js';
import { parseBody } from '../../internal/validate.js';
import {
  PROVIDER,
  SUCCESS,
  TASK_PATH,
  envelopeSchema,
  statusBodySchema,
  statusReport,
  submitBodySchema,
} from './api.js';
import { checkSubmitInput } from './checks.js';
import { answerError, interpretError } from './errors.js';
import { EDGE_DEFAULTS } from './options.js';
import type { EdgeLogDumpOptions, EdgeLogDumpResult } from './types.js';

/**
 * How long a 429 without `Retry-After` holds the adapter's requests, in ms. MEF documents its limits
 * (10 requests a second, burst 5, 5 connections per client) but no wait after a refusal: one second,
 * a whole window of the per-second limit, is an inference **[inf]**.
 */
const RATE_LIMIT_FLOOR_MS = 1000;

/**
 * The shared HTTP client with MEF's pacing, error reading and rate-limit floor; `agent` is the one
 * requests go through, if any.
 */
export function createEdgeClient(
  options: EdgeLogDumpOptions,
  requestTimeoutMs: number,
  agent: HttpsAgent | undefined,
): HttpClient {
  return createHttpClient({
    provider: PROVIDER,
    baseURL: options.baseURL,
    requestTimeoutMs,
    defaultPacing: EDGE_DEFAULTS.pacing,
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    ...(options.axios !== undefined ? { axios: options.axios } : {}),
    ...(agent !== undefined ? { httpsAgent: agent } : {}),
    interpretError,
    rateLimit: { floorMs: RATE_LIMIT_FLOOR_MS },
  });
}

/**
 * Sends a request whose answer is MEF's envelope; a non-success code throws, the rest is validated.
 * The envelope is read first, so that an error code in a 2xx answer is reported as MEF's error rather
 * than as a body of the wrong shape.
 */
async function callEnvelope<S extends z.ZodType>(
  client: HttpClient,
  request: HttpRequest,
  schema: S,
): Promise<{ body: z.output<S>; raw: unknown }> {
  const { response, body } = await client.requestJson(request, envelopeSchema);
  if (body.status !== SUCCESS) throw answerError(body.status, body.msg, response, request);
  const parsed = parseBody(schema, response.data, {
    provider: PROVIDER,
    taskId: request.taskId,
    what: `${request.method} ${response.path}`,
    httpStatus: response.status,
  });
  return { body: parsed, raw: response.data };
}

/** One status query (`GET /task?taskId=`); an answer about another task is refused rather than believed. */
export async function queryTask(
  client: HttpClient,
  taskId: string,
  signal: AbortSignal,
): Promise<StatusReport<EdgeLogDumpResult>> {
  const { body, raw } = await callEnvelope(
    client,
    { method: 'GET', path: TASK_PATH, query: { taskId }, signal, taskId },
    statusBodySchema,
  );
  const task = body.data;
  if (task.taskId !== undefined && task.taskId !== taskId) {
    throw new ResponseValidationError(`${PROVIDER}: GET ${client.pathOf(TASK_PATH)} answered about another task`, {
      provider: PROVIDER,
      taskId,
      httpStatus: 200,
      issues: [{ path: ['data', 'taskId'], message: 'not the task id that was asked for' }],
    });
  }
  return statusReport(task, raw);
}

/**
 * Starts a log dump task (`POST /task`, `module: "edgeNode"`) and resolves with its id. The node list
 * is checked first, then the call options, both before any request. Not retried here: a create that
 * reached MEF but whose answer was lost would, sent again, start a second task, and starting a task
 * deletes the previous archive; whether to try again is the caller's call.
 */
export async function submitTask(client: HttpClient, input: unknown, callOptions: unknown): Promise<string> {
  const edgeNodes = checkSubmitInput(input);
  const signal = checkCallOptions(callOptions, PROVIDER, 'submit');
  const { body } = await callEnvelope(
    client,
    { method: 'POST', path: TASK_PATH, body: { module: 'edgeNode', edgeNodes }, signal },
    submitBodySchema,
  );
  return body.data.taskId;
}
