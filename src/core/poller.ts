/**
 * The engine: `waitForTask` and `pollTask` over one wait loop. The loop owns all timing (the schedule,
 * the deadline, retries, aborts); the adapter only reports what it sees, one poll at a time
 * (`poll.ts`).
 */
import type { TaskAdapter } from './adapter.js';
import { fitToDeadline, lastPollLead, nextPollDelay, type DeadlinePlan, type ProgressSample } from './backoff.js';
import {
  AdapterError,
  CallbackError,
  NetworkError,
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  type TaskPollError,
} from './errors/index.js';
import { normalizeWaitOptions, type NormalizedWaitOptions, type ProgressInfo, type WaitOptions } from './options.js';
import {
  checkSnapshotTarget,
  WaitRecord,
  type TaskPollIterator,
  type WaitFrame,
  type WaitSnapshot,
} from './snapshot.js';
import { describe } from '../internal/checks.js';
import { asTaskPollError, pollOnce, type PollHooks } from './poll.js';
import type { CompletedTask, SucceededTask, TaskStatus } from './status.js';
import { linkAbort, raceAbort, type LinkedAbort } from '../internal/abort.js';
import { attachCallContext, QueueMeter } from '../internal/call-context.js';
import { monotonicNow } from '../internal/clock.js';
import { sleep } from '../internal/sleep.js';

/** Progress samples kept for the schedule (the oldest are dropped). */
const MAX_PROGRESS_SAMPLES = 64;

/** How long before the deadline the last poll's answer is due, at most, in ms (its margin for jitter). */
const LAST_POLL_LEAD_MS = 500;

/** The last poll is placed from the slowest of this many recent answered polls of the wait. */
const LATENCY_SAMPLES = 5;

/** The abort reason of the deadline timer, told apart from any reason a caller's signal carries. */
class DeadlineReached extends Error {
  constructor() {
    super('The wait deadline passed');
    this.name = 'DeadlineReached';
  }
}

/**
 * Polls `ref` until a terminal status, yielding every status it observes (the terminal one last).
 * A `failed` or `cancelled` end is yielded, not thrown; timeout, abort and errors are thrown as typed
 * `TaskPollError`s. Leaving the `for await` early stops polling and leaves nothing pending.
 * `snapshot()` on the returned iterator gives the wait after the last status yielded, for `resumeFrom`.
 *
 * Options are validated at once: a bad one (or a `resumeFrom` snapshot of another provider's wait,
 * another task, or an unknown version) throws a `TypeError` or `RangeError` from this call.
 */
export function pollTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options?: WaitOptions<TResult>,
): TaskPollIterator<TResult> {
  const opts = normalizeWaitOptions(options);
  const taskId = checkAdapterAndRef(adapter, ref, opts.resumeFrom);
  const view: WaitView = {};
  const snapshot = (): WaitSnapshot | undefined => view.frame && view.wait?.record.snapshot(view.frame);
  return Object.assign(run(adapter, ref, taskId, opts, view), { snapshot });
}

/** How `pollTask`'s `snapshot()` sees the wait its generator runs: the wait, and its last yielded frame. */
type WaitView = { wait?: Wait<never, unknown>; frame?: WaitFrame | undefined };

/**
 * Waits for `ref` to end and resolves with its terminal status when it `succeeded` (or ended `partial`
 * with `acceptPartial`); its `result` is typed by the adapter. Without `acceptPartial: true` the
 * resolved type is {@link SucceededTask}, whose `result` is typed as present (checked at run time for
 * an adapter that sets `resultRequired`; see {@link TaskAdapter.resultRequired}). A status whose
 * `terminal` disagrees with its `state` is an `AdapterError`. Every other ending rejects with a
 * `TaskPollError` subclass: `TaskFailedError` (failed, cancelled, partial not accepted),
 * `TaskTimeoutError`, `TaskAbortedError`, `TaskNotFoundError`, `AuthenticationError`, `ProviderError`,
 * `ResponseValidationError`, `NetworkError`, `HttpError`, `AdapterError` or `CallbackError`.
 */
