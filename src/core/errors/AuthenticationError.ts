import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The provider refused the credentials (or the TLS client certificate). Never retried. */
export class AuthenticationError extends TaskPollError {
  override readonly code = 'AUTHENTICATION_FAILED' as const;
  /** The provider's error code, when it gave one (e.g. `'ft.InvalidAPIKey'`, `'APIG.0301'`). */
  readonly providerCode: string | undefined;
  /** The HTTP status, when there was a response. */
  readonly httpStatus: number | undefined;

  constructor(
    message: string,
    options: TaskPollErrorOptions & { providerCode?: string | undefined; httpStatus?: number | undefined } = {},
  ) {
    super(message, options);
    this.providerCode = options.providerCode;
    this.httpStatus = options.httpStatus;
  }
}
