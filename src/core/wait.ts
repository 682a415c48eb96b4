/**
 * One wait's state (`Wait`) and how it ends: the deadline, the error it ends with, and the remote
 * cancel of `cancelOnAbort`. The loop that drives it is `poller.ts`.
 */
import type { TaskAdapter } from './adapter.js';
import type { ProgressSample } from './backoff.js';
import type { WaitContext } from './diagnostics.js';
import { NetworkError, TaskAbortedError, TaskTimeoutError, type TaskPollError } from './errors/index.js';
import type { NormalizedWaitOptions } from './options.js';
import { asTaskPollError } from './poll.js';
import { WaitRecord, type WaitFrame, type WaitSnapshot } from './snapshot.js';
import type { TaskStatus } from './status.js';
import { waitContextOf } from './wait-trace.js';
import { linkAbort, raceAbort, type LinkedAbort } from '../internal/abort.js';
import { attachCallContext, QueueMeter } from '../internal/call-context.js';
import { monotonicNow } from '../internal/clock.js';
import { cancelChannel } from '../internal/diagnostics.js';

/** Progress samples kept for the schedule (the oldest are dropped). */
const MAX_PROGRESS_SAMPLES = 64;

/** The last poll is placed from the slowest of this many recent answered polls of the wait. */
export const LATENCY_SAMPLES = 5;

/** The abort reason of the deadline timer, told apart from any reason a caller's signal carries. */
export class DeadlineReached extends Error {
  constructor() {
    super('The wait deadline passed');
    this.name = 'DeadlineReached';
  }
}

/** One wait: what it polls, with which options, and what it keeps between polls. */
export class Wait<TRef, TResult> {
  readonly adapter: TaskAdapter<TRef, TResult>;
  readonly ref: TRef;
  readonly taskId: string;
  readonly opts: NormalizedWaitOptions<TResult>;
  /** The start, on the monotonic clock (a resumed wait's lies before this process began it). */
  readonly startedAt: number;
  /**
   * The deadline, as an instant on the monotonic clock: a wall clock stepped by NTP or a restored VM
   * would otherwise end a wait early or let it run long.
   */
  readonly deadline: number;
  /** Its start and deadline in epoch ms, and what a resume brought: what its snapshots are made of. */
  readonly record: WaitRecord;
  /**
   * The wait's abort link: it follows the caller's signal and aborts itself at the deadline (with
   * {@link DeadlineReached}), so a request in flight is cut at the deadline, not after it answers.
   */
  readonly life: LinkedAbort;
  /** Polls started (retries of one poll not counted). */
  attempts = 0;
  lastStatus: TaskStatus<TResult> | undefined;
  /** The failure of the poll in progress, if it failed: the cause of a timeout that cuts its retries. */
  lastError: TaskPollError | undefined;
  /** Set once the poll planned last was the last that fits before the deadline. */
  final = false;
  /** Progress seen so far, oldest first, for the progress-aware schedule. */
  readonly samples: ProgressSample[] = [];
  /** How long the last answered polls took, oldest first. */
  readonly latencies: number[] = [];
  /** Time the wait's requests spent queued for the adapter's pacing slots (a resumed wait's before, too). */
  readonly queue: QueueMeter;
  /**
   * When the next poll is due, on the monotonic clock: the planned poll's instant while the wait
   * sleeps, a retry's (its `Retry-After` included) while it waits to retry; `undefined` while a poll
   * is under way. A snapshot taken when the wait ends carries it, so a resume keeps to it.
   */
  nextPollAt: number | undefined;
  /** Its diagnostics context, built only once a channel that carries it has a subscriber. */
  context: WaitContext | undefined;

  constructor(adapter: TaskAdapter<TRef, TResult>, ref: TRef, taskId: string, opts: NormalizedWaitOptions<TResult>) {
    this.adapter = adapter;
    this.ref = ref;
    this.taskId = taskId;
    this.opts = opts;
    const monoNow = monotonicNow();
    this.record = new WaitRecord({ provider: adapter.provider, taskId, ref }, opts, monoNow);
    this.queue = new QueueMeter(this.record.resumedQueuedMs);
    if (this.record.resumeDelayMs > 0) this.nextPollAt = monoNow + this.record.resumeDelayMs;
    const { elapsedMs, remainingMs } = this.record;
    this.startedAt = monoNow - elapsedMs;
    this.deadline = monoNow + remainingMs;
    this.life = linkAbort([opts.signal], { ms: remainingMs, reason: () => new DeadlineReached() });
    // A deadline already past (a wait resumed late, say) ends the wait before any request.
    if (remainingMs <= 0) this.life.abort(new DeadlineReached());
    // Every request of the wait carries it: the transport counts their time queued for pacing here,
    // and the pacer can see the wait's deadline.
    attachCallContext(this.life.signal, { kind: 'poll', deadline: this.deadline, queue: this.queue });
    const resumed = opts.resumeFrom;
    if (resumed) {
      // A resumed wait counts its polls on, and its schedule goes on from what it had learnt.
      this.attempts = resumed.attempts;
      if (opts.progressAware)
        this.samples.push(...resumed.progressSamples.slice(-MAX_PROGRESS_SAMPLES).map((s) => ({ ...s })));
      this.latencies.push(...resumed.latenciesMs.slice(-LATENCY_SAMPLES));
    }
  }

