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
  /**
   * The result rows the answer held, as received (every row, the ones that passed too), when what
   * failed was a row schema (the workflow adapter's `rowSchema`); `undefined` otherwise. Provider text
   * in them has the adapter's credentials masked, as in a status's `raw`. An issue's path
   * `['data', 'items', i, …]` points at `rows[i]`.
   *
   * Left out of `toJSON()` and `util.inspect()` output: a sample can hold many rows of user data, too
   * much for a log line. Read it from the error itself.
   */
  declare readonly rows: unknown[] | undefined;

  constructor(
    message: string,
    options: TaskPollErrorOptions & {
      issues: ValidationIssue[];
      httpStatus?: number | undefined;
      rows?: unknown[] | undefined;
    },
  ) {
    super(message, options);
    this.issues = options.issues;
    this.httpStatus = options.httpStatus;
    // Not enumerable, so toJSON (which lists the error's own enumerable fields) leaves the rows out.
    Object.defineProperty(this, 'rows', { value: options.rows, enumerable: false });
  }
}
