/**
 * NebulaGraph Explorer "Workflow" (Enterprise): jobs, their tasks, and a task's `sample_result`.
 *
 * A running workflow instance is a **job**; each component in it is a **task**. This adapter waits
 * for one task of one job (`{ jobId, taskId }`), reading the job detail
 * (`GET /api-open/v1/jobs/{job_id}`), and on success reads the task's rows
 * (`GET /api-open/v1/jobs/{job_id}/tasks/{task_id}/sample_result?limit=N`), each parsed by a zod
 * schema you pass, so the rows come out typed.
 *
 * API pages: vesoft-inc/nebula-docs, `docs-2.0/nebula-explorer/workflow/workflow-api/`
 * (`workflow-api-overview.md`, `api-post-jobs.md`, `api-desc-job.md`, `api-cancel-job.md`,
 * `api-desc-task.md`).
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { defineAdapter, type AdapterContext, type StatusReport, type TaskAdapter } from '../../core/adapter.js';
import {
  AuthenticationError,
  ProviderError,
  ResponseValidationError,
  TaskNotFoundError,
  type TaskPollError,
  type ValidationIssue,
} from '../../core/errors/index.js';
import {
  checkCallOptions,
  checkId,
  checkOptions,
  describe,
  envelopeError,
  isAbortSignal,
  numberOption,
  type EnvelopeKind,
  type IdRule,
} from '../../internal/checks.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { checkBaseURL } from '../../internal/http/url.js';
import type { PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import { epochMsDate, isoDate } from '../../internal/schema.js';
import { pauseTimeoutOf, raceAbort } from '../../internal/abort.js';
import type { SubtaskStatus, TaskState } from '../../core/status.js';
import { maskStatusReport } from '../../internal/redact.js';
import { parseBody } from '../../internal/validate.js';

const PROVIDER = 'workflow.task';
const API = '/api-open/v1';
const COOKIE_NAME = 'explorer_token';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/**
 * How the account is Base64-encoded for `POST /api-open/v1/connect`:
 * - `'json-array'`: `base64(JSON.stringify([username, password]))`, Explorer 3.3.0 and later
 *   (`["root","123"]` → `WyJyb290IiwiMTIzIl0=`).
 * - `'colon'`: `base64("username:password")`, Explorer 3.2.1 and earlier (`root:123` → `cm9vdDoxMjM=`).
 */
export type WorkflowLoginEncoding = 'json-array' | 'colon';

/** A NebulaGraph account that the adapter logs in with (and logs in with again when the session ends). */
export interface WorkflowCredentials {
  /** The NebulaGraph user name. */
  username: string;
  /**
   * The NebulaGraph password. Never put in any error, message or log. It is sent only inside the
   * Base64 login, which is masked where a server echoes it; the password itself is not searched for in
   * provider text (a common one such as `nebula` would corrupt rows and task names).
   */
  password: string;
  /** Host of the NebulaGraph graphd service the Explorer session connects to (the body's `address`). */
  graphAddress: string;
  /** Port of the graphd service (the body's `port`), e.g. 9669. */
  graphPort: number;
  /**
   * How the account is Base64-encoded; depends on the Explorer version.
   * @default 'json-array'
   */
  encoding?: WorkflowLoginEncoding;
}

/**
 * Options of {@link workflowTasks}. Give exactly one of `token` and `credentials`.
 *
 * @typeParam S - the zod schema of one result row.
 */
export interface WorkflowOptions<S extends z.ZodType = z.ZodArray<z.ZodString>> extends TransportOptions {
  /**
   * Explorer's root URL, `http://<explorer_host>:<port>` (the docs use port 7002). A path prefix (a
   * reverse proxy) is kept; a trailing `/api-open/v1` is accepted and dropped.
   */
  baseURL: string;
  /**
   * A ready session token (the `explorer_token` cookie that `/api-open/v1/connect` sets). Sent as
   * `Cookie: explorer_token=<token>`. When it expires, calls fail with `AuthenticationError`: pass
   * `credentials` instead to have the adapter log in again by itself.
   */
  token?: string;
  /** An account to log in with (`POST /api-open/v1/connect`); the session is renewed once when refused. */
  credentials?: WorkflowCredentials;
  /**
   * Also send the token in a request header of this name (`true` means `explorer_token`), beside the
   * cookie: the docs' parameter tables list `explorer_token` as a header, while every example sends
   * the cookie.
   * @default false
   */
  tokenHeader?: boolean | string;
  /**
   * The zod schema of one row of `sample_result` (the provider sends every value as a string).
   * `waitForTask` resolves with `result.rows` typed by it, e.g.
   * `z.tuple([z.string(), z.coerce.number()])` for PageRank's (vid, rank).
   * @default z.array(z.string())
   */
  rowSchema?: S;
  /**
   * How many rows to read from `sample_result` when the task succeeds (its `limit`), 1 to 100000.
   * The API returns at most this many: the rows are a sample when the result is larger.
   * @default 1000
   */
  sampleLimit?: number;
  /**
   * The adapter's request budget, shared by all its waits and calls; `false` turns it off. No limits
   * are documented; the default only keeps one adapter from flooding a self-hosted Explorer.
   * @default { maxConcurrency: 8 }
   */
  pacing?: PacingOptions | false;
}

