/**
 * What a test writes and reads about the simulated Explorer: job scripts, options, the job and task
 * views, the credentials `connect` accepts, and the `sim.workflow` handle.
 */
import type { TaskState } from '../../core/status.js';
import type { ScriptableProvider } from '../book.js';
import type { SimulatedTaskView, TaskDefaults, TaskScriptBase } from '../lifecycle.js';

/** How a job can end: 2 Success, 3 Failed or 4 Interrupted. */
export type WorkflowOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One component (task) of a simulated job. */
export interface WorkflowTaskSpec {
  /** The task's name, e.g. `'PageRank'`. */
  name: string;
  /** Its `sample_result` rows (strings, as Explorer sends them); made-up (vid, rank) rows when left out. */
  rows?: string[][];
}

/** A script for one job. */
export interface WorkflowJobScript extends TaskScriptBase<WorkflowOutcome> {
  /** The job's tasks, run one after the other; a name alone is a task with made-up rows. @default ['PageRank'] */
  tasks?: (string | WorkflowTaskSpec)[];
  /** For `failed`: the index of the task that fails (the ones after it never run). @default the last */
  failedTask?: number;
  /** Simulated ms a job (and its running task) shows 5 Stopping before 4 Interrupted. @default 1000 */
  stoppingMs?: number;
}

/** Options of the Explorer simulator (`startSimulator({ workflow })`). */
export interface WorkflowSimulatorOptions {
  /** The user name `connect` accepts. @default 'root' */
  username?: string;
  /** The password `connect` accepts. @default 'nebula' */
  password?: string;
  /** The graphd address `connect` must name. @default '127.0.0.1' */
  graphAddress?: string;
  /** The graphd port `connect` must name. @default 9669 */
  graphPort?: number;
  /** How long an `explorer_token` lives, in simulated ms (Explorer: `Max-Age=259200`). @default 259200000 */
  tokenTtlMs?: number;
  /** What unscripted jobs do. @default { queuedMs: [1000, 3000], durationMs: [10000, 60000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<WorkflowOutcome>;
  /**
   * The HTTP status of error answers: `'category'` uses the code's first three digits (401 for
   * 40104000, 404 for 40404000, as vesoft's error codes are built); `200` puts every error in a 200.
   * @default 'category'
   */
  errorHttpStatus?: 'category' | 200;
  /** The UTC offset of task times, in minutes (the docs show +08:00). @default 480 */
  utcOffsetMinutes?: number;
}

/** A job's task as the simulator sees it. */
export interface WorkflowTaskView {
  /** The 32-hex task id (the `taskId` of a workflow ref). */
  id: string;
  /** The task's name, e.g. `'PageRank'`. */
  name: string;
  /** Explorer's status number now. */
  status: number;
  /** That status as a normalized state. */
  state: TaskState;
}

/** A job as the simulator sees it (`id` is the job id as a string). */
export interface WorkflowJobView extends SimulatedTaskView {
  /** The job id as Explorer sends it (a number). */
  jobId: number;
  /** The workflow the job runs. */
  workflowId: string;
  /** Its tasks, in the order they run. */
  tasks: WorkflowTaskView[];
}

/** The credentials `connect` accepts. */
export interface WorkflowCredentials {
  /** The Explorer (graphd) user name. */
  username: string;
  /** Its password. */
  password: string;
  /** The graphd address `connect` names. */
  graphAddress: string;
  /** The graphd port `connect` names. */
  graphPort: number;
}

/** `sim.workflow`: where the simulated Explorer is and how to drive it. */
export interface WorkflowSimulator extends ScriptableProvider<WorkflowJobScript, WorkflowJobView> {
  /** Pass as `baseURL` to `workflowTasks`. */
  readonly baseURL: string;
  /** An `explorer_token` issued at start (valid until `expireTokens()` or its TTL). */
  readonly token: string;
  /** What `connect` accepts, to let the adapter get (and renew) its own token. */
  readonly credentials: WorkflowCredentials;
  /** Issues a fresh valid token, as `connect` would. */
  issueToken(): string;
  /** Expires every token issued so far: the next call with one gets 40104000. */
  expireTokens(): void;
  /** Creates a job of `workflowId` without a request and returns its id. */
  createJob(workflowId?: string, script?: WorkflowJobScript): number;
}