  /** What a snapshot of the wait now needs (the next poll as {@link Wait.nextPollAt} says). */
  frame(): WaitFrame {
    const { attempts, lastStatus, nextPollAt, samples, latencies } = this;
    return this.record.frame(attempts, lastStatus, nextPollAt, samples, latencies, this.queue.queuedMs());
  }

  /** Time since the wait started, in ms. */
  elapsedMs(): number {
    return monotonicNow() - this.startedAt;
  }

  /** Records a poll's status, answered `elapsedMs` after the start, and its progress for the schedule. */
  observe(status: TaskStatus<TResult>, elapsedMs: number): void {
    this.lastStatus = status;
    this.lastError = undefined;
    if (this.opts.progressAware && typeof status.progress === 'number') {
      this.samples.push({ elapsedMs, progress: status.progress });
      if (this.samples.length > MAX_PROGRESS_SAMPLES) this.samples.shift();
    }
  }
}

/** Ends the wait now as timed out (unless the caller aborted it first, whose reason then stands). */
export function endAtDeadline(life: LinkedAbort): never {
  life.abort(new DeadlineReached());
  throw life.signal.reason;
}

/**
 * The error a wait ends with. An error thrown while the wait was still on is its own outcome (a
 * provider's refusal, an adapter bug, a callback's failure). Once the wait's signal aborted, it is a
 * `TaskTimeoutError` (the deadline; its cause the last failure retried) or a `TaskAbortedError` (the
 * caller's signal; its cause the signal's reason), after the remote cancel when `cancelOnAbort` asks.
 */
export async function settle<TRef, TResult>(wait: Wait<TRef, TResult>, error: unknown): Promise<unknown> {
  const { adapter, taskId, opts, life } = wait;
  const { provider } = adapter;
  if (!life.signal.aborted) return error;
  const report = {
    lastStatus: wait.lastStatus as TaskStatus | undefined,
    attempts: wait.attempts,
    elapsedMs: wait.elapsedMs(),
    // Read before the remote cancel, which queues on a meter of its own: a queue wait that the
    // deadline or the abort cut is in it.
    queuedMs: wait.queue.queuedMs(),
    snapshot: snapshotAtEnd(wait),
    remoteCancel: opts.cancelOnAbort && adapter.cancel ? await cancelRemote(wait) : undefined,
  };
  if (life.signal.reason instanceof DeadlineReached) {
    // The time the wait had in all (from its first start, on a resumed wait), and its deadline.
    const limit = { timeoutMs: wait.record.totalMs(opts.timeoutMs), deadline: wait.record.deadline ?? undefined };
    return new TaskTimeoutError({ ...report, ...limit }, { provider, taskId, cause: wait.lastError });
  }
  return new TaskAbortedError(report, { provider, taskId, cause: life.signal.reason });
}

/** The wait as it stood when it ended, for its error; `undefined` when its ref cannot be snapshotted. */
function snapshotAtEnd<TRef, TResult>(wait: Wait<TRef, TResult>): WaitSnapshot | undefined {
  try {
    return wait.record.snapshot(wait.frame());
  } catch {
    return undefined;
  }
}

/**
 * Asks the provider to cancel the task, best effort: bounded by `cancelTimeoutMs` on a link of its
 * own (the wait's signal has already aborted), and never throwing: the outcome goes on the error.
 */
async function cancelRemote<TRef, TResult>(wait: Wait<TRef, TResult>): Promise<{ ok: boolean; error?: unknown }> {
  const { adapter, ref, taskId, opts } = wait;
  const { provider } = adapter;
  const bound = linkAbort([], {
    ms: opts.cancelTimeoutMs,
    reason: () =>
      new NetworkError(`cancel did not answer within ${opts.cancelTimeoutMs} ms`, { provider, taskId, timedOut: true }),
  });
  attachCallContext(bound.signal, {
    kind: 'cancel',
    deadline: monotonicNow() + opts.cancelTimeoutMs,
    queue: new QueueMeter(),
  });
  const startedAt = monotonicNow();
  let outcome: { ok: boolean; error?: TaskPollError };
  try {
    const cancel = adapter.cancel as NonNullable<typeof adapter.cancel>;
    await raceAbort(cancel.call(adapter, ref, { signal: bound.signal }), bound.signal);
    outcome = { ok: true };
  } catch (error) {
    outcome = { ok: false, error: asTaskPollError(error, provider, taskId) };
  } finally {
    bound.dispose();
  }
  if (cancelChannel.hasSubscribers) {
    const { ok, error } = outcome;
    const durationMs = monotonicNow() - startedAt;
    cancelChannel.publish({ provider, taskId, wait: waitContextOf(wait), ok, error, durationMs });
  }
  return outcome;
}
