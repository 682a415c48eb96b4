import type { TaskStatus } from '../status.js';
import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';
import type { WaitReport } from './TaskTimeoutError.js';

/** The caller's `signal` aborted the wait. `cause` is `signal.reason`. */
export class TaskAbortedError extends TaskPollError {
  override readonly code = 'TASK_ABORTED' as const;
  readonly lastStatus: TaskStatus | undefined;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly remoteCancel: { ok: boolean; error?: unknown } | undefined;

  constructor(report: WaitReport, options: TaskPollErrorOptions = {}) {
    super(`Wait for task ${options.taskId ?? ''} was aborted after ${report.attempts} polls`, options);
    this.lastStatus = report.lastStatus;
    this.attempts = report.attempts;
    this.elapsedMs = report.elapsedMs;
    this.remoteCancel = report.remoteCancel;
  }
}