/**
 * Names one task of one job. `jobId` is a number or a numeric string; `taskId` is the task's id in
 * the job detail (32 hex characters in the docs, e.g. `8c171f70fb6f11ecac7e6da0662c195b`), which is
 * not the component id (`query_1`) used in a job's `input`: find it with `getJob(jobId)`.
 */
export interface WorkflowTaskRef {
  jobId: number | string;
  taskId: string;
}

/** The typed result of a succeeded task: its `sample_result` rows, each parsed by `rowSchema`. */
export interface WorkflowResult<Row> {
  /** At most `sampleLimit` rows, in the provider's order. */
  rows: Row[];
}

/** The user-defined parameters of a new job: `{ <component id>: { <param>: <value> } }`. */
export type WorkflowJobInput = Record<string, Record<string, string | number>>;

/** One task of a job, as the job detail reports it. */
export interface WorkflowTask {
  /** The task id (use it in a {@link WorkflowTaskRef}). */
  id: string;
  /** The component's name, e.g. `'BFS'` or `'PageRank'`. */
  name: string;
  /** The provider's status code (0 Preparing … 5 Stopping), verbatim. */
  status: number | string;
  /** The status code mapped by {@link workflowTaskState}. */
  state: TaskState;
  startedAt?: Date;
  finishedAt?: Date;
}

/** A job, as `GET /api-open/v1/jobs/{job_id}` reports it (times parsed: epoch ms for the job, ISO 8601 for tasks). */
export interface WorkflowJob {
  /** The job id, as a string (the provider sends a number). */
  id: string;
  name: string;
  workflowId: string;
  workflowName: string;
  /** The provider's status code, verbatim. */
  status: number | string;
  /** The status code mapped by {@link workflowTaskState}. */
  state: TaskState;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /** The job's tasks, in the provider's order (empty when it lists none). */
  tasks: WorkflowTask[];
}

/**
 * What every call around the wait takes. Any other key is a `TypeError` naming it, before any
 * request, as for the factory's options and the wait's: a misspelt option is never silently dropped.
 */
export interface WorkflowCallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/**
 * The workflow adapter (pass it to `waitForTask` / `pollTask`) plus the calls around the wait.
 *
 * Status: `subtasks` lists every task of the job (the watched one included) in the job's order, so
 * a caller can see the upstream steps while this one is still `queued`. `raw` is the validated job.
 *
 * @typeParam Row - the type of one result row, from `rowSchema`.
 */
export interface WorkflowTasks<Row> extends TaskAdapter<WorkflowTaskRef, WorkflowResult<Row>> {
  /**
   * Cancels the task's **job** (the API cancels jobs, not single tasks): `PUT /api-open/v1/jobs/{job_id}/cancel`.
   * Lets `waitForTask(..., { cancelOnAbort: true })` stop the job. A `data.success: false` answer is a `ProviderError`.
   */
  cancel(ref: WorkflowTaskRef, ctx: AdapterContext): Promise<void>;
  /**
   * Starts a job of a workflow (`POST /api-open/v1/workflows/{workflow_id}/jobs`, body `{ input }`) and
   * resolves with the new job id, as a string. Not retried (a retry could start a second job), except
   * once after a renewed login when the session was refused. The `signal` goes in `options`, the third
   * argument: `input` holds only the components' parameters.
   */
  runJob(workflowId: number | string, input?: WorkflowJobInput, options?: WorkflowCallOptions): Promise<string>;
  /** Reads a job and its tasks, e.g. to find the id of the task to wait for by its name. */
  getJob(jobId: number | string, options?: WorkflowCallOptions): Promise<WorkflowJob>;
  /** Cancels a job; see `cancel`. */
  cancelJob(jobId: number | string, options?: WorkflowCallOptions): Promise<void>;
  /**
   * Reads a task's `sample_result` rows, parsed by `rowSchema` (what a succeeded wait returns).
   * `limit` defaults to the adapter's `sampleLimit`.
   */
  sampleResult(ref: WorkflowTaskRef, options?: WorkflowCallOptions & { limit?: number }): Promise<Row[]>;
  /** What the adapter's pacer is doing (calls waiting, in flight); `undefined` with `pacing: false`. */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed.
   */
  close(): void;
}

// ---------------------------------------------------------------------------------------------
// State mapping
// ---------------------------------------------------------------------------------------------

/**
 * Maps a job or task status code (`workflow-api-overview.md`, "Job/Task status code") onto a
 * {@link TaskState}: 0 Preparing → queued, 1 Running → running, 2 Success → succeeded, 3 Failed →
 * failed, 4 Interrupted → cancelled, 5 Stopping → cancelling; anything else → unknown.
 * A numeric string is read as its number.
 */
