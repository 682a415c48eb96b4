/**
 * What a wait publishes on the diagnostics channels (`diagnostics.ts` has the contract): its
 * `taskpoll:wait` context, built only when some channel has a subscriber, its end fields, its
 * `traceparent`, and the `taskpoll:wait` trace around a `pollTask` iteration (`waitForTask` runs
 * `tracePromise` itself).
 */
import { AsyncResource } from 'node:async_hooks';
import type { StatusMessage, WaitContext, WaitOptionsReport, WaitOutcome } from './diagnostics.js';
import { TaskAbortedError, TaskTimeoutError } from './errors/index.js';
import type { NormalizedWaitOptions, ProgressInfo } from './options.js';
import type { WaitRecord } from './snapshot.js';
import { isTerminalState, type TaskState, type TaskStatus } from './status.js';
import type { QueueMeter } from '../internal/call-context.js';
import { isTraceparent, publishTraceEnd, statusChannel, tracing, waitChannel } from '../internal/diagnostics.js';

/** What of a wait its diagnostics read (the poller's `Wait`). */
export interface ObservedWait {
  readonly adapter: { readonly provider: string };
  readonly taskId: string;
  readonly opts: NormalizedWaitOptions<never>;
  readonly record: WaitRecord;
  readonly attempts: number;
  readonly queue: QueueMeter;
  readonly lastStatus: TaskStatus<unknown> | undefined;
  elapsedMs(): number;
  /** Its context, once a message needed it. */
  context: WaitContext | undefined;
}

/** The wait's context, built on the first call (only ever called when a channel has a subscriber). */
export function waitContextOf(wait: ObservedWait): WaitContext {
  if (wait.context) return wait.context;
  const { opts, record } = wait;
  const resumed = opts.resumeFrom;
  const context: WaitContext = {
    provider: wait.adapter.provider,
    taskId: wait.taskId,
    options: optionsReport(opts, record),
    resumedFrom: resumed && { attempts: resumed.attempts, traceparent: resumed.traceparent },
  };
  wait.context = context;
  return context;
}

function optionsReport(opts: NormalizedWaitOptions<never>, record: WaitRecord): WaitOptionsReport {
  const { backoff, retry } = opts;
  return {
    timeoutMs: record.totalMs(opts.timeoutMs),
    deadline: record.deadline ?? undefined,
    initialDelayMs: backoff.initialDelayMs,
    maxDelayMs: backoff.maxDelayMs,
    factor: backoff.factor,
    jitter: backoff.jitter,
    progressAware: opts.progressAware,
    requestTimeoutMs: opts.requestTimeoutMs,
    retries: retry === false ? false : retry.retries,
    acceptPartial: opts.acceptPartial,
    cancelOnAbort: opts.cancelOnAbort,
  };
}

/**
 * After `start` was published: a `traceparent` a subscriber gave the wait goes on its snapshots (one
 * not of the W3C shape is left out, since a snapshot carrying it could not be resumed).
 */
export function adoptTraceparent(wait: ObservedWait): void {
  const given = wait.context?.traceparent;
  if (isTraceparent(given)) wait.record.traceparent = given;
}

/** How a wait that threw `error` ended. */
export function outcomeOf(error: unknown): WaitOutcome {
  if (error instanceof TaskTimeoutError) return 'timeout';
  if (error instanceof TaskAbortedError) return 'aborted';
  return 'error';
}

/** Sets the context's end fields (when the wait has one), before the wait settles. */
export function endContext(wait: ObservedWait, outcome: WaitOutcome): void {
  const context = wait.context;
  if (!context) return;
  context.outcome = outcome;
  context.attempts = wait.attempts;
  context.elapsedMs = wait.elapsedMs();
  context.queuedMs = wait.queue.queuedMs();
  if (isTerminalState(outcome as TaskState)) context.state = outcome as TaskState;
}

/** Publishes a status the wait observed, with what `onProgress` is told. */
export function publishStatus(wait: ObservedWait, status: TaskStatus<unknown>, info: ProgressInfo): void {
  const message: StatusMessage = {
    provider: wait.adapter.provider,
    taskId: wait.taskId,
    wait: waitContextOf(wait),
    status: status as TaskStatus,
    info,
  };
  statusChannel.publish(message);
}

/**
 * `pollTask`'s iterator: `open` makes the wait on the first `next()`, and when `taskpoll:wait` has a
 * subscriber then, the iteration is one trace. Its `start` runs the stores bound to it, and every later
 * `next()` runs in the async context they set (a generator resumes in its caller's otherwise), so a
 * subscriber's store is seen by every poll. The trace ends once: when the wait is done, throws, or is
 * left early (`return()`).
 */
export function waitIterator<T>(
  open: () => { wait: ObservedWait; steps: AsyncGenerator<T, void, undefined> },
): AsyncIterableIterator<T> {
  let steps: AsyncGenerator<T, void, undefined> | undefined;
  let wait: ObservedWait | undefined;
  let scope: AsyncResource | undefined;
  let ended = false;
  const begin = (): AsyncGenerator<T, void, undefined> => {
    ({ wait, steps } = open());
    if (tracing(waitChannel)) {
      const context = waitContextOf(wait);
      scope = waitChannel.start.runStores(context, () => new AsyncResource('taskpoll:wait'));
      adoptTraceparent(wait);
      waitChannel.end.publish(context);
    }
    return steps;
  };
  const end = (failed: boolean, error?: unknown): void => {
    if (ended) return;
    ended = true;
    const context = (wait as ObservedWait).context as WaitContext;
    if (failed) context.error = error;
    else context.result = wait?.lastStatus;
    publishTraceEnd(waitChannel, context, failed);
  };
  const step = async (run: () => Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, void>> => {
    try {
      const result = await (scope as AsyncResource).runInAsyncScope(run);
      if (result.done) end(false);
      return result;
    } catch (error) {
      end(true, error);
      throw error;
    }
  };
  const done = (): Promise<IteratorResult<T, void>> => Promise.resolve({ done: true, value: undefined });
  let closed = false;
  return {
    next() {
      if (closed) return done();
      const it = steps ?? begin();
      return scope ? step(() => it.next()) : it.next();
    },
    return() {
      // Left before the first `next()`: no wait ever ran.
      if (!steps) {
        closed = true;
        return done();
      }
      const it = steps;
      return scope ? step(() => it.return()) : it.return();
    },
    throw(error?: unknown) {
      if (!steps) {
        closed = true;
        return Promise.reject(error);
      }
      const it = steps;
      return scope ? step(() => it.throw(error)) : it.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
