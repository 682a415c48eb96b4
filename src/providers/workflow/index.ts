/**
 * `taskpoll/workflow`: NebulaGraph Explorer "Workflow" (Enterprise) jobs, their tasks, and a task's
 * `sample_result`.
 *
 * A running workflow instance is a **job**; each component in it is a **task**. The adapter that
 * {@link workflowTasks} builds waits for one task of one job (`{ jobId, taskId }`), reading the job
 * detail (`GET /api-open/v1/jobs/{job_id}`), and on success reads the task's rows
 * (`GET /api-open/v1/jobs/{job_id}/tasks/{task_id}/sample_result?limit=N`), each validated by a
 * schema you pass (zod, valibot, arktype: any Standard Schema v1), so the rows come out typed.
 * Around the wait it starts jobs (`runJob`), reads them (`getJob`), cancels them (`cancelJob`) and
 * reads rows again (`sampleResult`). It signs in with a session token or an account;
 * {@link workflowTaskState} maps the status codes and {@link encodeWorkflowLogin} builds the login for
 * callers who sign in themselves.
 *
 * API pages: https://github.com/vesoft-inc/nebula-docs/tree/master/docs-2.0/nebula-explorer/workflow/workflow-api
 * (`workflow-api-overview.md`, `api-post-jobs.md`, `api-desc-job.md`, `api-cancel-job.md`,
 * `api-desc-task.md`).
 *
 * @example
 * const wf = workflowTasks({
 *   baseURL: 'http://explorer:7002',
 *   token,
 *   rowSchema: z.tuple([z.string(), z.coerce.number()]),
 * });
 * const done = await waitForTask(wf, { jobId, taskId }); // done.result.rows: [string, number][]
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { defineAdapter, type StatusReport, type TaskAdapter } from '../../core/adapter.js';
import { checkCallOptions, checkId } from '../../internal/checks.js';
import { maskStatusReport } from '../../internal/redact.js';
import { createWorkflowClient, fetchJob, readRows, sendCancel, startJob, type Connection } from './calls.js';
import {
  JOB_ID,
  checkInput,
  checkRef,
  normalizeOptions,
  sampleLimitOption,
  workflowSegment,
  type CheckedRef,
} from './checks.js';
import { PROVIDER } from './protocol.js';
import { toJob } from './schemas.js';
import { createSession } from './session.js';
import { taskReport } from './status.js';
import type { WorkflowOptions, WorkflowResult, WorkflowTaskRef, WorkflowTasks } from './types.js';

export { workflowTaskState } from './schemas.js';
export { encodeWorkflowLogin } from './session.js';
export type {
  WorkflowCallOptions,
  WorkflowCredentials,
  WorkflowJob,
  WorkflowJobInput,
  WorkflowLoginEncoding,
  WorkflowOptions,
  WorkflowResult,
  WorkflowTask,
  WorkflowTaskRef,
  WorkflowTasks,
} from './types.js';

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
 * `ResponseValidationError` naming the row index, with every row as received in its `rows`; a
 * `rowSchema` that is not a Standard Schema v1 is a `TypeError` here.
 *
 * Sessions: with `credentials` the adapter logs in on its first call and again (once per call, one
 * login shared by all concurrent callers) when a call answers 40104000 or 40104001; a bare HTTP 401
 * without the envelope is an `AuthenticationError` without a new login. With `token` there is no login.
 *
 * Pacing: the provider documents no limits, so by default only 8 requests may be in flight at once.
 *
 * @typeParam S - the schema of one result row (`rowSchema`), any Standard Schema v1 (zod 3.24+ and 4,
 *   valibot, arktype, …); the rows are typed by its output.
 * @param options - where Explorer is, how to sign in, and how to read the rows.
 * @returns the adapter, to pass to `waitForTask` / `pollTask`, with the calls around the wait.
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
export function workflowTasks<S extends StandardSchemaV1 = StandardSchemaV1<unknown, string[]>>(
  options: WorkflowOptions<S>,
): WorkflowTasks<StandardSchemaV1.InferOutput<S>> {
  const settings = normalizeOptions(options);
  // The client masks the session's secrets in the errors it builds, and the session logs in through
  // the client: the client reads them only once an answer comes back, when both exist.
  const client = createWorkflowClient(options, settings.baseURL, () => session.secrets());
  const session = createSession(settings.auth, client);
  const conn: Connection = { client, session, tokenHeader: settings.tokenHeader };
  const rows: RowReader<StandardSchemaV1.InferOutput<S>> = (ref, limit, signal) =>
    readRows(conn, settings.rowSchema, ref, limit, signal);
  const adapter = waitAdapter(conn, rows, settings.sampleLimit);
  return {
    provider: adapter.provider,
    taskId: adapter.taskId,
    getStatus: adapter.getStatus,
    // defineAdapter types `cancel` as optional; this adapter always has one.
    cancel: adapter.cancel as WorkflowTasks<StandardSchemaV1.InferOutput<S>>['cancel'],
    ...jobCalls(conn, rows, settings.sampleLimit),
    pacerStats: () => client.pacerStats(),
    // Every succeeded status carries the rows: one without them is an AdapterError, not a typed result that is missing.
    resultRequired: true,
    close: () => client.close(),
  };
}

/** Reads up to `limit` rows of a checked ref's task, each validated by the adapter's row schema. */
type RowReader<Row> = (ref: CheckedRef, limit: number, signal: AbortSignal | undefined) => Promise<Row[]>;