export function workflowTaskState(code: number | string): TaskState {
  const n = typeof code === 'string' && /^\d+$/.test(code.trim()) ? Number(code) : code;
  switch (n) {
    case 0:
      return 'queued';
    case 1:
      return 'running';
    case 2:
      return 'succeeded';
    case 3:
      return 'failed';
    case 4:
      return 'cancelled';
    case 5:
      return 'cancelling';
    default:
      return 'unknown';
  }
}

const STATUS_NAMES: Record<string, string> = {
  '0': 'Preparing',
  '1': 'Running',
  '2': 'Success',
  '3': 'Failed',
  '4': 'Interrupted',
  '5': 'Stopping',
};

/** `'Failed (3)'`, for messages. */
function statusName(code: number | string): string {
  const name = STATUS_NAMES[String(code).trim()];
  return name ? `${name} (${code})` : `status ${String(code).slice(0, 20)}`;
}

// ---------------------------------------------------------------------------------------------
// Response schemas
// ---------------------------------------------------------------------------------------------

/** A time the provider may leave unset (null, `''`, 0, or Go's zero time `0001-01-01T00:00:00Z`) → undefined. */
function unsetOr(date: z.ZodType<Date>) {
  return z
    .union([z.null(), z.literal(''), date])
    .optional()
    .transform((value) => (value instanceof Date && value.getTime() > 0 ? value : undefined));
}

const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);
const statusCode = z.union([z.number(), z.string()]);

const taskSchema = z.looseObject({
  id: idText,
  name: z.string().nullish().transform((v) => v ?? ''),
  status: statusCode,
  runBeginTime: unsetOr(isoDate),
  runEndTime: unsetOr(isoDate),
});

const jobSchema = z.looseObject({
  id: idText,
  name: z.string().nullish().transform((v) => v ?? ''),
  workflowId: z.union([z.string(), z.number()]).nullish().transform((v) => (v == null ? '' : String(v))),
  workflowName: z.string().nullish().transform((v) => v ?? ''),
  status: statusCode,
  tasks: z.array(taskSchema).nullish().transform((v) => v ?? []),
  runBeginTime: unsetOr(epochMsDate),
  runEndTime: unsetOr(epochMsDate),
  createTime: unsetOr(epochMsDate),
});

type ParsedJob = z.output<typeof jobSchema>;

/** The envelope every answer comes in: `{ code, message, data }`, `code` 0 meaning success. */
const envelopeSchema = z.object({
  code: z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]),
  message: z.unknown().optional(),
  data: z.unknown().optional(),
});

const successSchema = z.looseObject({ success: z.boolean() });
const createdSchema = z.looseObject({ id: idText });
const sampleSchema = z.looseObject({ items: z.array(z.unknown()).nullish().transform((v) => v ?? []) });

// ---------------------------------------------------------------------------------------------
// Error codes (workflow-api-overview.md, "Common error codes")
// ---------------------------------------------------------------------------------------------

/** ErrUnauthorized, ErrSession: the session token was refused; with credentials, log in again once. */
const SESSION_CODES: ReadonlySet<string> = new Set(['40104000', '40104001']);
/**
 * ErrInternalServer, ErrInternalDatabase, ErrInternalController: server-side failures that may pass
 * (a database or the Dag Controller briefly unreachable), so they are retried as transient.
 * ErrInternalLicense (50004003) and ErrUnknown (90004000) are not: a retry within one wait will not fix them.
 * ErrBadRequest (40004000) and ErrParam (40004001) are the caller's request: never retried.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([50004000, 50004001, 50004002]);
const NOT_FOUND_CODE = 40404000;

/** What a request is about, which decides how an error code reads. */
type Subject = 'login' | 'workflow' | 'job';

/**
 * What an envelope's code means for a request about `subject`. A 404 is about the URL unless it carries
 * the not-found code for a job or task: the login route exists on every Explorer, so a 404 there always
 * means the base URL is wrong.
 */
function classify(code: number, httpStatus: number, subject: Subject): { kind: EnvelopeKind; reason?: string } {
  if (httpStatus === 404 && (subject === 'login' || code !== NOT_FOUND_CODE)) return { kind: 'wrong-url' };
  if (subject === 'login') {
    if (TRANSIENT_CODES.has(code)) return { kind: 'error', reason: 'login failed on the server side' };
    return { kind: 'auth', reason: 'login refused' };
  }
  if (Math.floor(code / 100_000) === 401) {
    return { kind: 'auth', reason: 'the session token was refused (missing, invalid or expired)' };
  }
  if (code === NOT_FOUND_CODE) {
    // A missing workflow is not a missing task: the call that names one (runJob) does not wait for it.
    if (subject === 'workflow') return { kind: 'error', reason: 'workflow not found' };
    return { kind: 'not-found', reason: 'no such job or task' };
  }
  return { kind: 'error' };
}

// ---------------------------------------------------------------------------------------------
// The factory
// ---------------------------------------------------------------------------------------------

