import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The provider answered with an HTTP status the adapter could not turn into anything more specific. */
export class HttpError extends TaskPollError {
  override readonly code = 'HTTP_ERROR' as const;
  /** The HTTP status of the answer. */
  readonly httpStatus: number;

  constructor(message: string, options: TaskPollErrorOptions & { httpStatus: number }) {
    super(message, options);
    this.httpStatus = options.httpStatus;
  }
}
