/**
 * `taskpoll wait` and `taskpoll run`: one `waitForTask` with the flags as its options and the live
 * progress as its `onProgress`, then the result on stdout as JSON. No wait logic of its own.
 *
 * @internal
 * @module
 */
import { isTaskFailedError, type TaskStatus, waitForTask } from '../index.js';
import { durationFlag, type TaskCommand } from './args.js';
import type { Env } from './config.js';
import { EXIT } from './exit-codes.js';
import { jobFor } from './jobs.js';
import { exitCodeOf, messageOf } from './outcome.js';
import { createProgress, progressMode } from './render.js';

interface TaskIo {
  signal: AbortSignal;
  env: Env;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

function printJson(stdout: NodeJS.WritableStream, value: unknown): void {
  stdout.write(`${JSON.stringify(value ?? null, null, 2)}\n`);
}

/** Runs `wait` or `run` and resolves with the exit code. Usage errors (flags, environment) throw. */
export async function runTask(cmd: TaskCommand, io: TaskIo): Promise<number> {
  const { flags } = cmd;
  const options = {
    ...optional('timeoutMs', durationFlag('--timeout', flags['timeout'])),
    ...optional('initialDelayMs', durationFlag('--initial-delay', flags['initial-delay'])),
    ...optional('maxDelayMs', durationFlag('--max-delay', flags['max-delay'])),
    acceptPartial: flags['accept-partial'] === true,
    cancelOnAbort: flags['cancel-on-interrupt'] === true,
  };
  const job = jobFor(cmd, io.env);
  const progress = createProgress(io.stderr, progressMode(io.stderr, io.env, flags['quiet'] === true), io.env);
  try {
    const ref = await job.ref(io.signal, (line) => progress.note(line));
    const done: TaskStatus = await waitForTask(job.adapter, ref, {
      ...options,
      signal: io.signal,
      onProgress: (status, info) => progress.onStatus(status, info),
    });
    progress.end();
    const extra = job.after ? await job.after(done, io.signal) : undefined;
    if (flags['json'] === true) printJson(io.stdout, { ...done, ...extra });
    else printJson(io.stdout, extra ? { ...(done.result as object | undefined), ...extra } : done.result);
    return EXIT.ok;
  } catch (error) {
    progress.end();
    // With --json, a task that ended badly still prints its terminal status: it is data, not noise.
    if (flags['json'] === true && isTaskFailedError(error)) printJson(io.stdout, error.status);
    io.stderr.write(`taskpoll: ${messageOf(error)}\n`);
    return exitCodeOf(error, io.signal.aborted ? EXIT.interrupted : undefined);
  } finally {
    job.close();
  }
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
