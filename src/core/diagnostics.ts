/**
 * The diagnostics channels taskpoll publishes on (`node:diagnostics_channel`), and what each message
 * carries. Subscribing is how logs, traces and metrics see every wait, poll, retry, rate-limit pause and
 * remote cancel, with no dependency in the core: `taskpoll/otel` is one subscriber, a logger another.
 * Publishing costs nothing while nobody subscribes.
 *
 * No message ever carries a credential: provider text in statuses and errors is masked as everywhere
 * else, and options are reported without callbacks or signals.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { DIAGNOSTIC_CHANNELS, type RetryMessage } from 'taskpoll';
 * subscribe(DIAGNOSTIC_CHANNELS.retry, (message) => {
 *   const { provider, taskId, error, delayMs } = message as RetryMessage;
 *   console.log(JSON.stringify({ event: 'retry', provider, taskId, code: error.code, delayMs }));
 * });
 * ```
 */
import type { TaskPollError } from './errors/index.js';
import type { ProgressInfo } from './options.js';
import type { TaskState, TaskStatus } from './status.js';

/**
 * The channel names. `wait` and `poll` are `TracingChannel`s (subscribe with
 * `diagnostics_channel.tracingChannel(name).subscribe({ start, end, asyncStart, asyncEnd, error })`);
 * the others are plain channels (`diagnostics_channel.subscribe(name, fn)`).
 */
export const DIAGNOSTIC_CHANNELS = Object.freeze({
  /** A `TracingChannel` around each wait (`waitForTask`, `pollTask`, each wait of a group): {@link WaitContext}. */
  wait: 'taskpoll:wait',
  /** A `TracingChannel` around each poll request, retries included: {@link PollContext}. */
  poll: 'taskpoll:poll',
  /** Each status a wait observes: {@link StatusMessage}. */
  status: 'taskpoll:status',
  /** Each retry of a failed poll, before its delay: {@link RetryMessage}. */
  retry: 'taskpoll:retry',
  /** Time a call queued for a pacing slot, and pauses after a rate-limit answer: {@link PacingMessage}. */
  pacing: 'taskpoll:pacing',
  /** A remote cancel made by `cancelOnAbort`, and how it went: {@link CancelMessage}. */
  cancel: 'taskpoll:cancel',
} as const);

/**
 * How a wait ended, as the `taskpoll:wait` context reports it: the terminal state it observed, a
 * `TaskTimeoutError` (`timeout`), a `TaskAbortedError` (`aborted`), any other error (`error`), or
 * `stopped` when a `pollTask` loop was left before a terminal status (`break`, `return()`), which ends
 * the wait without an error.
 */
export type WaitOutcome =
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'aborted'
  | 'error'
  | 'stopped';

/** The options a wait runs with, as diagnostics report them (no callbacks, no signal). */
export interface WaitOptionsReport {
  /** The time the wait has in all, in ms (`Infinity` for none). */
  timeoutMs: number;
  /** Its deadline, in epoch ms; `undefined` for none. */
  deadline: number | undefined;
  /** The schedule: first delay, largest delay, growth, jitter, whether progress steers it. */
  initialDelayMs: number;
  /** Largest delay between two polls, in ms. */
  maxDelayMs: number;
  /** Growth of the delay. */
  factor: number;
  /** Share of each delay randomized away. */
  jitter: number;
  /** Whether reported progress steers the schedule. */
  progressAware: boolean;
  /** Time limit of one poll request, in ms. */
  requestTimeoutMs: number;
  /** Retries of one poll; `false` when retries are off. */
  retries: number | false;
  /** Whether a `partial` end resolves the wait. */
  acceptPartial: boolean;
  /** Whether an aborted or timed-out wait asks the provider to cancel. */
  cancelOnAbort: boolean;
}

/**
 * The context object of one wait on `taskpoll:wait`: the same object reaches `start`, `end`,
 * `asyncStart`, `asyncEnd` and `error`. The fields under "at the end" are set before the wait settles
 * (so `asyncEnd` and `error` see them). A subscriber may set `traceparent` at `start`: the wait's
 * snapshots then carry it, and a wait resumed from one reports it as `resumedFrom.traceparent`.
 */
