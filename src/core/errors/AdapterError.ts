import { TaskPollError } from './TaskPollError.js';

/**
 * An adapter broke its contract: it threw something that is not a `TaskPollError`, or returned a
 * status the poller cannot use. `cause` holds what it threw. Never retried.
 */
export class AdapterError extends TaskPollError {
  override readonly code = 'ADAPTER_ERROR' as const;
}
