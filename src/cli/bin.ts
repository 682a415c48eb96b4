#!/usr/bin/env node
/**
 * The `taskpoll` command's entry: the file `node_modules/.bin/taskpoll` links to. The hashbang line
 * above is kept by the build (esbuild keeps an entry's own), so only this file carries it; Node runs
 * the file itself, with no shell wrapper in between to lose signals. It stays small on purpose: the signal handlers go in before anything
 * heavy loads, so an early Ctrl-C still ends with exit code 130; `--version` answers without loading
 * the library; everything else is in `main.ts`, imported on demand.
 *
 * @internal
 * @module
 */
import pkg from '../../package.json' with { type: 'json' };
import { EXIT } from './exit-codes.js';

const controller = new AbortController();
let interrupts = 0;

/**
 * The first SIGINT (or SIGTERM) aborts the wait, which then ends on its own (a remote cancel first,
 * with `--cancel-on-interrupt`); a second one leaves at once. The exit code goes through
 * `process.exitCode`: re-raising the signal would report a signal to the shell, not a code.
 */
function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  interrupts += 1;
  process.exitCode = code;
  if (interrupts > 1) process.exit(code);
  controller.abort(new Error(`Interrupted by ${signal}`));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A reader that stops early (`taskpoll … | head -1`, or `2>&1 | head -1` for stderr) closes the pipe:
// that is not a crash (an unhandled 'error' would exit 1, "the task failed"). The command carries on
// without that output and exits with the code of how it ended, which only it knows.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  import('./main.js')
    .then(({ main }) => main(argv, { signal: controller.signal, env: process.env }))
    .then((code) => {
      // An interrupt's code, set by the handler, wins over what the aborted command reports.
      if (interrupts === 0) process.exitCode = code;
    })
    .catch((error: unknown) => {
      // main() turns every error into a message and a code; this is the last resort for a bug.
      process.stderr.write(`taskpoll: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.error;
    });
}
