import type { TaskStatus } from '../status.js';
import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The task ended `failed` or `cancelled`, or `partial` while `acceptPartial` was off. */
export class TaskFailedError<TResult = unknown> extends TaskPollError {
  override readonly code = 'TASK_FAILED' as const;
  /** The terminal status, as data. */
  readonly status: TaskStatus<TResult>;

  constructor(status: TaskStatus<TResult>, options: TaskPollErrorOptions = {}) {
    const why = status.message ? `: ${status.message}` : '';
    super(`Task ${status.taskId} ended ${status.state} (${status.providerState})${why}`, {
      provider: status.provider,
      taskId: status.taskId,
      ...options,
    });
    this.status = status;
  }
}