const KNOWN_OPTIONS = new Set([
  'baseURL',
  'token',
  'credentials',
  'tokenHeader',
  'rowSchema',
  'sampleLimit',
  'axios',
  'requestTimeoutMs',
  'pacing',
]);
const DEFAULTS = {
  sampleLimit: 1000,
  encoding: 'json-array',
  pacing: { maxConcurrency: 8 },
} as const;
const MAX_SAMPLE_LIMIT = 100_000;

/**
 * Builds the NebulaGraph Explorer workflow adapter. Every option is checked here (a `TypeError` or
 * `RangeError` naming it, never echoing a credential) before any request.
 *
 * Errors: an envelope `code` ≠ 0 (on HTTP 200 or on a 4xx/5xx) is an `AuthenticationError` for
 * 401xxxxx, a `TaskNotFoundError` for 40404000 (job or task), otherwise a `ProviderError` with
 * `providerCode`; 50004000–50004002 are transient (retried by the poller), the rest are not. A 404
 * with any other code, or at login, is an `HttpError` that says the URL may be wrong; messages name the
 * path actually sent, the base path included.
 * At login (`/api-open/v1/connect`) every code but those transient ones is an `AuthenticationError`.
 * A job without the ref's task is a `TaskNotFoundError`. Rows that fail `rowSchema` are a
 * `ResponseValidationError` naming the row index.
 *
 * Sessions: with `credentials` the adapter logs in on its first call and again (once per call, one
 * login shared by all concurrent callers) when a call answers 40104000 or 40104001; a bare HTTP 401
 * without the envelope is an `AuthenticationError` without a new login. With `token` there is no login.
 *
 * Pacing: the provider documents no limits, so by default only 8 requests may be in flight at once.
 *
 * @example
 * const wf = workflowTasks({
 *   baseURL: 'http://explorer:7002',
 *   credentials: { username: 'root', password, graphAddress: 'graphd', graphPort: 9669 },
 *   rowSchema: z.tuple([z.string(), z.coerce.number()]),
 * });
 * const jobId = await wf.runJob('4216617528');
 * const job = await wf.getJob(jobId);
 * const task = job.tasks.find((t) => t.name === 'PageRank');
 * const done = await waitForTask(wf, { jobId, taskId: task!.id });
 * if (done.state === 'succeeded') done.result.rows; // [string, number][]
 */
