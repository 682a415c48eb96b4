import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The request got no HTTP answer: connection refused or reset, DNS, TLS, or the request timed out. */
export class NetworkError extends TaskPollError {
  override readonly code = 'NETWORK_ERROR' as const;
  /** The system error code when there is one (`'ECONNRESET'`, `'ECONNREFUSED'`, `'ETIMEDOUT'`, …). */
  readonly errno: string | undefined;
  /** True when the request was given up because `requestTimeoutMs` passed. */
  readonly timedOut: boolean;
  /**
   * The host the request went to, as in a URL (a hostname, or an IP address; IPv6 in brackets), so a
   * failure says which server it could not reach. Never userinfo. `undefined` when not known.
   */
  readonly host: string | undefined;
  /** The port the request went to (the scheme's default written out); `undefined` when not known. */
  readonly port: number | undefined;

  constructor(
    message: string,
    options: TaskPollErrorOptions & {
      errno?: string | undefined;
      timedOut?: boolean;
      host?: string | undefined;
      port?: number | undefined;
    } = {},
  ) {
    super(message, { transient: true, ...options });
    this.errno = options.errno;
    this.timedOut = options.timedOut ?? false;
    this.host = options.host;
    this.port = options.port;
  }
}
