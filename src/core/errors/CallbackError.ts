import { TaskPollError } from './TaskPollError.js';

/** A callback the caller passed (e.g. `onProgress`) threw; the wait ends with it as `cause`. */
export class CallbackError extends TaskPollError {
  override readonly code = 'CALLBACK_FAILED' as const;
}
