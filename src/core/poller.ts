import pRetry from 'p-retry';
import type { AdapterContext, TaskAdapter } from './adapter.js';
import { fitToDeadline, lastPollLead, nextPollDelay, retryDelay, type ProgressSample } from './backoff.js';
import {
  AdapterError,
  CallbackError,
  NetworkError,
  TaskAbortedError,
  TaskFailedError,
  TaskPollError,
  TaskTimeoutError,
  isTaskPollError,
} from './errors/index.js';
import { normalizeWaitOptions, describe, describeOption, type NormalizedWaitOptions, type WaitOptions } from './options.js';
import { linkAbort, raceAbort } from '../internal/abort.js';
import { sleep } from '../internal/sleep.js';
import { isTaskState, isTerminalState, type CompletedTask, type SucceededTask, type TaskStatus } from './status.js';
import { toTaskPollError } from '../internal/http/errors.js';
import { monotonicNow } from '../internal/clock.js';

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
 *
 * Options are validated at once: a bad one throws a `TypeError` or `RangeError` from this call.
 */
export function pollTask<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  options?: WaitOptions<TResult>,
): AsyncIterableIterator<TaskStatus<TResult>> {
  const opts = normalizeWaitOptions(options);
  const taskId = checkAdapterAndRef(adapter, ref);
  return run(adapter, ref, taskId, opts);
}

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
  const taskId = checkAdapterAndRef(adapter, ref);
  let last: TaskStatus<TResult> | undefined;
  for await (const status of run(adapter, ref, taskId, opts)) last = status;
  if (last === undefined) throw new AdapterError('The poll ended without a status', { provider: adapter.provider, taskId });
  if (last.state === 'succeeded' || (last.state === 'partial' && opts.acceptPartial)) {
    return last as CompletedTask<TResult>;
  }
  throw new TaskFailedError(last);
}

function checkAdapterAndRef<TRef>(adapter: TaskAdapter<TRef, unknown>, ref: TRef): string {
  if (typeof adapter !== 'object' || adapter === null) throw new TypeError(`adapter must be an object, got ${describe(adapter)}`);
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
  return taskId;
}

