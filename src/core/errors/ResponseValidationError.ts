import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** One reason a body did not match what the adapter relies on. */
export interface ValidationIssue {
  /** Where in the body, as a path of keys and indexes. */
  path: (string | number)[];
  /** What was wrong there. */
  message: string;
}

/**
 * The provider's body was not JSON, or did not match the schema the adapter relies on.
 *
 * A 2xx body that cannot be read as JSON at all (cut off mid-JSON, empty, a proxy's page), and an
 * error answer (4xx) whose JSON envelope does not parse, are `transient`: the answer was damaged on
 * the way, so a poll retries it within its retry budget and ends with this error only once the budget
 * is spent. A JSON body of the wrong shape is the provider's real answer: not transient, never retried.
 */
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