export function workflowTasks<S extends z.ZodType = z.ZodArray<z.ZodString>>(
  options: WorkflowOptions<S>,
): WorkflowTasks<z.output<S>> {
  type Row = z.output<S>;
  const settings = normalizeOptions(options);
  const rowsSchema = z.array(settings.rowSchema);

  const client = createHttpClient({
    provider: PROVIDER,
    baseURL: settings.baseURL,
    ...(options.axios !== undefined ? { axios: options.axios } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    defaultPacing: DEFAULTS.pacing,
    interpretError: (response, request) => {
      const envelope = envelopeSchema.safeParse(response.data);
      if (!envelope.success || envelope.data.code === 0) return undefined;
      return answerError(envelope.data, response, request);
    },
    // No rate limit is documented for Explorer **[unk]**, so no rate-limit floor: a 429 without
    // Retry-After is retried on the poller's own retry delay and holds no other request.
  });

  /** A status with the session's secrets masked in its provider text (raw body, task names): a server may echo one. */
  const mask = <R extends StatusReport<WorkflowResult<Row>>>(report: R): R => maskStatusReport(report, session.secrets());

  /** The error an envelope with a code other than 0 stands for; any secret of the session is masked in its text. */
  function answerError(envelope: z.output<typeof envelopeSchema>, response: HttpResponse, request: HttpRequest): TaskPollError {
    const { kind, reason } = classify(envelope.code, response.status, subjectOf(request.path));
    const transient = TRANSIENT_CODES.has(envelope.code);
    const { message: text } = envelope;
    const secrets = session.secrets();
    return envelopeError({ provider: PROVIDER, request, response, code: String(envelope.code), text, secrets, kind, reason, transient });
  }

  /** Reads a 2xx answer: the envelope, then its `data` with `dataSchema`. */
  function readEnvelope<D extends z.ZodType>(response: HttpResponse, request: HttpRequest, dataSchema: D): z.output<D> {
    const what = `${request.method} ${response.path}`;
    const context = { provider: PROVIDER, taskId: request.taskId, what, httpStatus: response.status };
    const envelope = parseBody(envelopeSchema, response.data, {
      ...context,
      notJson: response.data === undefined ? (response.text ?? '') : undefined,
    });
    if (envelope.code !== 0) throw answerError(envelope, response, request);
    return parseBody(dataSchema, envelope.data, { ...context, what: `${what} (data)` });
  }

  // --- the session -----------------------------------------------------------------------------

  const session = createSession(settings.auth, async () => {
    const auth = settings.auth as Extract<Auth, { kind: 'credentials' }>;
    const request: HttpRequest = {
      method: 'POST',
      path: `${API}/connect`,
      headers: { Authorization: `Bearer ${auth.encoded}` },
      body: { address: auth.graphAddress, port: auth.graphPort },
    };
    const response = await client.request(request);
    const data = readEnvelope(response, request, successSchema.optional());
    if (data?.success === false) {
      throw new AuthenticationError(`${PROVIDER}: login refused (data.success is false)`, {
        provider: PROVIDER,
        httpStatus: response.status,
      });
    }
    const token = tokenFromSetCookie(response.headers['set-cookie']);
    if (token === undefined) {
      throw new AuthenticationError(`${PROVIDER}: login answered without a usable ${COOKIE_NAME} cookie`, {
        provider: PROVIDER,
        httpStatus: response.status,
      });
    }
    return token;
  });

  const authHeaders = (token: string): Record<string, string> => {
    const headers: Record<string, string> = { Cookie: `${COOKIE_NAME}=${token}` };
    if (settings.tokenHeader !== undefined) headers[settings.tokenHeader] = token;
    return headers;
  };

  /**
   * Sends an authenticated request and reads its envelope. When the session is refused
   * (40104000/40104001) and the adapter has credentials, logs in again (one login shared by all
   * callers) and sends the request once more.
   */
  async function call<D extends z.ZodType>(request: HttpRequest, dataSchema: D): Promise<z.output<D>> {
    const send = async (token: string) => {
      const sent = { ...request, headers: { ...request.headers, ...authHeaders(token) } };
      const response = await client.request(sent);
      return readEnvelope(response, sent, dataSchema);
    };
    const token = await session.token(request.signal);
    try {
      return await send(token);
    } catch (error) {
      if (!session.canLogin || !isSessionRefused(error)) throw error;
      return send(await session.renew(token, request.signal));
    }
  }

  // --- the calls -------------------------------------------------------------------------------

  /** `job` is an id already checked against `JOB_ID`. */
  const getJobParsed = (job: string, signal: AbortSignal | undefined, taskId?: string): Promise<ParsedJob> =>
    call(
      {
        method: 'GET',
        path: `${API}/jobs/${job}`,
        headers: { 'Content-Type': 'application/json' },
        signal,
        taskId,
      },
      jobSchema,
    );

  async function readRows(ref: Checked, limit: number, signal: AbortSignal | undefined): Promise<Row[]> {
    const path = `${API}/jobs/${ref.job}/tasks/${ref.task}/sample_result`;
    const data = await call(
      {
        method: 'GET',
        path,
        query: { limit },
        // As in the doc's request example.
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        signal,
        taskId: ref.taskId,
      },
      sampleSchema,
    );
    const parsed = await rowsSchema.safeParseAsync(data.items);
    if (parsed.success) return parsed.data;
    const issues: ValidationIssue[] = parsed.error.issues.slice(0, 20).map((issue) => ({
      path: ['data', 'items', ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')],
      message: issue.message,
    }));
    const first = parsed.error.issues[0];
    const index = typeof first?.path[0] === 'number' ? first.path[0] : undefined;
    const rest = first ? first.path.slice(1).filter((p) => typeof p !== 'symbol').join('.') : '';
    throw new ResponseValidationError(
      `${PROVIDER}: GET ${client.pathOf(path)}: row ${index ?? '?'} does not match rowSchema${rest ? ` at ${rest}` : ''}: ${first?.message ?? 'invalid'}`,
      { provider: PROVIDER, taskId: ref.taskId, issues },
    );
  }

  /** `job` is an id already checked against `JOB_ID`. */
  async function sendCancel(job: string, signal: AbortSignal | undefined, taskId?: string): Promise<void> {
    const path = `${API}/jobs/${job}/cancel`;
    const data = await call(
      { method: 'PUT', path, contentType: 'application/x-www-form-urlencoded', signal, taskId },
      successSchema,
    );
    if (!data.success) {
      throw new ProviderError(`${PROVIDER}: PUT ${client.pathOf(path)} answered data.success false: the job was not cancelled`, {
        provider: PROVIDER,
        taskId,
        providerCode: '0',
      });
    }
  }

  const adapter = defineAdapter<WorkflowTaskRef, WorkflowResult<Row>>({
    provider: PROVIDER,
    taskId: (ref) => checkRef(ref).taskId,
    async getStatus(ref, { signal }) {
      const checked = checkRef(ref);
      const job = await getJobParsed(checked.job, signal, checked.taskId);
      const task = job.tasks.find((t) => t.id === checked.taskId);
      const subtasks = job.tasks.map(toSubtask);
      if (task === undefined) {
        // [inf] A job that lists no tasks yet (null or empty) while it is still preparing or running
        // has not materialized them: keep waiting rather than call the task missing.
        const jobState = workflowTaskState(job.status);
        if (job.tasks.length === 0 && (jobState === 'queued' || jobState === 'running')) {
          return mask({ state: 'queued', providerState: String(job.status), message: 'the job lists no tasks yet', raw: job });
        }
        throw new TaskNotFoundError(`${PROVIDER}: job ${job.id} has no task ${checked.taskId}`, {
          provider: PROVIDER,
          taskId: checked.taskId,
        });
      }
      const { state, message } = taskState(job, task);
      const report = {
        state,
        providerState: String(task.status),
        message,
        createdAt: job.createTime,
        startedAt: task.runBeginTime,
        finishedAt: task.runEndTime,
        subtasks,
        raw: job,
      };
      if (state !== 'succeeded') return mask(report);
      return mask({ ...report, result: { rows: await readRows(checked, settings.sampleLimit, signal) } });
    },
    async cancel(ref, ctx) {
      const checked = checkRef(ref);
      await sendCancel(checked.job, checkCallOptions(ctx, PROVIDER, 'cancel'), checked.taskId);
    },
  });

  return {
    provider: adapter.provider,
    taskId: adapter.taskId,
    getStatus: adapter.getStatus,
    cancel: adapter.cancel as WorkflowTasks<Row>['cancel'],
    async runJob(workflowId, input, callOptions) {
      const segment = encodeURIComponent(checkId(workflowId, PROVIDER, { name: 'workflowId', numbers: true }));
      const signal = checkCallOptions(callOptions, PROVIDER, 'runJob');
      const body = input === undefined ? {} : { input: checkInput(input) };
      const data = await call(
        { method: 'POST', path: `${API}/workflows/${segment}/jobs`, body, signal },
        createdSchema,
      );
      return data.id;
    },
    async getJob(jobId, callOptions) {
      const job = checkId(jobId, PROVIDER, JOB_ID);
      return toJob(await getJobParsed(job, checkCallOptions(callOptions, PROVIDER, 'getJob')));
    },
    async cancelJob(jobId, callOptions) {
      const job = checkId(jobId, PROVIDER, JOB_ID);
      await sendCancel(job, checkCallOptions(callOptions, PROVIDER, 'cancelJob'));
    },
    async sampleResult(ref, callOptions) {
      const checked = checkRef(ref);
      const signal = checkCallOptions(callOptions, PROVIDER, 'sampleResult', ['limit']);
      const limit = sampleLimitOption('limit', callOptions?.limit, settings.sampleLimit);
      return readRows(checked, limit, signal);
    },
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Status helpers
// ---------------------------------------------------------------------------------------------

type ParsedTask = ParsedJob['tasks'][number];

/**
 * The task's state, with one inference: a task still Preparing (0) in a job that already ended
 * Failed (3) or Interrupted (4) will never run, so it is reported `failed` / `cancelled` rather than
 * left `queued` until the wait times out. `providerState` stays the task's own code.
 */
function taskState(job: ParsedJob, task: ParsedTask): { state: TaskState; message: string | undefined } {
  const state = workflowTaskState(task.status);
  const jobState = workflowTaskState(job.status);
  if (state === 'queued' && (jobState === 'failed' || jobState === 'cancelled')) {
    return {
      state: jobState,
      message: `the job ended ${statusName(job.status)} before this task ran`,
    };
  }
  return { state, message: undefined };
}

function toSubtask(task: ParsedTask): SubtaskStatus {
  const out: SubtaskStatus = {
    id: task.id,
    name: task.name,
    state: workflowTaskState(task.status),
    providerState: String(task.status),
  };
  if (task.runBeginTime) out.startedAt = task.runBeginTime;
  if (task.runEndTime) out.finishedAt = task.runEndTime;
  return out;
}

function toJob(job: ParsedJob): WorkflowJob {
  const out: WorkflowJob = {
    id: job.id,
    name: job.name,
    workflowId: job.workflowId,
    workflowName: job.workflowName,
    status: job.status,
    state: workflowTaskState(job.status),
    tasks: job.tasks.map((task) => {
      const t: WorkflowTask = { id: task.id, name: task.name, status: task.status, state: workflowTaskState(task.status) };
      if (task.runBeginTime) t.startedAt = task.runBeginTime;
      if (task.runEndTime) t.finishedAt = task.runEndTime;
      return t;
    }),
  };
  if (job.createTime) out.createdAt = job.createTime;
  if (job.runBeginTime) out.startedAt = job.runBeginTime;
  if (job.runEndTime) out.finishedAt = job.runEndTime;
  return out;
}

function subjectOf(path: string): Subject {
  if (path === `${API}/connect`) return 'login';
  if (path.startsWith(`${API}/workflows/`)) return 'workflow';
  return 'job';
}

function isSessionRefused(error: unknown): boolean {
  return error instanceof AuthenticationError && error.providerCode !== undefined && SESSION_CODES.has(error.providerCode);
}

/** The `explorer_token` value of a (flattened, comma-joined) `Set-Cookie` header, if usable. */
function tokenFromSetCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /(?:^|,)\s*explorer_token=("?)([^";,\s]*)\1\s*(?:;|,|$)/.exec(header);
  const token = match?.[2];
  return token ? token : undefined;
}

// ---------------------------------------------------------------------------------------------
// The session: one token, one login in flight
// ---------------------------------------------------------------------------------------------

interface Session {
  readonly canLogin: boolean;
  /** The token to send now; logs in first when there is none (one login shared by all callers). */
  token(signal: AbortSignal | undefined): Promise<string>;
  /** `stale` was refused: log in again, unless another caller already did. */
  renew(stale: string, signal: AbortSignal | undefined): Promise<string>;
  /**
   * What the session sends that a server could echo, for masking provider text: the token, or the
   * login's Base64 and the session cookie. Not the password: it is only ever sent inside the Base64.
   */
  secrets(): string[];
}

function createSession(auth: Auth, login: () => Promise<string>): Session {
  if (auth.kind === 'token') {
    return {
      canLogin: false,
      token: () => Promise.resolve(auth.token),
      renew: () => Promise.resolve(auth.token),
      secrets: () => [auth.token],
    };
  }
  let current: string | undefined;
  let inFlight: Promise<string> | undefined;
  const start = (): Promise<string> => {
    // The login does not take any one caller's signal: others may be waiting on it. Each caller
    // stops waiting on its own abort; the login itself is bounded by the request time limit.
    inFlight ??= login().then(
      (token) => {
        current = token;
        inFlight = undefined;
        return token;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };
  // Waiting for the shared login is not the caller's request time (the login may wait for a pacing
  // slot behind other calls; once sent, it has the client's own time limit): the caller's clock stops,
  // its abort still ends the wait.
  const wait = async (promise: Promise<string>, signal: AbortSignal | undefined) => {
    if (!signal) return promise;
    const resume = pauseTimeoutOf(signal);
    try {
      return await raceAbort(promise, signal);
    } finally {
      resume();
    }
  };
  return {
    canLogin: true,
    token: (signal) => (current !== undefined ? Promise.resolve(current) : wait(start(), signal)),
    renew: (stale, signal) => {
      if (current !== undefined && current !== stale) return Promise.resolve(current);
      if (current === stale) current = undefined;
      return wait(start(), signal);
    },
    secrets: () => [auth.encoded, ...(current ? [current] : [])],
  };
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type Auth =
  | { kind: 'token'; token: string }
  | { kind: 'credentials'; encoded: string; graphAddress: string; graphPort: number };

interface Settings<S extends z.ZodType> {
  baseURL: string;
  auth: Auth;
  tokenHeader: string | undefined;
  rowSchema: S;
  sampleLimit: number;
}

/**
 * Base64 of the account, as `/api-open/v1/connect` wants it (see {@link WorkflowLoginEncoding}).
 * Exported for tests and for callers who log in themselves.
 */
export function encodeWorkflowLogin(username: string, password: string, encoding: WorkflowLoginEncoding = 'json-array'): string {
  const text = encoding === 'colon' ? `${username}:${password}` : JSON.stringify([username, password]);
  return Buffer.from(text, 'utf8').toString('base64');
}

function normalizeOptions<S extends z.ZodType>(options: WorkflowOptions<S>): Settings<S> {
  checkOptions(options, PROVIDER, KNOWN_OPTIONS);
  const url = checkBaseURL(options.baseURL, `${PROVIDER}: baseURL`);
  url.pathname = url.pathname.replace(/\/api-open\/v1\/?$/, '').replace(/\/$/, '');

  const hasToken = options.token !== undefined;
  const hasCredentials = options.credentials !== undefined;
  if (hasToken === hasCredentials) {
    throw new TypeError(`${PROVIDER}: give exactly one of token and credentials`);
  }
  const auth: Auth = hasToken ? { kind: 'token', token: checkToken(options.token) } : checkCredentials(options.credentials);

  let tokenHeader: string | undefined;
  const header = options.tokenHeader;
  if (header === true) tokenHeader = COOKIE_NAME;
  else if (typeof header === 'string') {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header) || /^(cookie|authorization|content-type)$/i.test(header)) {
      throw new TypeError(`${PROVIDER}: tokenHeader must be a header name other than Cookie, Authorization or Content-Type`);
    }
    tokenHeader = header;
  } else if (header !== undefined && header !== false) {
    throw new TypeError(`${PROVIDER}: tokenHeader must be a boolean or a header name, got ${describe(header)}`);
  }

  const rowSchema = options.rowSchema ?? (z.array(z.string()) as unknown as S);
  if (typeof rowSchema !== 'object' || rowSchema === null || typeof (rowSchema as z.ZodType).safeParseAsync !== 'function') {
    throw new TypeError(`${PROVIDER}: rowSchema must be a zod schema, got ${describe(rowSchema)}`);
  }
  const sampleLimit = sampleLimitOption('sampleLimit', options.sampleLimit, DEFAULTS.sampleLimit);
  return { baseURL: url.toString().replace(/\/$/, ''), auth, tokenHeader, rowSchema, sampleLimit };
}

function sampleLimitOption(name: string, value: unknown, fallback: number): number {
  const limit = numberOption(`${PROVIDER}: ${name}`, value, fallback, 1, MAX_SAMPLE_LIMIT);
  if (!Number.isInteger(limit)) throw new RangeError(`${PROVIDER}: ${name} must be a whole number, got ${limit}`);
  return limit;
}

/** A cookie value: visible ASCII without `"`, `,`, `;`, `\` or spaces (RFC 6265). */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token === '') {
    throw new TypeError(`${PROVIDER}: token must be a non-empty string, got ${describe(token)}`);
  }
  if (!COOKIE_VALUE.test(token)) {
    throw new TypeError(`${PROVIDER}: token must be a cookie value (no spaces, quotes, commas, semicolons or control characters)`);
  }
  return token;
}

const CREDENTIAL_KEYS = ['username', 'password', 'graphAddress', 'graphPort', 'encoding'];

function checkCredentials(credentials: unknown): Auth {
  checkOptions(credentials, PROVIDER, CREDENTIAL_KEYS, { name: 'credentials' });
  const c = credentials as Partial<Record<keyof WorkflowCredentials, unknown>>;
  if (typeof c.username !== 'string' || c.username === '') {
    throw new TypeError(`${PROVIDER}: credentials.username must be a non-empty string, got ${describe(c.username)}`);
  }
  if (typeof c.password !== 'string') {
    throw new TypeError(`${PROVIDER}: credentials.password must be a string, got ${describe(c.password)}`);
  }
  if (typeof c.graphAddress !== 'string' || c.graphAddress.trim() === '') {
    throw new TypeError(`${PROVIDER}: credentials.graphAddress must be a non-empty string, got ${describe(c.graphAddress)}`);
  }
  const port = c.graphPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    const message = `${PROVIDER}: credentials.graphPort must be a whole number from 1 to 65535, got ${describe(port)}`;
    throw typeof port === 'number' ? new RangeError(message) : new TypeError(message);
  }
  const encoding = c.encoding ?? DEFAULTS.encoding;
  if (encoding !== 'json-array' && encoding !== 'colon') {
    throw new TypeError(`${PROVIDER}: credentials.encoding must be 'json-array' or 'colon', got ${describe(encoding)}`);
  }
  if (encoding === 'colon' && c.username.includes(':')) {
    throw new TypeError(`${PROVIDER}: credentials.username must not contain ":" with the 'colon' encoding`);
  }
  return {
    kind: 'credentials',
    encoded: encodeWorkflowLogin(c.username, c.password, encoding),
    graphAddress: c.graphAddress,
    graphPort: port,
  };
}

