/**
 * The engine: `waitForTask` and `pollTask` over one wait loop. The loop owns all timing (the schedule,
 * the deadline, retries, aborts); the adapter only reports what it sees, one poll at a time
 * (`poll.ts`).
 */
import type { TaskAdapter } from './adapter.js';
import { fitToDeadline, lastPollLead, nextPollDelay, type DeadlinePlan } from './backoff.js';
import type { WaitOutcome } from './diagnostics.js';
import { AdapterError, CallbackError, TaskFailedError } from './errors/index.js';
import { normalizeWaitOptions, type ProgressInfo, type WaitOptions } from './options.js';
import { checkSnapshotTarget, type TaskPollIterator, type WaitFrame, type WaitSnapshot } from './snapshot.js';
import { describe } from '../internal/checks.js';
import { pollOnce, type PollHooks } from './poll.js';
import type { CompletedTask, SucceededTask, TaskStatus } from './status.js';
import { raceAbort } from '../internal/abort.js';
import { monotonicNow } from '../internal/clock.js';
import { statusChannel, tracing, waitChannel } from '../internal/diagnostics.js';
import { sleep } from '../internal/sleep.js';
import { DeadlineReached, endAtDeadline, LATENCY_SAMPLES, settle, Wait } from './wait.js';
import { adoptTraceparent, endContext, outcomeOf, publishStatus, waitContextOf, waitIterator } from './wait-trace.js';

/** How long before the deadline the last poll's answer is due, at most, in ms (its margin for jitter). */
const LAST_POLL_LEAD_MS = 500;

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
  // The wait starts (its deadline runs) on the first `next()`, not here.
  const open = () => {
    const wait = new Wait(adapter, ref, taskId, opts);
    view.wait = wait as unknown as Wait<never, unknown>;
    return { wait, steps: run(wait, view) };
  };
  return Object.assign(waitIterator(open), { snapshot });
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
  const wait = new Wait(adapter, ref, taskId, opts);
  if (!tracing(waitChannel)) return completion(wait);
  // One trace around the whole wait; its `start` runs the stores a subscriber bound to it, so they are
  // active in every call the wait makes (the adapter's getStatus included).
  const context = waitContextOf(wait);
  return waitChannel.tracePromise(() => {
    adoptTraceparent(wait);
    return completion(wait);
  }, context);
}

/** Runs the wait; resolves with its terminal status when that is a success, else throws. */
async function completion<TRef, TResult>(wait: Wait<TRef, TResult>): Promise<CompletedTask<TResult>> {
  let last: TaskStatus<TResult> | undefined;
  for await (const status of run(wait)) last = status;
  if (last === undefined)
    throw new AdapterError('The poll ended without a status', { provider: wait.adapter.provider, taskId: wait.taskId });
  if (last.state === 'succeeded' || (last.state === 'partial' && wait.opts.acceptPartial)) {
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
  wait: Wait<TRef, TResult>,
  view?: WaitView,
): AsyncGenerator<TaskStatus<TResult>, void, undefined> {
  const { adapter, ref, taskId, opts } = wait;
  const hooks = pollHooks(wait);
  // How it ended, for its diagnostics context; left unset when a `pollTask` loop leaves early.
  let outcome: WaitOutcome | undefined;
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
      const observed = statusChannel.hasSubscribers;
      // What a snapshot of this moment needs, kept only where one can be asked for.
      const frame = view || opts.onProgress || observed ? wait.frame() : undefined;
      if (view) view.frame = frame;
      if (opts.onProgress || observed) {
        const info = progressInfo(wait, plan, frame as WaitFrame);
        if (observed) publishStatus(wait, status, info);
        if (opts.onProgress) await reportProgress(wait, status, info);
      }
      // Set before the yield: a loop that stops at the terminal status has seen the wait end.
      if (status.terminal) outcome = status.state as WaitOutcome;
      yield status;
      if (status.terminal) return;
      // No poll fits before the deadline any more: end now rather than idle until it passes.
      if (plan === undefined) endAtDeadline(wait.life);
      wait.final = plan.final;
      await sleep(plan.delayMs, wait.life.signal);
    }
  } catch (error) {
    const ended = await settle(wait, error);
    outcome = outcomeOf(ended);
    throw ended;
  } finally {
    wait.life.dispose();
    // Before the wait settles, so that `asyncEnd` and `error` see how it ended.
    endContext(wait, outcome ?? 'stopped');
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
    context: () => waitContextOf(wait),
    attempt: () => wait.attempts,
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

/** What `onProgress` (and `taskpoll:status`) is told with a status; its snapshot is built on first read. */
function progressInfo<TRef, TResult>(
  wait: Wait<TRef, TResult>,
  plan: DeadlinePlan | undefined,
  frame: WaitFrame,
): ProgressInfo {
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
  return info;
}

/** Calls `onProgress`; what it throws ends the wait as a `CallbackError`, unless the wait already ended. */
async function reportProgress<TRef, TResult>(
  wait: Wait<TRef, TResult>,
  status: TaskStatus<TResult>,
  info: ProgressInfo,
): Promise<void> {
  const { adapter, taskId, opts } = wait;
  const onProgress = opts.onProgress as NonNullable<typeof opts.onProgress>;
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
