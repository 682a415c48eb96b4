/**
 * One poll of a wait: the adapter's `getStatus` under the wait's per-poll time limit, its answer
 * checked against the contract, transient failures retried inside the poll. The wait loop around it
 * is `poller.ts`.
 */
import pRetry from 'p-retry';
import type { AdapterContext, TaskAdapter } from './adapter.js';
import { retryDelay } from './backoff.js';
import { AdapterError, NetworkError, type TaskPollError, isTaskPollError } from './errors/index.js';
import type { NormalizedWaitOptions } from './options.js';
import { describe, describeOption } from '../internal/checks.js';
import { isTaskState, isTerminalState, type TaskStatus } from './status.js';
import { linkAbort, raceAbort } from '../internal/abort.js';
import { callContextOf } from '../internal/call-context.js';
import { monotonicNow } from '../internal/clock.js';
import { pollChannel, retryChannel, tracing } from '../internal/diagnostics.js';
import type { PollContext, WaitContext } from './diagnostics.js';
import { toTaskPollError } from '../internal/http/errors.js';
import { sleep } from '../internal/sleep.js';

/** What {@link pollOnce} reports back to the wait. */
export interface PollHooks {
  /** Every failed attempt, as the TaskPollError it ends with. */
  onFailure: (error: TaskPollError) => void;
  /** How long the attempt that produced the status took, in ms, its time queued for a pacing slot left out. */
  onAnswer: (latencyMs: number) => void;
  /** Called with the delay before each retry, before sleeping it; may end the wait (abort its signal). */
  beforeRetry: (delayMs: number) => void;
  /** The wait's diagnostics context (built on the first call), for the messages of its polls and retries. */
  context: () => WaitContext;
  /** The number of the poll under way in the wait. */
  attempt: () => number;
}

/**
 * One poll: the adapter's `getStatus`, with transient failures retried within `opts.retry` (each retry
 * after its backoff delay, or the server's `Retry-After` when longer).
 */
export async function pollOnce<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
  lifeSignal: AbortSignal,
  hooks: PollHooks,
): Promise<TaskStatus<TResult>> {
  // p-retry calls it with its attempt number, 1 for the first it makes: the poll's first retry.
  const attempt = (retryNumber = 0): Promise<TaskStatus<TResult>> =>
    tracedAttempt(adapter, ref, taskId, opts, lifeSignal, hooks, retryNumber);
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
  // Only transient failures are retried, and none once the wait has ended (deadline or abort).
  const retryable = (error: unknown): error is TaskPollError =>
    !lifeSignal.aborted && isTaskPollError(error) && error.transient;
  if (retry.retries === 0 || !retryable(firstError)) throw firstError;
  const retrySleep = (retryNumber: number, error: TaskPollError): Promise<void> => {
    const delayMs = retryDelay(retry.backoff, retryNumber, Math.random(), error.retryAfterMs);
    hooks.beforeRetry(delayMs);
    if (retryChannel.hasSubscribers && !lifeSignal.aborted) {
      retryChannel.publish({
        provider: adapter.provider,
        taskId,
        wait: hooks.context(),
        attempt: hooks.attempt(),
        retry: retryNumber,
        error,
        delayMs,
        retryAfter: error.retryAfterMs !== undefined && delayMs === error.retryAfterMs,
      });
    }
    return sleep(delayMs, lifeSignal);
  };
  await retrySleep(1, firstError);
  return pRetry(attempt, {
    retries: retry.retries - 1,
    minTimeout: 0,
    maxTimeout: 0,
    signal: lifeSignal,
    // p-retry counts and stops; the delay (with Retry-After) is ours, slept here so it is abortable.
    shouldRetry: async ({ error, retriesConsumed }) => {
      if (!retryable(error)) return false;
      await retrySleep(retriesConsumed + 2, error);
      return true;
    },
  });
}

/** One request of a poll, traced on `taskpoll:poll` when that has a subscriber (retry 0, then 1, 2, …). */
function tracedAttempt<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
  lifeSignal: AbortSignal,
  hooks: PollHooks,
  retryNumber: number,
): Promise<TaskStatus<TResult>> {
  if (!tracing(pollChannel)) return attemptPoll(adapter, ref, taskId, opts, lifeSignal, hooks);
  const context: PollContext = {
    provider: adapter.provider,
    taskId,
    wait: hooks.context(),
    attempt: hooks.attempt(),
    retry: retryNumber,
  };
  // Its `start` runs the stores bound to it: what the request does (HTTP client spans) sees them.
  return pollChannel.tracePromise(() => attemptPoll(adapter, ref, taskId, opts, lifeSignal, hooks), context);
}