interface Checked {
  job: string;
  task: string;
  taskId: string;
}

/** A job id: a whole number ≥ 0 or a string of digits (the provider's ids are numbers), safe in a path as it is. */
const JOB_ID: IdRule = { name: 'jobId', numbers: true, pattern: /^\d{1,20}$/, expected: 'a whole number or a string of digits' };
/** A task id (32 hex characters in the docs); any non-blank id is accepted and encoded for the path. */
const TASK_ID: IdRule = { name: 'ref.taskId', pattern: /\S/, expected: 'a non-empty string', maxLength: 128 };

/** Checks a ref and encodes its ids for the path. */
function checkRef(ref: unknown): Checked {
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    throw new TypeError(`${PROVIDER}: a ref must be { jobId, taskId }, got ${describe(ref)}`);
  }
  const { jobId, taskId } = ref as Partial<WorkflowTaskRef>;
  const job = checkId(jobId, PROVIDER, { ...JOB_ID, name: 'ref.jobId' });
  const task = checkId(taskId, PROVIDER, TASK_ID);
  return { job, task: encodeURIComponent(task), taskId: task };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Where a misplaced signal goes: `runJob(id, { signal })` or `runJob(id, signal)` passes it as `input`. */
const SIGNAL_HINT = ': a signal goes in the options argument, runJob(workflowId, input, { signal })';

function checkInput(input: unknown): WorkflowJobInput {
  if (!isPlainObject(input)) {
    const got = isAbortSignal(input) ? `an AbortSignal${SIGNAL_HINT}` : describe(input);
    throw new TypeError(`${PROVIDER}: input must be an object, got ${got}`);
  }
  for (const [component, params] of Object.entries(input)) {
    const at = `input[${JSON.stringify(component.slice(0, 40))}]`;
    if (!isPlainObject(params)) {
      const got = isAbortSignal(params) ? 'an AbortSignal' : describe(params);
      const hint = isAbortSignal(params) || component === 'signal' ? SIGNAL_HINT : '';
      throw new TypeError(`${PROVIDER}: ${at} must be an object of parameters, got ${got}${hint}`);
    }
    for (const [param, value] of Object.entries(params)) {
      const ok = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok) {
        throw new TypeError(
          `${PROVIDER}: ${at}[${JSON.stringify(param.slice(0, 40))}] must be a string or a finite number, got ${describe(value)}`,
        );
      }
    }
  }
  return input as WorkflowJobInput;
}
