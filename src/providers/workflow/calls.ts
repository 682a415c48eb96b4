/**
 * The requests of the workflow adapter, one function each, over an explicit {@link Connection} (the
 * adapter's HTTP client, its session and the token header): read a job, read a task's rows, cancel a
 * job, start one. Every one goes through {@link call}, which adds the session and logs in again once
 * when the server refuses it.
 *
 * Routes, methods and content types are those of the API pages in
 * https://github.com/vesoft-inc/nebula-docs/tree/master/docs-2.0/nebula-explorer/workflow/workflow-api
 * (`api-post-jobs.md`, `api-desc-job.md`, `api-cancel-job.md`, `api-desc-task.md`).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { z } from 'zod';
import { ProviderError } from '../../core/errors/index.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpClient, HttpRequest } from '../../internal/http/types.js';
import { DEFAULTS, type CheckedRef } from './checks.js';
import { API, PROVIDER, interpretAnswer, isSessionRefused, readEnvelope, type Secrets } from './protocol.js';
import { validateRows } from './rows.js';
import { createdSchema, jobSchema, sampleSchema, successSchema, type ParsedJob } from './schemas.js';
import { authHeaders, type Session } from './session.js';
import type { WorkflowJobInput, WorkflowOptions } from './types.js';

/** What every request of one adapter goes through. */
export interface Connection {
  readonly client: HttpClient;
  readonly session: Session;
  /** The extra header that carries the token, if any (see `tokenHeader`). */
  readonly tokenHeader: string | undefined;
}

/**
 * The adapter's HTTP client. `secrets` is read only when an error quotes provider text, so that
 * whatever the session holds then (a token from a later login) is masked.
 */
export function createWorkflowClient(
  options: Pick<WorkflowOptions, 'axios' | 'requestTimeoutMs' | 'pacing'>,
  baseURL: string,
  secrets: Secrets,
): HttpClient {
  return createHttpClient({
    provider: PROVIDER,
    baseURL,
    ...(options.axios !== undefined ? { axios: options.axios } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    defaultPacing: DEFAULTS.pacing,
    interpretError: (response, request) => interpretAnswer(response, request, secrets),
    // No rate limit is documented for Explorer [unk], so no rate-limit floor: a 429 without
    // Retry-After is retried on the poller's own retry delay and holds no other request.
  });
}

/**
 * Sends an authenticated request and reads its envelope. When the session is refused
 * (40104000/40104001) and the adapter has credentials, logs in again (one login shared by all
 * callers) and sends the request once more: a token expires while a wait goes on.
 */
export async function call<D extends z.ZodType>(
  conn: Connection,
  request: HttpRequest,
  dataSchema: D,
): Promise<z.output<D>> {
  const { client, session } = conn;
  const send = async (token: string) => {
    const sent = { ...request, headers: { ...request.headers, ...authHeaders(token, conn.tokenHeader) } };
    const response = await client.request(sent);
    return readEnvelope(response, sent, dataSchema, () => session.secrets());
  };
  const token = await session.token(request.signal);
  try {
    return await send(token);
  } catch (error) {
    if (!session.canLogin || !isSessionRefused(error)) throw error;
    return send(await session.renew(token, request.signal));
  }
}

/** `GET /api-open/v1/jobs/{job_id}`. `job` is an id already checked against `JOB_ID`. */
export function fetchJob(
  conn: Connection,
  job: string,
  signal: AbortSignal | undefined,
  taskId?: string,
): Promise<ParsedJob> {
  return call(
    conn,
    {
      method: 'GET',
      path: `${API}/jobs/${job}`,
      headers: { 'Content-Type': 'application/json' },
      signal,
      taskId,
    },
    jobSchema,
  );
}

/**
 * `GET /api-open/v1/jobs/{job_id}/tasks/{task_id}/sample_result?limit=N`: at most `limit` rows, each
 * validated by the row schema. A row that fails it is a `ResponseValidationError` naming the row index.
 */
export async function readRows<S extends StandardSchemaV1>(
  conn: Connection,
  rowSchema: S,
  ref: CheckedRef,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<StandardSchemaV1.InferOutput<S>[]> {
  const path = `${API}/jobs/${ref.job}/tasks/${ref.task}/sample_result`;
  const data = await call(
    conn,
    {
      method: 'GET',
      path,
      // `api-desc-task.md` calls `limit` a body parameter, but its example sends it in the query.
      query: { limit },
      // As in the doc's request example.
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      signal,
      taskId: ref.taskId,
    },
    sampleSchema,
  );
  return validateRows(rowSchema, data.items, {
    sentPath: conn.client.pathOf(path),
    taskId: ref.taskId,
    secrets: conn.session.secrets(),
    signal,
  });
}

/**
 * `PUT /api-open/v1/jobs/{job_id}/cancel`, a form request as `api-cancel-job.md` shows it. `job` is an
 * id already checked against `JOB_ID`. An answer of `data.success: false` is a `ProviderError`: the
 * job goes on running.
 */
export async function sendCancel(
  conn: Connection,
  job: string,
  signal: AbortSignal | undefined,
  taskId?: string,
): Promise<void> {
  const path = `${API}/jobs/${job}/cancel`;
  const data = await call(
    conn,
    { method: 'PUT', path, contentType: 'application/x-www-form-urlencoded', signal, taskId },
    successSchema,
  );
  if (!data.success) {
    throw new ProviderError(
      `${PROVIDER}: PUT ${conn.client.pathOf(path)} answered data.success false: the job was not cancelled`,
      {
        provider: PROVIDER,
        taskId,
        providerCode: '0',
      },
    );
  }
}

/**
 * `POST /api-open/v1/workflows/{workflow_id}/jobs`: the new job's id. `workflow` is an id already
 * encoded as one path segment; `input` is left out of the body when not given (it is optional).
 */
export async function startJob(
  conn: Connection,
  workflow: string,
  input: WorkflowJobInput | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const body = input === undefined ? {} : { input };
  const data = await call(
    conn,
    { method: 'POST', path: `${API}/workflows/${workflow}/jobs`, body, signal },
    createdSchema,
  );
  return data.id;
}
