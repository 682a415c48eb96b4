import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The request got no HTTP answer: connection refused or reset, DNS, TLS, or the request timed out. */
export class NetworkError extends TaskPollError {
  override readonly code = 'NETWORK_ERROR' as const;
  /** The system error code when there is one (`'ECONNRESET'`, `'ECONNREFUSED'`, `'ETIMEDOUT'`, …). */
  readonly errno: string | undefined;
  /** True when the request was given up because `requestTimeoutMs` passed. */
  readonly timedOut: boolean;

  constructor(
    message: string,
    options: TaskPollErrorOptions & { errno?: string | undefined; timedOut?: boolean } = {},
  ) {
    super(message, { transient: true, ...options });
    this.errno = options.errno;
    this.timedOut = options.timedOut ?? false;
  }
}
