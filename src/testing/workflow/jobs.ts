/**
 * Explorer jobs over time: a job's status and its tasks' statuses (0 Preparing, 1 Running, 2 Success,
 * 3 Failed, 4 Interrupted, 5 Stopping) at any simulated moment, the job detail body, and adding jobs.
 */
import type { TaskState } from '../../core/status.js';
import { isoWithOffset, type TaskBook } from '../book.js';
import type { InternalClock } from '../clock.js';
import { endOf, resolveLifecycle, startOf, timeAtDone, type Lifecycle, type ResolvedDefaults } from '../lifecycle.js';
import type { Random } from '../random.js';
import type { WorkflowJobScript, WorkflowJobView, WorkflowOutcome, WorkflowTaskSpec } from './types.js';

/** A job as the simulator keeps it. */
export interface WorkflowJob {
  id: number;
  workflowId: string;
  life: Lifecycle<WorkflowOutcome>;
  /** `rows` are made up on the first `sample_result`, then kept. */
  tasks: { id: string; name: string; rows: string[][] | undefined }[];
  failedTask: number | undefined;
  stoppingMs: number;
  /** When a cancel was asked for, in simulated ms. */
  cancelAt: number | undefined;
}

/** A job's state at one moment. */
export interface JobNow {
  status: number;
  begin: number | undefined;
  end: number | undefined;
  tasks: { status: number; begin: number | undefined; end: number | undefined }[];
}

/** What adding a job needs: the defaults, the clock and random, the book, and the next job id. */
export interface JobsState {
  readonly defaults: ResolvedDefaults<WorkflowOutcome>;
  readonly clock: InternalClock;
  readonly random: Random;
  readonly book: TaskBook<WorkflowJobScript, WorkflowJob>;
  /** Explorer's job ids are numbers that count up. */
  nextJobId: number;
}

/** Go's zero `time.Time`, which Explorer sends for a task time not set yet. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const STATE_OF_STATUS: Record<number, TaskState> = {
  0: 'queued',
  1: 'running',
  2: 'succeeded',
  3: 'failed',
  4: 'cancelled',
  5: 'cancelling',
};

/** Adds a job of `workflowId` (its lifecycle drawn now) and returns its id. */
export function addJob(state: JobsState, workflowId: string, script: WorkflowJobScript): number {
  const { random } = state;
  const id = state.nextJobId++;
  state.book.add(String(id), {
    id,
    workflowId,
    life: resolveLifecycle(script, state.defaults, random, state.clock.now()),
    tasks: tasksOf(script.tasks ?? ['PageRank'], random),
    failedTask: script.failedTask,
    stoppingMs: script.stoppingMs ?? 1000,
    cancelAt: undefined,
  });
  return id;
}

/** The job as `sim.workflow.task(id)` shows it. */
export function jobView(job: WorkflowJob, simNow: number): WorkflowJobView {
  const now = jobAt(job, simNow);
  return {
    id: String(job.id),
    jobId: job.id,
    workflowId: job.workflowId,
    state: STATE_OF_STATUS[now.status] ?? 'unknown',
    providerState: String(now.status),
    createdAt: new Date(job.life.createdAt),
    startedAt: new Date(startOf(job.life)),
    finishedAt: new Date(finishOf(job)),
    tasks: job.tasks.map((task, i) => {
      const status = now.tasks[i]?.status ?? 0;
      return { id: task.id, name: task.name, status, state: STATE_OF_STATUS[status] ?? 'unknown' };
    }),
  };
}

/**
 * The job detail body (api-desc-job.md): job times in epoch ms (0 until set), task times ISO 8601 at
 * the `offset` in minutes (Go's zero time until set).
 */
export function jobDetail(job: WorkflowJob, simNow: number, offset: number): Record<string, unknown> {
  const now = jobAt(job, simNow);
  const iso = (ms: number | undefined): string => (ms === undefined ? GO_ZERO_TIME : isoWithOffset(ms, offset));
  const createdDigits = isoWithOffset(job.life.createdAt, offset).slice(0, 19).replace(/\D/g, '');
  return {
    id: job.id,
    name: `${workflowName(job.workflowId)}_${createdDigits}`,
    workflowId: job.workflowId,
    workflowName: workflowName(job.workflowId),
    status: now.status,
    runBeginTime: now.begin ?? 0,
    runEndTime: now.end ?? 0,
    createTime: job.life.createdAt,
    tasks: job.tasks.map((task, i) => {
      const t = now.tasks[i] as JobNow['tasks'][number];
      return { id: task.id, name: task.name, runBeginTime: iso(t.begin), runEndTime: iso(t.end), status: t.status };
    }),
  };
}

