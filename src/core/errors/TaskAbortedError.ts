import type { WaitSnapshot } from '../snapshot.js';
import type { TaskStatus } from '../status.js';
import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';
import { queuedHint, type WaitReport } from './TaskTimeoutError.js';

/** The caller's `signal` aborted the wait. `cause` is `signal.reason`. */
export class TaskAbortedError extends TaskPollError {
  override readonly code = 'TASK_ABORTED' as const;
  /** The last status observed; `undefined` when no poll answered. */
  readonly lastStatus: TaskStatus | undefined;
  /** How many polls were started (retries of one poll not counted). */
  readonly attempts: number;
  /** Time from the start of the wait to the abort, in ms. */
  readonly elapsedMs: number;
  /**
   * Of `elapsedMs`, the time the wait's requests spent queued for the adapter's pacing slots, in ms,
   * the queue wait under way at the abort included. When it is most of the wait, the message says so.
   */
  readonly queuedMs: number;
  /** With `cancelOnAbort`: whether the provider accepted the cancel; `undefined` when none was asked. */
  readonly remoteCancel: WaitReport['remoteCancel'];
  /**
   * The wait as it stood at the abort: plain data (see `WaitSnapshot`) to store and continue with
   * `resumeFrom`, e.g. when a shutdown aborted the wait: a pending retry's `Retry-After` is in its
   * `nextPollAt`. `undefined` when the ref is not JSON-safe.
   */
  readonly snapshot: WaitSnapshot | undefined;

  constructor(report: WaitReport, options: TaskPollErrorOptions = {}) {
    super(
      `Wait for task ${options.taskId ?? ''} was aborted after ${report.attempts} polls` +
        queuedHint(report, 'let the wait run longer before aborting it'),
      options,
    );
    this.lastStatus = report.lastStatus;
    this.attempts = report.attempts;
    this.elapsedMs = report.elapsedMs;
    this.queuedMs = report.queuedMs ?? 0;
    this.remoteCancel = report.remoteCancel;
    this.snapshot = report.snapshot;
  }
}