/**
 * What `waitForTask` calls: the task's status from its job's detail, with the rows once it has
 * succeeded, and the job's cancel for `cancelOnAbort`. `sampleLimit` is how many rows a wait reads.
 */
function waitAdapter<Row>(
  conn: Connection,
  rows: RowReader<Row>,
  sampleLimit: number,
): TaskAdapter<WorkflowTaskRef, WorkflowResult<Row>> {
  // A server may echo a secret of the session in provider text (the raw body, task names): mask it.
  const mask = <R extends StatusReport<WorkflowResult<Row>>>(report: R): R =>
    maskStatusReport(report, conn.session.secrets());
  return defineAdapter<WorkflowTaskRef, WorkflowResult<Row>>({
    provider: PROVIDER,
    taskId: (ref) => checkRef(ref).taskId,
    async getStatus(ref, { signal }) {
      const checked = checkRef(ref);
      const job = await fetchJob(conn, checked.job, signal, checked.taskId);
      const report = taskReport(job, checked.taskId);
      if (report.state !== 'succeeded') return mask(report);
      return mask({ ...report, result: { rows: await rows(checked, sampleLimit, signal) } });
    },
    async cancel(ref, ctx) {
      const checked = checkRef(ref);
      await sendCancel(conn, checked.job, checkCallOptions(ctx, PROVIDER, 'cancel'), checked.taskId);
    },
  });
}

/**
 * The calls around the wait. Each checks its arguments (ids, input, call options) before any
 * request; `sampleLimit` is the default `limit` of `sampleResult`.
 */
function jobCalls<Row>(
  conn: Connection,
  rows: RowReader<Row>,
  sampleLimit: number,
): Pick<WorkflowTasks<Row>, 'runJob' | 'getJob' | 'cancelJob' | 'sampleResult'> {
  return {
    async runJob(workflowId, input, callOptions) {
      const workflow = workflowSegment(workflowId);
      const signal = checkCallOptions(callOptions, PROVIDER, 'runJob');
      return startJob(conn, workflow, input === undefined ? undefined : checkInput(input), signal);
    },
    async getJob(jobId, callOptions) {
      const job = checkId(jobId, PROVIDER, JOB_ID);
      return toJob(await fetchJob(conn, job, checkCallOptions(callOptions, PROVIDER, 'getJob')));
    },
    async cancelJob(jobId, callOptions) {
      const job = checkId(jobId, PROVIDER, JOB_ID);
      await sendCancel(conn, job, checkCallOptions(callOptions, PROVIDER, 'cancelJob'));
    },
    async sampleResult(ref, callOptions) {
      const checked = checkRef(ref);
      const signal = checkCallOptions(callOptions, PROVIDER, 'sampleResult', ['limit']);
      const limit = sampleLimitOption('limit', callOptions?.limit, sampleLimit);
      return rows(checked, limit, signal);
    },
  };
}
