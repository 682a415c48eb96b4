import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** The provider answered with its error envelope (a business error code). */
export class ProviderError extends TaskPollError {
  override readonly code = 'PROVIDER_ERROR' as const;
  /** The provider's own error code, verbatim (e.g. `'DLF.0803'`, `'40052002'`). */
  readonly providerCode: string;
  /** The HTTP status of the answer. */
  readonly httpStatus: number | undefined;

  constructor(
    message: string,
    options: TaskPollErrorOptions & { providerCode: string; httpStatus?: number | undefined },
  ) {
    super(message, options);
    this.providerCode = options.providerCode;
    this.httpStatus = options.httpStatus;
  }
}
