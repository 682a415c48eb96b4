/**
 * The command's own errors beyond {@link UsageError} (args.ts): each stands for one exit code.
 *
 * @internal
 * @module
 */

/** `--timeout` passed outside the wait (while submitting, setting up a job, downloading): exit 124. */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/**
 * A task the command started could not be waited for (a workflow job without the task asked for):
 * a provider condition found after requests went out, so exit 4, not a usage error.
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}