/**
 * One attempt of a poll: `getStatus` under the wait's `requestTimeoutMs`, its answer checked. A failure
 * is reported to the wait and thrown as a TaskPollError (the time limit's own when that cut it).
 */
async function attemptPoll<TRef, TResult>(
  adapter: TaskAdapter<TRef, TResult>,
  ref: TRef,
  taskId: string,
  opts: NormalizedWaitOptions<TResult>,
  lifeSignal: AbortSignal,
  hooks: PollHooks,
): Promise<TaskStatus<TResult>> {
  const { provider } = adapter;
  const sentAt = monotonicNow();
  const queue = callContextOf(lifeSignal)?.queue;
  const queuedBefore = queue?.queuedMs() ?? 0;
  // Pausable: the transport stops this clock while the poll's request waits for a pacing slot.
  const request = linkAbort(
    [lifeSignal],
    {
      ms: opts.requestTimeoutMs,
      reason: () =>
        new NetworkError(`${provider}: poll of task ${taskId} got no answer within ${opts.requestTimeoutMs} ms`, {
          provider,
          taskId,
          timedOut: true,
          errno: 'ETIMEDOUT',
        }),
    },
    true,
  );
  const ctx: AdapterContext = { signal: request.signal };
  try {
    // Raced against the signal: an adapter that ignores it still cannot hold the wait.
    const status = await raceAbort(adapter.getStatus(ref, ctx), request.signal);
    checkStatus(adapter, status, taskId);
    // The provider's latency, without the time the request queued for a pacing slot: that one is the
    // budget's, not the provider's, and counted in it would place the last poll (or end the wait) far
    // ahead of a deadline the next, unqueued poll could still meet.
    hooks.onAnswer(monotonicNow() - sentAt - ((queue?.queuedMs() ?? 0) - queuedBefore));
    return status;
  } catch (error) {
    if (lifeSignal.aborted) throw error;
    const failure = request.signal.aborted
      ? (request.signal.reason as TaskPollError)
      : asTaskPollError(error, provider, taskId);
    hooks.onFailure(failure);
    throw failure;
  } finally {
    request.dispose();
  }
}

/**
 * Checks a status against the contract instead of trusting it (a hand-written adapter need not use
 * `defineAdapter`); a breach is an `AdapterError`, never retried.
 */
function checkStatus<TResult>(
  adapter: TaskAdapter<unknown, TResult>,
  status: TaskStatus<TResult>,
  taskId: string,
): void {
  const { provider } = adapter;
  if (typeof status !== 'object' || status === null || typeof status.terminal !== 'boolean') {
    throw new AdapterError(`${provider}: getStatus returned ${describe(status)} instead of a TaskStatus`, {
      provider,
      taskId,
    });
  }
  // `terminal` is checked against `state`: a wait that stops on a `running` status, or polls on past
  // a `failed` one, would end with a wrong answer.
  if (!isTaskState(status.state)) {
    throw new AdapterError(
      `${provider}: getStatus returned state ${describeOption('state', status.state)}, which is not a TaskState`,
      { provider, taskId },
    );
  }
  if (status.terminal !== isTerminalState(status.state)) {
    throw new AdapterError(
      `${provider}: getStatus returned terminal ${status.terminal} with state "${status.state}" ` +
        '(terminal is true exactly for succeeded, partial, failed and cancelled)',
      { provider, taskId },
    );
  }
  if (status.state === 'succeeded' && adapter.resultRequired === true && status.result === undefined) {
    throw new AdapterError(
      `${provider}: getStatus returned state "succeeded" without a result (the adapter sets resultRequired)`,
      { provider, taskId },
    );
  }
  // The schedule trusts it: NaN or a negative value would poll with no delay at all.
  const { pollAfterMs } = status;
  if (pollAfterMs !== undefined && !(typeof pollAfterMs === 'number' && pollAfterMs >= 0)) {
    throw new AdapterError(`${provider}: getStatus returned pollAfterMs ${describe(pollAfterMs)}, not a number ≥ 0`, {
      provider,
      taskId,
    });
  }
}

/** Whatever an adapter threw, as a TaskPollError: ours pass through, transport errors are mapped, the rest wrapped. */
export function asTaskPollError(error: unknown, provider: string, taskId: string): TaskPollError {
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

/** Names the provider and task on an error an adapter threw without them. */
function fillContext(error: TaskPollError, provider: string, taskId: string): void {
  const target = error as { provider: string | undefined; taskId: string | undefined };
  if (target.provider === undefined) target.provider = provider;
  if (target.taskId === undefined) target.taskId = taskId;
}
