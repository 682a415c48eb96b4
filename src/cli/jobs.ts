/**
 * What `wait` and `run` do per provider, around the one shared wait: build the adapter from the
 * environment, name the task (the ref given to `wait`, or the one `run` submits), and shape the result
 * printed (an edge archive downloaded after the wait).
 *
 * @internal
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TaskAdapter, type TaskStatus, WAIT_DEFAULTS } from '../index.js';
import { durationFlag, parseInstant, parseNodes, UsageError, type TaskCommand } from './args.js';
import type { EdgeDownloadTask } from '../providers/edge/index.js';
import type { WorkflowTasks } from '../providers/workflow/index.js';
import { dgcFromEnv, edgeFromEnv, type Env, guanceFromEnv, workflowFromEnv } from './config.js';
import { DeadlineError, SetupError } from './errors.js';

/** One task to wait for: its adapter, how to name it, and what to print when it is done. */
export interface Job {
  /** The adapter, typed loosely: the command prints results, it does not read them. */
  adapter: TaskAdapter<unknown, unknown>;
  /** The ref: parsed from the command line (`wait`), or the task just submitted (`run`). */
  ref(signal: AbortSignal, note: (line: string) => void): Promise<unknown>;
  /** What to do once the task is done (an edge download), told as fields added to the output. */
  after?(done: TaskStatus, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Frees the adapter's sockets. */
  close(): void;
}

/** Builds the job of a `wait` or `run` command line. Throws {@link UsageError}. */
export function jobFor(cmd: TaskCommand, env: Env): Job {
  checkArity(cmd);
  switch (cmd.provider) {
    case 'guance':
      return guanceJob(cmd, env);
    case 'edge':
      return edgeJob(cmd, env);
    case 'dgc':
      return dgcJob(cmd, env);
    case 'workflow':
      return workflowJob(cmd, env);
  }
}

function checkArity(cmd: TaskCommand): void {
  const [first, extra] = cmd.rest;
  if (cmd.kind === 'wait') {
    const shape = cmd.provider === 'workflow' ? '<jobId>/<taskId>' : '<taskId>';
    if (first === undefined)
      throw new UsageError(`wait ${cmd.provider} needs the task: taskpoll wait ${cmd.provider} ${shape}`);
    if (extra !== undefined)
      throw new UsageError(`wait ${cmd.provider} takes one task, got ${JSON.stringify(extra)} too`);
    return;
  }
  const action = cmd.provider === 'dgc' ? 'import-jobs' : undefined;
  if (action !== undefined && first !== action) {
    throw new UsageError(`run dgc needs an action: taskpoll run dgc import-jobs --path obs://bucket/jobs.zip`);
  }
  const stray = action === undefined ? first : extra;
  if (stray !== undefined) throw new UsageError(`run ${cmd.provider} takes no argument ${JSON.stringify(stray)}`);
}

function flag(cmd: TaskCommand, name: string): string | undefined {
  const value = cmd.flags[name];
  return typeof value === 'string' ? value : undefined;
}

function required(cmd: TaskCommand, name: string, example: string): string {
  const value = flag(cmd, name);
  if (value === undefined) throw new UsageError(`run ${cmd.provider} needs --${name}, e.g. --${name} ${example}`);
  return value;
}

function waitRef(cmd: TaskCommand): string {
  return cmd.rest[0] as string;
}

function submitted(note: (line: string) => void, text: string, id: string): string {
  note(`${text} ${id}`);
  return id;
}

function guanceJob(cmd: TaskCommand, env: Env): Job {
  const field = flag(cmd, 'field') ?? 'message';
  const from = flag(cmd, 'from');
  const to = flag(cmd, 'to');
  if (flag(cmd, 'since') !== undefined && (from !== undefined || to !== undefined)) {
    throw new UsageError('Give --since or --from/--to, not both');
  }
  const end = to === undefined ? undefined : parseInstant('--to', to);
  const start = from === undefined ? undefined : parseInstant('--from', from);
  const sinceMs = durationFlag('--since', flag(cmd, 'since') ?? '15m') as number;
  const logmine = guanceFromEnv(env);
  return {
    adapter: logmine as TaskAdapter<unknown, unknown>,
    close: () => logmine.close(),
    ref: async (signal, note) => {
      if (cmd.kind === 'wait') return waitRef(cmd);
      const stop = end ?? Date.now();
      const timeRange = [start ?? stop - sinceMs, stop] as const;
      const id = await logmine.submit({ analysisField: field, timeRange }, { signal });
      return submitted(note, 'submitted logmine task', id);
    },
  };
}

function edgeJob(cmd: TaskCommand, env: Env): Job {
  const nodes = cmd.kind === 'run' ? parseNodes(required(cmd, 'nodes', '2,3')) : [];
  const destination = flag(cmd, 'download');
  if (destination !== undefined) checkDownloadPath(destination);
  const dump = edgeFromEnv(env);
  return {
    adapter: dump as TaskAdapter<unknown, unknown>,
    close: () => dump.close(),
    ...(destination === undefined
      ? {}
      : {
          after: async (done: TaskStatus, signal: AbortSignal) => {
            const { bytes } = await dump.download(done as EdgeDownloadTask, destination, { signal });
            return { download: { path: destination, bytes } };
          },
        }),
    ref: async (signal, note) => {
      if (cmd.kind === 'wait') return waitRef(cmd);
      const id = await dump.submit({ edgeNodes: nodes }, { signal });
      return submitted(note, `started the log dump of nodes ${nodes.join(',')}: task`, id);
    },
  };
}

/**
 * `--download`, checked before the task is submitted: the archive comes after the whole wait, so a
 * path that cannot be written must be refused before it, not after. The download checks it again.
 */
function checkDownloadPath(destination: string): void {
  const path = resolve(destination);
  const stat = statOf(path);
  if (stat?.isDirectory()) throw new UsageError(`--download ${destination} is a directory: give a file path`);
  const parent = dirname(path);
  if (!statOf(parent)?.isDirectory()) throw new UsageError(`--download ${destination}: no directory ${parent}`);
  try {
    accessSync(stat ? path : parent, constants.W_OK);
  } catch {
    throw new UsageError(`--download ${destination}: ${stat ? path : parent} is not writable`);
  }
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function dgcJob(cmd: TaskCommand, env: Env): Job {
  const path = cmd.kind === 'run' ? required(cmd, 'path', 'obs://bucket/jobs.zip') : '';
  const dgc = dgcFromEnv(env);
  return {
    adapter: dgc as TaskAdapter<unknown, unknown>,
    close: () => dgc.close(),
    ref: async (signal, note) => {
      if (cmd.kind === 'wait') return waitRef(cmd);
      const id = await dgc.importJobs({ path }, { signal });
      return submitted(note, `importing ${path}: system task`, id);
    },
  };
}

/** A new job may list its tasks only once it is set up: how often, and how long, to ask again. */
const JOB_SETUP_TRIES = 10;
const JOB_SETUP_INTERVAL_MS = 1000;

function workflowJob(cmd: TaskCommand, env: Env): Job {
  const workflowId = cmd.kind === 'run' ? required(cmd, 'workflow', '4216617528') : '';
  const taskName = flag(cmd, 'task');
  const ref = cmd.kind === 'wait' ? workflowRef(waitRef(cmd)) : undefined;
  const cancelOnInterrupt = cmd.flags['cancel-on-interrupt'] === true;
  const workflow = workflowFromEnv(env);
  return {
    adapter: workflow as TaskAdapter<unknown, unknown>,
    close: () => workflow.close(),
    ref: async (signal, note) => {
      if (ref) return ref;
      const jobId = await workflow.runJob(workflowId, undefined, { signal });
      // Named at once: an interrupt while the job is set up must not leave a job nobody can find.
      note(`started job ${jobId} of workflow ${workflowId}`);
      let task: { name: string; id: string };
      try {
        task = await pickTask(workflow, jobId, taskName, signal);
      } catch (error) {
        // A job without the task asked for was already dealt with; anything else after an interrupt (or
        // the deadline) is that interrupt, and the job is this command's to cancel.
        if (!signal.aborted || error instanceof SetupError) throw error;
        const outcome = cancelOnInterrupt
          ? await cancelJob(workflow, jobId, `job ${jobId}`)
          : `job ${jobId} is left running`;
        throw interruptedSetup(signal.reason, outcome);
      }
      note(`waiting for task ${task.name}, ${jobId}/${task.id}`);
      return { jobId, taskId: task.id };
    },
  };
}

/** The error of a job set-up cut short by `reason` (the interrupt, or the deadline: exit 124 kept). */
function interruptedSetup(reason: unknown, outcome: string): Error {
  const message = `${reason instanceof Error ? reason.message : String(reason)}; ${outcome}`;
  return reason instanceof DeadlineError ? new DeadlineError(message) : new SetupError(message);
}

/** Cancels a job this command started, best effort within the library's cancel time limit; says how it went. */
async function cancelJob(workflow: WorkflowTasks<string[]>, jobId: string, named: string): Promise<string> {
  try {
    await workflow.cancelJob(jobId, { signal: AbortSignal.timeout(WAIT_DEFAULTS.cancelTimeoutMs) });
    return `${named} was cancelled`;
  } catch (error) {
    return `cancelling ${named} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The task to wait for in a job just started: the one named, or the last. Without it the job is
 * cancelled (best effort, within the library's cancel time limit), so no job is left running for
 * nothing, and the error says how that went.
 */
async function pickTask(
  workflow: WorkflowTasks<string[]>,
  jobId: string,
  taskName: string | undefined,
  signal: AbortSignal,
): Promise<{ name: string; id: string }> {
  let job = await workflow.getJob(jobId, { signal });
  for (let tries = 1; job.tasks.length === 0 && tries < JOB_SETUP_TRIES; tries += 1) {
    await sleep(JOB_SETUP_INTERVAL_MS, undefined, { signal });
    job = await workflow.getJob(jobId, { signal });
  }
  const task = taskName === undefined ? job.tasks.at(-1) : job.tasks.find((t) => t.name === taskName);
  if (task) return task;
  const names = job.tasks.map((t) => t.name).join(', ') || 'none listed';
  const missing = taskName === undefined ? 'lists no task' : `has no task ${JSON.stringify(taskName)}`;
  throw new SetupError(`Job ${jobId} ${missing} (its tasks: ${names}); ${await cancelJob(workflow, jobId, 'the job')}`);
}

function workflowRef(text: string): { jobId: string; taskId: string } {
  const match = /^([^/]+)\/([^/]+)$/.exec(text);
  if (!match) throw new UsageError(`A workflow task is <jobId>/<taskId>, got ${JSON.stringify(text)}`);
  return { jobId: match[1] as string, taskId: match[2] as string };
}