/** The name Explorer gives a workflow (a job's name adds its creation time). */
function workflowName(workflowId: string): string {
  return `workflow_${workflowId.slice(0, 32)}`;
}

/** When the job ends (or ended): its natural end, or the end of its stopping after a cancel. */
function finishOf(job: WorkflowJob): number {
  if (job.cancelAt !== undefined && job.cancelAt < endOf(job.life)) return job.cancelAt + job.stoppingMs;
  return endOf(job.life);
}

/**
 * The job at simulated time `now`. Its tasks run one after the other, splitting the running time by
 * the progress curve; a failed job ends when its failing task does; a cancel (or a `cancelled`
 * outcome) shows 5 Stopping for `stoppingMs`, then 4 Interrupted on the job and the task it stopped.
 */
export function jobAt(job: WorkflowJob, now: number): JobNow {
  const { life } = job;
  const start = startOf(life);
  const natural = endOf(life);
  const n = job.tasks.length;
  const failing = life.outcome === 'failed' ? Math.min(job.failedTask ?? n - 1, n - 1) : undefined;
  const runs = failing === undefined ? n : failing + 1;
  const windows = job.tasks.map((_, i) =>
    i < runs
      ? { from: timeAtDone(life, i / runs), to: i === runs - 1 ? natural : timeAtDone(life, (i + 1) / runs) }
      : undefined,
  );
  const scriptedStop = life.outcome === 'cancelled' ? Math.max(start, natural - job.stoppingMs) : undefined;
  const cancelAt = job.cancelAt !== undefined && job.cancelAt < natural ? job.cancelAt : scriptedStop;
  const stopEnd =
    cancelAt === undefined
      ? undefined
      : job.cancelAt !== undefined && job.cancelAt < natural
        ? job.cancelAt + job.stoppingMs
        : natural;

  const taskAt = (i: number, at: number): JobNow['tasks'][number] => {
    const w = windows[i];
    if (w === undefined || at < w.from) return { status: 0, begin: undefined, end: undefined };
    if (at < w.to) return { status: 1, begin: w.from, end: undefined };
    return { status: i === failing ? 3 : 2, begin: w.from, end: w.to };
  };

  if (cancelAt !== undefined && stopEnd !== undefined && now >= cancelAt) {
    const stopped = now >= stopEnd;
    const tasks = job.tasks.map((_, i) => {
      const before = taskAt(i, cancelAt);
      if (before.status !== 1) return before;
      return stopped
        ? { status: 4, begin: before.begin, end: stopEnd }
        : { status: 5, begin: before.begin, end: undefined };
    });
    const begin = cancelAt >= start ? start : undefined;
    return stopped ? { status: 4, begin, end: stopEnd, tasks } : { status: 5, begin, end: undefined, tasks };
  }
  const tasks = job.tasks.map((_, i) => taskAt(i, now));
  if (now < start) return { status: 0, begin: undefined, end: undefined, tasks };
  if (now < natural) return { status: 1, begin: start, end: undefined, tasks };
  return { status: life.outcome === 'failed' ? 3 : 2, begin: start, end: natural, tasks };
}

/**
 * A job's tasks from a script's specs, each with a fresh 32-hex id; rows are copied, so a test can reuse
 * its arrays.
 */
export function tasksOf(specs: readonly (string | WorkflowTaskSpec)[], random: Random): WorkflowJob['tasks'] {
  return specs.map((spec) => {
    const { name, rows } = typeof spec === 'string' ? { name: spec, rows: undefined } : spec;
    return { id: random.hex(32), name, rows: rows?.map((row) => [...row]) };
  });
}

/** (vid, rank) rows as PageRank gives them, values as strings (api-desc-task.md). */
export function pageRankRows(random: Random): string[][] {
  return Array.from({ length: random.int(5, 30) }, () => [
    `${random.pick(['player', 'team'])}${random.int(100, 250)}`,
    (random.next() * 0.9 + 0.1).toFixed(6),
  ]);
}
