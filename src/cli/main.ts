/**
 * The command's dispatcher: parse, run the command, turn any error into its exit code and one line
 * on stderr. Loaded by `bin.ts` once the signal handlers are in place.
 *
 * @internal
 * @module
 */
import pkg from '../../package.json' with { type: 'json' };
import { parseCommand, UsageError } from './args.js';
import type { Env } from './config.js';
import { EXIT } from './exit-codes.js';
import { helpText } from './help.js';

/** Where the command writes, and what it reads. */
export interface Io {
  /** Aborted by SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** The environment. */
  env: Env;
  /** The result (JSON) or the simulator's `export` lines. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Progress and errors. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Runs one command line and resolves with its exit code; never rejects. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  try {
    const cmd = parseCommand(argv);
    switch (cmd.kind) {
      case 'help':
        stdout.write(`${helpText(cmd.topic)}\n`);
        return EXIT.ok;
      case 'version':
        stdout.write(`${pkg.version}\n`);
        return EXIT.ok;
      // The library loads only for the commands that use it: help stays instant.
      case 'simulate': {
        const { simulate } = await import('./simulate.js');
        return await simulate(cmd, { signal: io.signal, stdout, stderr });
      }
      default: {
        const { runTask } = await import('./task.js');
        return await runTask(cmd, { signal: io.signal, env: io.env, stdout, stderr });
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`taskpoll: ${error.message}\n`);
      return EXIT.usage;
    }
    const { exitCodeOf, messageOf } = await import('./outcome.js');
    stderr.write(`taskpoll: ${messageOf(error)}\n`);
    return exitCodeOf(error, io.signal.aborted ? EXIT.interrupted : undefined, false);
  }
}