async function* run<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
): AsyncGenerator<TaskStatus<TResult>, void, undefined> {
  const { provider } = adapter;
  const startedAt = monotonicNow();
  const deadline = startedAt + opts.timeoutMs;
  const life = linkAbort([opts.signal], { ms: opts.timeoutMs, reason: () => new DeadlineReached() });
  let attempts = 0;
  let lastStatus: TaskStatus<TResult> | undefined;
  let lastError: TaskPollError | undefined;
  let final = false;
  const samples: ProgressSample[] = [];
  /** How long the last answered polls took, oldest first. */
  const latencies: number[] = [];

  try {
    for (;;) {
      life.signal.throwIfAborted();
      attempts += 1;
      const status = await pollOnce(adapter, ref, taskId, opts, life.signal, {
        onFailure: (error) => {
          lastError = error;
        },
        onAnswer: (latencyMs) => {
          latencies.push(latencyMs);
          if (latencies.length > LATENCY_SAMPLES) latencies.shift();
        },
        beforeRetry: (delayMs) => {
          // A retry that could not answer before the deadline would only idle until it: the wait ends
          // now, as when no scheduled poll fits (TaskTimeoutError, its cause the failure retried).
          if (monotonicNow() + delayMs + lastPollLead(0, latencies) >= deadline) life.abort(new DeadlineReached());
        },
      });
      lastStatus = status;
      lastError = undefined;

      const elapsedMs = monotonicNow() - startedAt;
      if (opts.progressAware && typeof status.progress === 'number') {
        samples.push({ elapsedMs, progress: status.progress });
        if (samples.length > MAX_PROGRESS_SAMPLES) samples.shift();
      }
      let plan: { delayMs: number; final: boolean } | undefined;
      if (!status.terminal && !final) {
        const wanted =
          status.pollAfterMs ??
          nextPollDelay(opts.backoff, { pollsDone: attempts, elapsedMs, random: Math.random(), progress: samples });
        // The last poll must be answered before the deadline, or its answer is dropped: it is placed the
        // slowest recent poll's time (plus the usual margin) before it, so a slow provider still answers
        // in time; when even that is past, no poll can answer in time and the wait ends now.
        plan = fitToDeadline(wanted, monotonicNow(), deadline, lastPollLead(Math.min(LAST_POLL_LEAD_MS, wanted), latencies));
      }
      if (opts.onProgress) {
        const info = { attempt: attempts, elapsedMs: monotonicNow() - startedAt, nextDelayMs: plan?.delayMs };
        try {
          await raceAbort(Promise.resolve(opts.onProgress(status, info)), life.signal);
        } catch (error) {
          if (life.signal.aborted) throw error;
          throw new CallbackError('onProgress threw; the wait was ended', { provider, taskId, cause: error });
        }
      }
      yield status;
      if (status.terminal) return;
      if (plan === undefined) {
        // No poll fits before the deadline any more: end now rather than idle until it passes.
        life.abort(new DeadlineReached());
        life.signal.throwIfAborted();
      }
      final = plan?.final ?? true;
      await sleep(plan?.delayMs ?? 0, life.signal);
    }
  } catch (error) {
    throw await settle(error);
  } finally {
    life.dispose();
  }

  async function settle(error: unknown): Promise<unknown> {
    if (!life.signal.aborted) return error;
    const report = {
      lastStatus: lastStatus as TaskStatus | undefined,
      attempts,
      elapsedMs: monotonicNow() - startedAt,
      remoteCancel: opts.cancelOnAbort && adapter.cancel ? await cancelRemote() : undefined,
    };
    if (life.signal.reason instanceof DeadlineReached) {
      return new TaskTimeoutError({ ...report, timeoutMs: opts.timeoutMs }, { provider, taskId, cause: lastError });
    }
    return new TaskAbortedError(report, { provider, taskId, cause: life.signal.reason });
  }

  async function cancelRemote(): Promise<{ ok: boolean; error?: unknown }> {
    const bound = linkAbort([], {
      ms: opts.cancelTimeoutMs,
      reason: () => new NetworkError(`cancel did not answer within ${opts.cancelTimeoutMs} ms`, { provider, taskId, timedOut: true }),
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
}

/** What {@link pollOnce} reports back to the wait. */
interface PollHooks {
  /** Every failed attempt, as the TaskPollError it ends with. */
  onFailure: (error: TaskPollError) => void;
  /** How long the attempt that produced the status took, in ms. */
  onAnswer: (latencyMs: number) => void;
  /** Called with the delay before each retry, before sleeping it; may end the wait (abort its signal). */
  beforeRetry: (delayMs: number) => void;
}

/** One poll: the adapter's getStatus under the request time limit, with transient failures retried. */
async function pollOnce<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
  lifeSignal: AbortSignal,
  { onFailure, onAnswer, beforeRetry }: PollHooks,
): Promise<TaskStatus<TResult>> {
  const { provider } = adapter;
  const attempt = async (): Promise<TaskStatus<TResult>> => {
    const sentAt = monotonicNow();
    const request = linkAbort([lifeSignal], {
      ms: opts.requestTimeoutMs,
      reason: () =>
        new NetworkError(`${provider}: poll of task ${taskId} got no answer within ${opts.requestTimeoutMs} ms`, {
          provider,
          taskId,
          timedOut: true,
          errno: 'ETIMEDOUT',
        }),
    }, true);
    const ctx: AdapterContext = { signal: request.signal };
    try {
      const status = await raceAbort(adapter.getStatus(ref, ctx), request.signal);
      if (typeof status !== 'object' || status === null || typeof status.terminal !== 'boolean') {
        throw new AdapterError(`${provider}: getStatus returned ${describe(status)} instead of a TaskStatus`, { provider, taskId });
      }
      // A hand-written adapter's `terminal` is checked, not trusted: a wait that stops on a `running`
      // status, or polls on past a `failed` one, would end with a wrong answer.
      if (!isTaskState(status.state)) {
        throw new AdapterError(`${provider}: getStatus returned state ${describeOption('state', status.state)}, which is not a TaskState`, { provider, taskId });
      }
      if (status.terminal !== isTerminalState(status.state)) {
        throw new AdapterError(
          `${provider}: getStatus returned terminal ${status.terminal} with state "${status.state}" (terminal is true exactly for succeeded, partial, failed and cancelled)`,
          { provider, taskId },
        );
      }
      if (status.state === 'succeeded' && adapter.resultRequired === true && status.result === undefined) {
        throw new AdapterError(`${provider}: getStatus returned state "succeeded" without a result (the adapter sets resultRequired)`, { provider, taskId });
      }
      // The schedule trusts it: NaN or a negative value would poll with no delay at all.
      const { pollAfterMs } = status;
      if (pollAfterMs !== undefined && !(typeof pollAfterMs === 'number' && pollAfterMs >= 0)) {
        throw new AdapterError(`${provider}: getStatus returned pollAfterMs ${describe(pollAfterMs)}, not a number ≥ 0`, { provider, taskId });
      }
      onAnswer(monotonicNow() - sentAt);
      return status;
    } catch (error) {
      if (lifeSignal.aborted) throw error;
      const failure = request.signal.aborted ? (request.signal.reason as TaskPollError) : asTaskPollError(error, provider, taskId);
      onFailure(failure);
      throw failure;
    } finally {
      request.dispose();
    }
  };
  const retry = opts.retry;
  if (retry === false) return attempt();
  // The first attempt runs outside p-retry: most polls succeed at once, and they need none of its
  // per-call set-up. p-retry takes over from the first failure, counting that one as retry 1.
  let firstError: unknown;
  try {
    const status = await attempt();
    lifeSignal.throwIfAborted();
    return status;
  } catch (error) {
    firstError = error;
  }
  const retryable = (error: unknown): error is TaskPollError => !lifeSignal.aborted && isTaskPollError(error) && error.transient;
  if (retry.retries === 0 || !retryable(firstError)) throw firstError;
  const retrySleep = (delayMs: number): Promise<void> => {
    beforeRetry(delayMs);
    return sleep(delayMs, lifeSignal);
  };
  await retrySleep(retryDelay(retry.backoff, 1, Math.random(), firstError.retryAfterMs));
  return pRetry(attempt, {
    retries: retry.retries - 1,
    minTimeout: 0,
    maxTimeout: 0,
    signal: lifeSignal,
    // p-retry counts and stops; the delay (with Retry-After) is ours, slept here so it is abortable.
    shouldRetry: async ({ error, retriesConsumed }) => {
      if (!retryable(error)) return false;
      await retrySleep(retryDelay(retry.backoff, retriesConsumed + 2, Math.random(), error.retryAfterMs));
      return true;
    },
  });
}

/** Whatever an adapter threw, as a TaskPollError: ours pass through, transport errors are mapped, the rest wrapped. */
function asTaskPollError(error: unknown, provider: string, taskId: string): TaskPollError {
  if (isTaskPollError(error)) {
    fillContext(error, provider, taskId);
    return error;
  }
  const mapped = toTaskPollError(error, { provider, taskId });
  if (mapped) return mapped;
  return new AdapterError(`${provider}: the adapter threw ${error instanceof Error ? error.name : describe(error)}`, {
    provider,
    taskId,
    cause: error,
  });
}

function fillContext(error: TaskPollError, provider: string, taskId: string): void {
  const target = error as { provider: string | undefined; taskId: string | undefined };
  if (target.provider === undefined) target.provider = provider;
  if (target.taskId === undefined) target.taskId = taskId;
}
