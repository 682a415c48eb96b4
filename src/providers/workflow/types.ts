/**
 * The public types of `taskpoll/workflow`: what an integrator reads to call the adapter (its options,
 * the ref of a task, the job and task views, the calls around the wait). Re-exported by `index.ts`.
 *
 * Field names and meanings follow the Explorer workflow API pages:
 * https://github.com/vesoft-inc/nebula-docs/blob/master/docs-2.0/nebula-explorer/workflow/workflow-api/workflow-api-overview.md
 * (login, envelope, status codes), `api-post-jobs.md`, `api-desc-job.md`, `api-cancel-job.md` and
 * `api-desc-task.md` beside it.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { AdapterContext, TaskAdapter } from '../../core/adapter.js';
import type { TaskState } from '../../core/status.js';
import type { Pacer, PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';

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
 * @typeParam S - the schema of one result row: any Standard Schema v1 (zod 3.24+ and 4, valibot,
 *   arktype, …). Without `rowSchema`, a row is a `string[]`.
 */
export interface WorkflowOptions<S extends StandardSchemaV1 = StandardSchemaV1<unknown, string[]>>
  extends TransportOptions {
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
   * The schema of one row of `sample_result` (the provider sends every value as a string): any
   * [Standard Schema](https://standardschema.dev) v1, i.e. an object (or function, as arktype's are)
   * with a `~standard` property of `version: 1` and a `validate` function. zod 3.24+ and 4, valibot
   * and arktype schemas are; anything else is a `TypeError` from the factory. `validate` may return
   * its result or a promise of it.
   *
   * `waitForTask` resolves with `result.rows` typed by the schema's output, e.g.
   * `z.tuple([z.string(), z.coerce.number()])` for PageRank's (vid, rank) gives `[string, number][]`.
   * A row that fails it fails the wait with a `ResponseValidationError` naming the row, whose `rows`
   * holds every row as received; a `validate` that throws is the same error, with the throw as its
   * `cause`.
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
   * A {@link Pacer} is used as it is, to share one budget with other adapters (it stays open when
   * this adapter closes).
   * @default { maxConcurrency: 8 }
   */
  pacing?: PacingOptions | false | Pacer;
}

/**
 * Names one task of one job. `jobId` is a number or a numeric string; `taskId` is the task's id in
 * the job detail (32 hex characters in the docs, e.g. `8c171f70fb6f11ecac7e6da0662c195b`), which is
 * not the component id (`query_1`) used in a job's `input`: find it with `getJob(jobId)`.
 */
export interface WorkflowTaskRef {
  /** The job's id: a whole number, or a string of digits (what `runJob` resolves with). */
  jobId: number | string;
  /** The task's id within the job, as {@link WorkflowTask.id} reports it. */
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
  /** When the task started running (its `runBeginTime`); absent while the provider leaves it unset. */
  startedAt?: Date;
  /** When the task ended (its `runEndTime`); absent while the provider leaves it unset. */
  finishedAt?: Date;
}

/** A job, as `GET /api-open/v1/jobs/{job_id}` reports it (times parsed: epoch ms for the job, ISO 8601 for tasks). */
export interface WorkflowJob {
  /** The job id, as a string (the provider sends a number). */
  id: string;
  /** The job's name, e.g. `workflow_pagerank_20220715093300` (`''` when the provider sends none). */
  name: string;
  /** The id of the workflow the job runs, as a string (`''` when the provider sends none). */
  workflowId: string;
  /** The name of the workflow the job runs (`''` when the provider sends none). */
  workflowName: string;
  /** The provider's status code, verbatim. */
  status: number | string;
  /** The status code mapped by {@link workflowTaskState}. */
  state: TaskState;
  /** When the job was created (its `createTime`); absent when the provider leaves it unset. */
  createdAt?: Date;
  /** When the job started running (its `runBeginTime`); absent while the provider leaves it unset. */
  startedAt?: Date;
  /** When the job ended (its `runEndTime`); absent while the provider leaves it unset. */
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
