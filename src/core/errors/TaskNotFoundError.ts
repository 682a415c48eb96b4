import { TaskPollError } from './TaskPollError.js';

/** The provider says the task does not exist. Never retried. */
export class TaskNotFoundError extends TaskPollError {
  override readonly code = 'TASK_NOT_FOUND' as const;
}