export function waitForTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options: WaitOptions<TResult> & { acceptPartial: true },
): Promise<CompletedTask<TResult>>;
export function waitForTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options?: WaitOptions<TResult> & { acceptPartial?: false },
): Promise<SucceededTask<TResult>>;
export function waitForTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options?: WaitOptions<TResult>,
): Promise<CompletedTask<TResult>>;
export async function waitForTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options?: WaitOptions<TResult>,
): Promise<CompletedTask<TResult>> {
  const opts = normalizeWaitOptions(options);
  const taskId = checkAdapterAndRef(adapter, ref, opts.resumeFrom);
  let last: TaskStatus<TResult> | undefined;
  for await (const status of run(adapter, ref, taskId, opts)) last = status;
  if (last === undefined)
    throw new AdapterError('The poll ended without a status', { provider: adapter.provider, taskId });
  if (last.state === 'succeeded' || (last.state === 'partial' && opts.acceptPartial)) {
    return last as CompletedTask<TResult>;
  }
  throw new TaskFailedError(last);
}

/**
 * Checks what `options` cannot: the adapter's shape, the ref's task id, and that a `resumeFrom`
 * snapshot is of this provider and task; before any request.
 */
export function checkAdapterAndRef<TRef>(
  adapter: TaskAdapter<TRef, unknown>,
  ref: TRef,
  resumeFrom?: WaitSnapshot,
): string {
  if (typeof adapter !== 'object' || adapter === null)
    throw new TypeError(`adapter must be an object, got ${describe(adapter)}`);
  if (typeof adapter.getStatus !== 'function' || typeof adapter.taskId !== 'function') {
    throw new TypeError('adapter must have getStatus() and taskId() (build one with defineAdapter)');
  }
  if (typeof adapter.provider !== 'string' || adapter.provider === '') {
    throw new TypeError(`adapter.provider must be a non-empty string, got ${describe(adapter.provider)}`);
  }
  const taskId = adapter.taskId(ref);
  if (typeof taskId !== 'string' || taskId === '') {
    throw new TypeError(`${adapter.provider}: taskId(ref) must return a non-empty string, got ${describe(taskId)}`);
  }
  if (resumeFrom) checkSnapshotTarget(resumeFrom, adapter.provider, taskId);
  return taskId;
}

/**
 * The wait loop: poll, plan the next poll, tell `onProgress`, yield, sleep; until a terminal status,
 * the deadline or an abort. Every timing decision is the engine's; the adapter only reports.
 */
async function* run<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
  view?: WaitView,
): AsyncGenerator<TaskStatus<TResult>, void, undefined> {
  const wait = new Wait(adapter, ref, taskId, opts);
  if (view) view.wait = wait as unknown as Wait<never, unknown>;
  const hooks = pollHooks(wait);
  try {
    // On a resumed wait, no poll before the snapshot's `nextPollAt` (a server's `Retry-After` included);
    // when that lies at or past the deadline, the wait ends now rather than idle until it.
    const { resumeDelayMs } = wait.record;
    if (resumeDelayMs > 0) {
      if (monotonicNow() + resumeDelayMs >= wait.deadline) endAtDeadline(wait.life);
      await sleep(resumeDelayMs, wait.life.signal);
    }
    for (;;) {
      // An abort, or the deadline, that came during the sleep ends the wait before another request.
      wait.life.signal.throwIfAborted();
      wait.attempts += 1;
      wait.nextPollAt = undefined;
      // One poll; its transient failures are retried inside it, so what it throws ends the wait.
      const status = await pollOnce(adapter, ref, taskId, opts, wait.life.signal, hooks);
      const elapsedMs = wait.elapsedMs();
      wait.observe(status, elapsedMs);
      // The next poll is planned before `onProgress` runs, so the callback is told the delay that
      // follows. After a terminal status, or after the last poll that fit, none is planned.
      const plan = status.terminal || wait.final ? undefined : planNextPoll(wait, status, elapsedMs);
      wait.nextPollAt = plan && monotonicNow() + plan.delayMs;
      // What a snapshot of this moment needs, kept only where one can be asked for.
      const frame = view || opts.onProgress ? wait.frame() : undefined;
      if (view) view.frame = frame;
      if (opts.onProgress) await reportProgress(wait, status, plan, frame as WaitFrame);
      yield status;
      if (status.terminal) return;
      // No poll fits before the deadline any more: end now rather than idle until it passes.
      if (plan === undefined) endAtDeadline(wait.life);
      wait.final = plan.final;
      await sleep(plan.delayMs, wait.life.signal);
    }
  } catch (error) {
    throw await settle(wait, error);
  } finally {
    wait.life.dispose();
  }
}

