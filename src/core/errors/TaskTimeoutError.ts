import type { TaskStatus } from '../status.js';
import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** What the poller knows of the wait when it timed out or was aborted. */
export interface WaitReport {
  /** The last status observed, if any poll answered. */
  lastStatus: TaskStatus | undefined;
  /** How many polls were started (retries of one poll not counted). */
  attempts: number;
  /** Time from the start of the wait to this error, in ms. */
  elapsedMs: number;
  /** Set when `cancelOnAbort` asked the provider to cancel the task: whether that call succeeded. */
  remoteCancel?:
    | {
        /** True when the provider accepted the cancel. */
        ok: boolean;
        /** Why it did not, as a `TaskPollError` (its own `cancelTimeoutMs` passing included). */
        error?: unknown;
      }
    | undefined;
}

/** The overall deadline (`timeoutMs`) passed before the task reached a terminal state. */
export class TaskTimeoutError extends TaskPollError {
  override readonly code = 'TASK_TIMEOUT' as const;
  /** The last status observed; `undefined` when no poll answered. */
  readonly lastStatus: TaskStatus | undefined;
  /** How many polls were started (retries of one poll not counted). */
  readonly attempts: number;
  /** Time from the start of the wait to this error, in ms. */
  readonly elapsedMs: number;
  /** The wait's `timeoutMs`, the deadline that passed. */
  readonly timeoutMs: number;
  /** With `cancelOnAbort`: whether the provider accepted the cancel; `undefined` when none was asked. */
  readonly remoteCancel: WaitReport['remoteCancel'];

  constructor(report: WaitReport & { timeoutMs: number }, options: TaskPollErrorOptions = {}) {
    const last = report.lastStatus
      ? `; last state ${report.lastStatus.state} (${report.lastStatus.providerState})`
      : '; no poll answered';
    super(
      `Task ${options.taskId ?? ''} did not finish within ${report.timeoutMs} ms (${report.attempts} polls${last})`,
      options,
    );
    this.lastStatus = report.lastStatus;
    this.attempts = report.attempts;
    this.elapsedMs = report.elapsedMs;
    this.timeoutMs = report.timeoutMs;
    this.remoteCancel = report.remoteCancel;
  }
}
