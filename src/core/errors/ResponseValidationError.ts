import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** One reason a body did not match what the adapter relies on. */
export interface ValidationIssue {
  /** Where in the body, as a path of keys and indexes. */
  path: (string | number)[];
  /** What was wrong there. */
  message: string;
}

/** The provider's body was not JSON, or did not match the schema the adapter relies on. Never retried. */
export class ResponseValidationError extends TaskPollError {
  override readonly code = 'RESPONSE_VALIDATION_FAILED' as const;
  /** What did not match. */
  readonly issues: ValidationIssue[];
  /** The HTTP status of the answer, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(
    message: string,
    options: TaskPollErrorOptions & { issues: ValidationIssue[]; httpStatus?: number | undefined },
  ) {
    super(message, options);
    this.issues = options.issues;
    this.httpStatus = options.httpStatus;
  }
}