/** One wait: what it polls, with which options, and what it keeps between polls. */
class Wait<TRef, TResult> {
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

/** How {@link pollOnce} reports back to the wait. */
function pollHooks<TRef, TResult>(wait: Wait<TRef, TResult>): PollHooks {
  return {
    onFailure: (error) => {
      wait.lastError = error;
    },
    onAnswer: (latencyMs) => {
      wait.latencies.push(latencyMs);
      if (wait.latencies.length > LATENCY_SAMPLES) wait.latencies.shift();
    },
    beforeRetry: (delayMs) => {
      wait.nextPollAt = monotonicNow() + delayMs;
      // A retry that could not answer before the deadline would only idle until it: the wait ends
      // now, as when no scheduled poll fits (TaskTimeoutError, its cause the failure retried).
      if (monotonicNow() + delayMs + lastPollLead(0, wait.latencies) >= wait.deadline)
        wait.life.abort(new DeadlineReached());
    },
  };
}

/**
 * When the next poll goes out: the server's `pollAfterMs` when it gave one, else the schedule; then
 * fitted to the deadline. `undefined` when no poll can answer before the deadline any more.
 */
function planNextPoll<TRef, TResult>(
  wait: Wait<TRef, TResult>,
  status: TaskStatus<TResult>,
  elapsedMs: number,
): DeadlinePlan | undefined {
  const { backoff } = wait.opts;
  const wanted =
    status.pollAfterMs ??
    nextPollDelay(backoff, { pollsDone: wait.attempts, elapsedMs, random: Math.random(), progress: wait.samples });
  // The last poll must be answered before the deadline, or its answer is dropped: it is placed the
  // slowest recent poll's time (plus the usual margin) before it, so a slow provider still answers
  // in time; when even that is past, no poll can answer in time and the wait ends now.
  return fitToDeadline(
    wanted,
    monotonicNow(),
    wait.deadline,
    lastPollLead(Math.min(LAST_POLL_LEAD_MS, wanted), wait.latencies),
  );
}

/** Calls `onProgress`; what it throws ends the wait as a `CallbackError`, unless the wait already ended. */
async function reportProgress<TRef, TResult>(
  wait: Wait<TRef, TResult>,
  status: TaskStatus<TResult>,
  plan: DeadlinePlan | undefined,
  frame: WaitFrame,
): Promise<void> {
  const { adapter, taskId, opts } = wait;
  const onProgress = opts.onProgress as NonNullable<typeof opts.onProgress>;
  const info = {
    attempt: wait.attempts,
    elapsedMs: wait.elapsedMs(),
    queuedMs: wait.queue.queuedMs(),
    nextDelayMs: plan?.delayMs,
  } as ProgressInfo;
  // A getter, not an own enumerable field: built on first read (most callbacks never read it, and a ref
  // that cannot be snapshotted must not break a wait that never asks for one), and out of logs and
  // equality checks of the info.
  Object.defineProperty(info, 'snapshot', { get: () => wait.record.snapshot(frame) });
  try {
    // Raced against the wait's signal: a callback that never settles cannot hold the wait past its
    // deadline or an abort.
    await raceAbort(Promise.resolve(onProgress(status, info)), wait.life.signal);
  } catch (error) {
    if (wait.life.signal.aborted) throw error;
    throw new CallbackError('onProgress threw; the wait was ended', {
      provider: adapter.provider,
      taskId,
      cause: error,
    });
  }
}

/** Ends the wait now as timed out (unless the caller aborted it first, whose reason then stands). */
function endAtDeadline(life: LinkedAbort): never {
  life.abort(new DeadlineReached());
  throw life.signal.reason;
}

/**
 * The error a wait ends with. An error thrown while the wait was still on is its own outcome (a
 * provider's refusal, an adapter bug, a callback's failure). Once the wait's signal aborted, it is a
 * `TaskTimeoutError` (the deadline; its cause the last failure retried) or a `TaskAbortedError` (the
 * caller's signal; its cause the signal's reason), after the remote cancel when `cancelOnAbort` asks.
 */
async function settle<TRef, TResult>(wait: Wait<TRef, TResult>, error: unknown): Promise<unknown> {
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
  try {
    const cancel = adapter.cancel as NonNullable<typeof adapter.cancel>;
    await raceAbort(cancel.call(adapter, ref, { signal: bound.signal }), bound.signal);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: asTaskPollError(error, provider, taskId) };
  } finally {
    bound.dispose();
  }
}
