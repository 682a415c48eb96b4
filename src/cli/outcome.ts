/**
 * From an error to what the user sees: the exit code and one line on stderr. The line is the typed
 * error's message (taskpoll's messages never hold a credential), never a stack trace.
 *
 * @internal
 * @module
 */
import {
  isAuthenticationError,
  isTaskAbortedError,
  isTaskFailedError,
  isTaskPollError,
  isTaskTimeoutError,
} from '../index.js';
import { UsageError } from './args.js';
import { DeadlineError, SetupError } from './errors.js';
import { EXIT } from './exit-codes.js';

/**
 * The exit code of an error. `interrupted` is the code the signal handler set, when the wait was
 * stopped by one. `sent` tells whether a request may have gone out: exit 2 says nothing was sent, so a
 * `TypeError` or `RangeError` after that point (a provider's answer the library refuses) is a 4.
 */
export function exitCodeOf(error: unknown, interrupted: number | undefined, sent: boolean): number {
  if (interrupted !== undefined) return interrupted;
  if (error instanceof UsageError) return EXIT.usage;
  if (!sent && (error instanceof TypeError || error instanceof RangeError)) return EXIT.usage;
  if (isTaskFailedError(error)) return EXIT.taskFailed;
  if (isTaskTimeoutError(error) || error instanceof DeadlineError) return EXIT.timeout;
  if (isAuthenticationError(error)) return EXIT.auth;
  if (isTaskAbortedError(error)) return EXIT.interrupted;
  return EXIT.error;
}

/** The line to print for an error (without the `taskpoll: ` prefix). */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (isTaskAbortedError(error) || isTaskTimeoutError(error)) {
    const cancel = error.remoteCancel;
    if (cancel === undefined) return error.message;
    if (cancel.ok) return `${error.message}; the task was cancelled at the provider`;
    const why = cancel.error instanceof Error ? `: ${cancel.error.message}` : '';
    return `${error.message}; cancelling the task at the provider failed${why}`;
  }
  if (isTaskPollError(error) || error instanceof TypeError || error instanceof RangeError) return error.message;
  if (error instanceof UsageError || error instanceof DeadlineError || error instanceof SetupError)
    return error.message;
  // Node's own errors (a download path that cannot be written): their code says more than the class.
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${error.message} (${code})` : error.message;
}
