/**
 * `taskpoll wait` and `taskpoll run`: one `waitForTask` with the flags as its options and the live
 * progress as its `onProgress`, then the result on stdout as JSON. No wait logic of its own.
 *
 * Everything that can be refused is refused before the first request (flags, environment, the
 * download path, `--cancel-on-interrupt` for a provider that cannot cancel), so a usage error never
 * leaves a task running. `--timeout` is one deadline from the command's start: the wait gets it as
 * its `deadline`, and the steps around the wait (submit, job set-up, download) a signal that it aborts.
 *
 * @internal
 * @module
 */
import { isTaskFailedError, pollTask, type TaskAdapter, type TaskStatus, waitForTask } from '../index.js';
import { type TaskCommand, UsageError } from './args.js';
import type { Env } from './config.js';
import { DeadlineError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { jobFor } from './jobs.js';
import { exitCodeOf, messageOf } from './outcome.js';
import { createProgress, progressMode } from './render.js';
import { type WaitPlan, waitPlan } from './wait-options.js';

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
  const plan = waitPlan(cmd, Date.now());
  const job = jobFor(cmd, io.env);
  const { flags } = cmd;
  const progress = createProgress(io.stderr, progressMode(io.stderr, io.env, flags['quiet'] === true), io.env);
  const steps = stepSignal(plan, io.signal);
  // Until a request went out, a TypeError or RangeError is the caller's (exit 2). The submit calls
  // check their arguments before sending and turn whatever comes after into TaskPollErrors, so one
  // thrown before the ref is known is still the caller's.
  let sent = false;
  try {
    if (plan.options.cancelOnAbort && job.adapter.cancel === undefined) {
      throw new UsageError(
        `--cancel-on-interrupt: the ${cmd.provider} API has no cancel call, so a task cannot be cancelled; leave the flag out`,
      );
    }
    steps.phase = 'starting the task';
    const ref = await job.ref(steps.signal, (line) => progress.note(line));
    if (cmd.kind === 'wait') checkRef(job.adapter, ref);
    sent = true;
    const done: TaskStatus = await waitForTask(job.adapter, ref, {
      ...plan.options,
      signal: io.signal,
      onProgress: (status, info) => progress.onStatus(status, info),
    });
    progress.end();
    steps.phase = 'downloading the archive';
    const extra = job.after ? await job.after(done, steps.signal) : undefined;
    print(io.stdout, flags['json'] === true, done, extra);
    return EXIT.ok;
  } catch (error) {
    progress.end();
    if (error instanceof UsageError) throw error;
    // With --json, a task that ended badly still prints its terminal status: it is data, not noise.
    if (flags['json'] === true && isTaskFailedError(error)) printJson(io.stdout, error.status);
    io.stderr.write(`taskpoll: ${messageOf(error)}\n`);
    return exitCodeOf(error, io.signal.aborted ? EXIT.interrupted : undefined, sent);
  } finally {
    steps.dispose();
    job.close();
  }
}

function print(stdout: NodeJS.WritableStream, json: boolean, done: TaskStatus, extra?: Record<string, unknown>): void {
  if (json) printJson(stdout, { ...done, ...extra });
  else printJson(stdout, extra ? { ...(done.result as object | undefined), ...extra } : done.result);
}

/**
 * A `wait` ref the adapter refuses (a malformed task id) is a usage error: `pollTask` checks it with
 * the options, at once, and sends nothing until its iterator is read.
 */
function checkRef(adapter: TaskAdapter<unknown, unknown>, ref: unknown): void {
  try {
    void pollTask(adapter, ref);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** The signal of the steps around the wait: aborted by SIGINT / SIGTERM, or by the deadline with a {@link DeadlineError}. */
interface StepSignal {
  signal: AbortSignal;
  /** What the command is doing, for the deadline's message. */
  phase: string;
  dispose(): void;
}

function stepSignal(plan: WaitPlan, interrupt: AbortSignal): StepSignal {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(interrupt.reason);
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  const step: StepSignal = {
    signal: controller.signal,
    phase: 'starting',
    dispose: () => {
      clearTimeout(timer);
      interrupt.removeEventListener('abort', onInterrupt);
    },
  };
  const timer = setTimeout(
    () => controller.abort(new DeadlineError(`--timeout ${plan.timeoutText} passed while ${step.phase}`)),
    Math.max(0, plan.deadline - Date.now()),
  );
  return step;
}