export interface WaitContext {
  /** The adapter's provider name. */
  readonly provider: string;
  /** The task id. */
  readonly taskId: string;
  /** The options in force. */
  readonly options: WaitOptionsReport;
  /** Set when the wait resumes a snapshot: its polls so far and the trace it carried, if any. */
  readonly resumedFrom:
    | {
        /** Polls the snapshot had counted. */
        readonly attempts: number;
        /** The `traceparent` the snapshot carried, if a subscriber gave the first wait one. */
        readonly traceparent: string | undefined;
      }
    | undefined;
  /** A W3C `traceparent` a subscriber gives the wait at `start`, for its snapshots to carry. */
  traceparent?: string | undefined;
  /** At the end: how the wait ended. */
  outcome?: WaitOutcome;
  /** At the end: polls started (a resumed wait's earlier polls included). */
  attempts?: number;
  /** At the end: time from the wait's start, in ms (from its first start, on a resumed wait). */
  elapsedMs?: number;
  /** At the end: time its requests spent queued for pacing slots, in ms. */
  queuedMs?: number;
  /** At the end, when it ended with a status: the terminal state. */
  state?: TaskState;
  /** Set by `diagnostics_channel` when the wait resolves: the terminal status. */
  result?: unknown;
  /** Set by `diagnostics_channel` when the wait rejects: the `TaskPollError`. */
  error?: unknown;
}

/** The context object of one poll request on `taskpoll:poll`. */
export interface PollContext {
  /** The adapter's provider name. */
  readonly provider: string;
  /** The task id. */
  readonly taskId: string;
  /** The wait this poll belongs to (its `taskpoll:wait` context). */
  readonly wait: WaitContext;
  /** 1-based number of the poll in the wait (as `ProgressInfo.attempt`). */
  readonly attempt: number;
  /** 0 for the poll's first request, then 1, 2, … for its retries. */
  readonly retry: number;
  /** Set by `diagnostics_channel` when the request answers: the status. */
  result?: unknown;
  /**
   * Set by `diagnostics_channel` when the request fails: the `TaskPollError`; for a request cut because
   * the wait ended (its deadline, or the caller's abort), the wait's abort reason (the wait's own
   * context then ends with the `TaskTimeoutError` or `TaskAbortedError`).
   */
  error?: unknown;
}

/** A status a wait observed, on `taskpoll:status`. */
export interface StatusMessage {
  /** The adapter's provider name. */
  readonly provider: string;
  /** The task id. */
  readonly taskId: string;
  /** The wait (its `taskpoll:wait` context). */
  readonly wait: WaitContext;
  /** The status. */
  readonly status: TaskStatus;
  /** What `onProgress` is told with it. */
  readonly info: ProgressInfo;
}

/** A retry of a failed poll, on `taskpoll:retry`, before its delay. */
export interface RetryMessage {
  /** The adapter's provider name. */
  readonly provider: string;
  /** The task id. */
  readonly taskId: string;
  /** The wait (its `taskpoll:wait` context). */
  readonly wait: WaitContext;
  /** The poll's number in the wait. */
  readonly attempt: number;
  /** 1 for the poll's first retry, then 2, … */
  readonly retry: number;
  /** The failure retried. */
  readonly error: TaskPollError;
  /** The delay before the retry, in ms. */
  readonly delayMs: number;
  /** True when the server's `Retry-After` (or the provider's rate-limit pause) set the delay. */
  readonly retryAfter: boolean;
}

/** A pacing event, on `taskpoll:pacing`. */
export type PacingMessage =
  | {
      /** A call waited for a pacing slot and got it (or gave up: `aborted`). */
      readonly kind: 'queued';
      /** The adapter's provider name. */
      readonly provider: string;
      /** The task id, when a wait's poll or cancel queued; `undefined` for the adapter's other calls. */
      readonly taskId: string | undefined;
      /** What queued: a wait's poll, a wait's remote cancel, or another call of the adapter. */
      readonly call: 'poll' | 'cancel' | 'call';
      /** How long it queued, in ms. */
      readonly queuedMs: number;
      /** True when it left the queue without a slot (its signal aborted, or the adapter closed). */
      readonly aborted: boolean;
    }
  | {
      /** A rate-limit answer paused every request of the adapter. */
      readonly kind: 'pause';
      /** The adapter's provider name. */
      readonly provider: string;
      /** The pause, in ms from now. */
      readonly pauseMs: number;
      /** Until when, in epoch ms. */
      readonly until: number;
    };

/** A remote cancel made by `cancelOnAbort`, on `taskpoll:cancel`, once it has settled. */
export interface CancelMessage {
  /** The adapter's provider name. */
  readonly provider: string;
  /** The task id. */
  readonly taskId: string;
  /** The wait (its `taskpoll:wait` context). */
  readonly wait: WaitContext;
  /** True when the provider accepted the cancel. */
  readonly ok: boolean;
  /** Why it did not, when it did not. */
  readonly error: TaskPollError | undefined;
  /** How long the cancel took, in ms. */
  readonly durationMs: number;
}
