/**
 * What a test writes and reads about the simulated DataArts Factory: scripts, options and the
 * `sim.dgc` handle.
 */
import type { ScriptableProvider } from '../book.js';
import type { TaskDefaults, TaskScriptBase } from '../lifecycle.js';
import type { PacingOptions } from '../../core/transport.js';
import type { WindowLimit } from '../ratelimit.js';

/** How a system task can end: `SUCCESSFUL`, `WARNING` (some sub-tasks failed) or `FAILED`. */
export type DgcOutcome = 'succeeded' | 'partial' | 'failed';

/** A script for one system task. */
export interface DgcTaskScript extends TaskScriptBase<DgcOutcome> {
  /** Sub-task names, in order; 1 to 3 made-up `Import job [job_…].` names when left out (`[]` for none). */
  subtasks?: string[];
  /** Indexes of the sub-tasks that fail. @default the last one for `partial` and `failed` */
  failedSubtasks?: number[];
}

/** Options of the DataArts simulator (`startSimulator({ dgc })`). */
export interface DgcSimulatorOptions {
  /** The project id in the paths. @default 32 random hex digits */
  projectId?: string;
  /** The IAM token it accepts in `X-Auth-Token`. @default a random `MII…` token */
  token?: string;
  /** The AK it accepts. @default 20 random upper-case characters */
  accessKey?: string;
  /** The SK that signs for it. @default 40 random characters */
  secretKey?: string;
  /** What unscripted tasks do. @default { queuedMs: 0, durationMs: [2000, 10000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<DgcOutcome>;
  /**
   * A per-credential limit answered with `APIG.0308`, in simulated time (with a `timeScale`, its
   * window passes that many times faster); none is documented for DLF. @default false
   */
  rateLimit?: WindowLimit | false;
  /**
   * The sub-task array's name: the docs and OpenAPI say `subtasks`, the Go SDK model `subTasks`.
   * @default 'subtasks'
   */
  subtasksField?: 'subtasks' | 'subTasks';
  /** Times as JSON numbers (the docs) or numeric strings (the SDK models). @default 'number' */
  epochFormat?: 'number' | 'string';
  /** The unknown-task code: `DLF.0810` (Huawei Cloud) or `DLF.20810` (the T-Systems copy). @default 'DLF.0810' */
  notFoundCode?: 'DLF.0810' | 'DLF.20810';
  /** How far `X-Sdk-Date` may be from the caller's clock, in ms. @default 900000 (15 min) */
  maxClockSkewMs?: number;
  /** Consecutive AK/SK failures after which the AK is locked for 5 minutes (`APIG.0301`); 0 never locks. @default 5 */
  lockAfterFailures?: number;
}

/** `sim.dgc`: where the simulated DataArts Factory is and how to drive it. */
export interface DgcSimulator extends ScriptableProvider<DgcTaskScript> {
  /** Pass as `endpoint` to `dgcSystemTasks`. */
  readonly endpoint: string;
  /** The project id it serves (pass as `projectId` to `dgcSystemTasks`). */
  readonly projectId: string;
  /** An IAM token it accepts (`X-Auth-Token`). */
  readonly token: string;
  /** An AK/SK pair it accepts (`SDK-HMAC-SHA256`). */
  readonly accessKey: string;
  /** The SK that signs for `accessKey`. */
  readonly secretKey: string;
  /**
   * Pass as `pacing` to `dgcSystemTasks`: `false` while the simulator throttles nothing (its default:
   * no limit is documented for DLF, and the adapter's default of 2 requests a second, meant for real
   * time, would hold a test back `timeScale` times longer than needed); with a `rateLimit`, the budget
   * that fits it at the simulator's `timeScale`. It follows `setRateLimit`.
   */
  readonly pacing: PacingOptions | false;
  /** Creates a task without a request (as if another client had started an import) and returns its id. */
  createTask(script?: DgcTaskScript): string;
  /** Changes the limit at run time; `false` turns it off. Resets its counts. */
  setRateLimit(limit: WindowLimit | false): void;
}
