/**
 * The command's exit codes, as `--help` and the README list them: the conventions of `kubectl wait`,
 * `aws … wait` and GNU `timeout` (124 for a deadline, 128 + signal number for a signal).
 *
 * @internal
 * @module
 */
export const EXIT = Object.freeze({
  /** The task succeeded (or ended partial with `--accept-partial`), or the command did its job. */
  ok: 0,
  /** The task failed, was cancelled, or ended partial without `--accept-partial`. */
  taskFailed: 1,
  /** A usage or configuration error: nothing was sent. */
  usage: 2,
  /** The provider refused the credentials. */
  auth: 3,
  /** Any other provider, network or validation error, after the retries. */
  error: 4,
  /** The deadline (`--timeout`) passed, as GNU `timeout`. */
  timeout: 124,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const);
