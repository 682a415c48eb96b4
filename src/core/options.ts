import type { BackoffPolicy } from './backoff.js';
import {
  booleanOption,
  describe,
  describeOption,
  durationOption,
  isAbortSignal,
  numberOption,
  rejectUnknownKeys,
} from '../internal/checks.js';
import { MAX_TIMER_MS } from '../internal/clock.js';
import { checkSnapshot, type WaitSnapshot } from './snapshot.js';
import type { TaskStatus } from './status.js';

/** What `onProgress` is told beside the status. */
export interface ProgressInfo {
  /** 1-based number of the poll that produced this status. */
  attempt: number;
  /** Time since the wait started, in ms. */
  elapsedMs: number;
  /**
   * Of `elapsedMs`, the time the wait's requests spent queued for the adapter's pacing slots so far, in
   * ms: the share of the wait that the provider's rate budget, spent by the adapter's other calls and
   * waits, held its polls back. 0 with no pacing, or while the budget has room. A resumed wait counts
   * on from its snapshot's.
   */
  queuedMs: number;
  /**
   * How long the poller will wait before the next poll; `undefined` when no poll follows: the status is
   * terminal, or no further poll fits before the deadline (the wait is about to end with `TaskTimeoutError`).
   */
  nextDelayMs: number | undefined;
  /**
   * The wait after this poll as plain data, to persist anywhere and continue later with `resumeFrom`
   * (see {@link WaitSnapshot}). Built on first read. Reading it throws a `TypeError` when the ref is not
   * JSON-safe (a `Date`, a class instance, a function…), since such a wait cannot be snapshotted; in
   * `onProgress`, that ends the wait with a `CallbackError` unless the callback catches it.
   */
  readonly snapshot: WaitSnapshot;
}

/** How one failed poll is retried. */
export interface RetryOptions {
  /**
   * Retries of one poll after a transient failure (network error, request timeout, 5xx, 429, a
   * provider's rate-limit code). Other failures end the wait at once.
   * @default 4
   */
  retries?: number;
  /**
   * Delay before the first retry, in ms; doubles per retry (with the wait's `jitter`) up to
   * `maxDelayMs`. A longer `Retry-After` from the server wins.
   * @default 500
   */
  minDelayMs?: number;
  /**
   * Largest delay between two retries, in ms (a `Retry-After` may exceed it, up to the deadline).
   * @default 8000
   */
  maxDelayMs?: number;
}

/** Options of {@link waitForTask} and {@link pollTask}. Every one is optional. */
export interface WaitOptions<TResult = unknown> {
  /**
   * Overall deadline of the wait, in ms from its start; `Infinity` for none. Enforced even while a
   * request hangs: the request in flight is aborted and a `TaskTimeoutError` thrown.
   * On a resumed wait (`resumeFrom`) it counts from the wait's first start, the snapshot's
   * `startedAt`, and replaces the snapshot's deadline; left out, the snapshot's deadline stands.
   * @default 1_800_000 (30 minutes)
   */
  timeoutMs?: number;
  /**
   * Overall deadline of the wait as an instant: a `Date` or epoch ms; the alternative to `timeoutMs`
   * (giving both is a `TypeError`). At most 2^31−1 ms (about 24.8 days) ahead. One already past ends the
   * wait at once with `TaskTimeoutError`, with no poll sent (a wait resumed late is not a mistake). On a
   * resumed wait it replaces the snapshot's deadline.
   * @default startedAt + timeoutMs
   */
  deadline?: Date | number;
  /**
   * Continues the wait a {@link WaitSnapshot} describes (from `onProgress`'s `info.snapshot`, or
   * `pollTask(...).snapshot()`, possibly in another process): same start and deadline (unless this call
   * gives `timeoutMs` or `deadline`), polls counted on, the schedule going on from the time already
   * waited, and no poll before the snapshot's `nextPollAt`. The snapshot must be of this adapter's
   * `provider` and of the task the ref names, in a format this version reads; otherwise the call
   * throws a `TypeError` (or `RangeError`) saying why, before any request. Every other option comes
   * from this call, not from the snapshot.
   */
  resumeFrom?: WaitSnapshot;
  /** Aborting it cancels the sleep and the request in flight at once; the wait rejects with `TaskAbortedError`. */
  signal?: AbortSignal;
  /**
   * Delay after the first poll, in ms (the first poll is immediate). Later delays grow from it with
   * the time already waited (see `factor`).
   * @default 1500
   */
  initialDelayMs?: number;
  /**
   * Largest delay between two polls, in ms (a server's `pollAfterMs` / `Retry-After` may ask for more).
   * With the default `factor` it is reached after about 15 minutes of waiting.
   * @default 120000
   */
  maxDelayMs?: number;
  /**
   * Growth of the delay per poll. The delay before the next poll is
   * `min(maxDelayMs, initialDelayMs + (factor − 1) × elapsed)`, which (without jitter, with instant
   * polls) is exactly `initialDelayMs × factor^(polls − 1)`; being computed from the time really
   * waited, it keeps the detection lag near `(factor − 1)` of the task's duration whatever jitter,
   * slow requests or retries did. 1 polls at a fixed `initialDelayMs` interval.
   * @default 1.13
   */
  factor?: number;
  /**
   * Fraction of each delay that is randomized away so that many waits do not poll in step:
   * `delay = base × (1 − jitter × Math.random())`. 0 turns jitter off.
   * @default 0.2
   */
  jitter?: number;
  /**
   * When the task reports `progress`, estimate its finish from the (time, progress) samples seen so
   * far and aim the next poll just after the earliest plausible finish; while progress is still 0 the
   * delay grows faster (`initialDelayMs + elapsed`), and when progress stalls or the estimate cannot be
   * made the plain schedule applies. `maxDelayMs`, `jitter`, `pollAfterMs` and the deadline still hold.
   * Tasks without `progress` are not affected. Turn it off for a provider whose progress says nothing
   * about the time left (e.g. stays 0 until the end).
   * @default true
   */
  progressAware?: boolean;
  /**
   * Time limit of one poll request, in ms. A poll that passes it counts as a transient failure. For
   * polls it replaces the adapter's own `requestTimeoutMs` (the limit of its other calls), whether it is
   * longer or shorter: the adapter gets it with `AdapterContext.signal`.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * Retry of transient failures within one poll, or `false` to fail on the first one.
   * @default { retries: 4, minDelayMs: 500, maxDelayMs: 8000 }
   */
  retry?: RetryOptions | false;
  /**
   * Called after every observed status. If it throws (or its promise rejects), the wait ends with a
   * `CallbackError` whose `cause` is what it threw. The poller awaits it before sleeping.
   */
  onProgress?: (status: TaskStatus<TResult>, info: ProgressInfo) => void | Promise<void>;
  /**
   * Whether `waitForTask` resolves on a `partial` outcome instead of throwing `TaskFailedError`.
   * @default false
   */
  acceptPartial?: boolean;
  /**
   * When the wait is aborted or times out and the adapter can cancel, also ask the provider to
   * cancel the task (best effort, bounded by `cancelTimeoutMs`). The outcome is on the error's
   * `remoteCancel`.
   * @default false
   */
  cancelOnAbort?: boolean;
  /**
   * Time limit of the remote cancel call made by `cancelOnAbort`, in ms.
   * @default 5000
   */
  cancelTimeoutMs?: number;
}

/**
 * The defaults of every wait option. Frozen, nested objects included: every wait in the process reads
 * them, so a write would change other callers' waits (it throws instead).
 */
export const WAIT_DEFAULTS = Object.freeze({
  /** {@link WaitOptions.timeoutMs}: 30 minutes. */
  timeoutMs: 30 * 60_000,
  /** {@link WaitOptions.initialDelayMs}. */
  initialDelayMs: 1500,
  /** {@link WaitOptions.maxDelayMs}: 2 minutes. */
  maxDelayMs: 120_000,
  /** {@link WaitOptions.factor}. */
  factor: 1.13,
  /** {@link WaitOptions.jitter}. */
  jitter: 0.2,
  /** {@link WaitOptions.progressAware}. */
  progressAware: true,
  /** {@link WaitOptions.requestTimeoutMs}. */
  requestTimeoutMs: 10_000,
  /** {@link WaitOptions.retry}. */
  retry: Object.freeze({
    /** {@link RetryOptions.retries}. */
    retries: 4,
    /** {@link RetryOptions.minDelayMs}. */
    minDelayMs: 500,
    /** {@link RetryOptions.maxDelayMs}. */
    maxDelayMs: 8000,
  } as const),
  /** {@link WaitOptions.acceptPartial}. */
  acceptPartial: false,
  /** {@link WaitOptions.cancelOnAbort}. */
  cancelOnAbort: false,
  /** {@link WaitOptions.cancelTimeoutMs}. */
  cancelTimeoutMs: 5000,
} as const);

/** Wait options after defaults and validation. */
export interface NormalizedWaitOptions<TResult> {
  timeoutMs: number;
  /** True when the caller gave `timeoutMs` (so it replaces a resumed snapshot's deadline). */
  timeoutGiven: boolean;
  /** The `deadline` option, in epoch ms. */
  deadline: number | undefined;
  resumeFrom: WaitSnapshot | undefined;
  signal: AbortSignal | undefined;
  backoff: BackoffPolicy;
  progressAware: boolean;
  requestTimeoutMs: number;
  retry: { retries: number; backoff: BackoffPolicy } | false;
  onProgress: WaitOptions<TResult>['onProgress'];
  acceptPartial: boolean;
  cancelOnAbort: boolean;
  cancelTimeoutMs: number;
}

const KNOWN: ReadonlySet<string> = new Set([
  'timeoutMs',
  'deadline',
  'resumeFrom',
  'signal',
  'initialDelayMs',
  'maxDelayMs',
  'factor',
  'jitter',
  'progressAware',
  'requestTimeoutMs',
  'retry',
  'onProgress',
  'acceptPartial',
  'cancelOnAbort',
  'cancelTimeoutMs',
]);

/** Applies the defaults and validates every option, naming the option and the bad value. */
export function normalizeWaitOptions<TResult>(
  options: WaitOptions<TResult> | undefined,
): NormalizedWaitOptions<TResult> {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  rejectUnknownKeys(options, 'wait', KNOWN);
  const timeoutMs = durationOption('timeoutMs', options.timeoutMs, WAIT_DEFAULTS.timeoutMs, { min: 1, infinity: true });
  const initialDelayMs = durationOption('initialDelayMs', options.initialDelayMs, WAIT_DEFAULTS.initialDelayMs, {
    min: 0,
  });
  const maxDelayMs = durationOption(
    'maxDelayMs',
    options.maxDelayMs,
    Math.max(WAIT_DEFAULTS.maxDelayMs, initialDelayMs),
    { min: 0 },
  );
  if (maxDelayMs < initialDelayMs) {
    throw new RangeError(`maxDelayMs (${maxDelayMs}) must be >= initialDelayMs (${initialDelayMs})`);
  }
  const factor = numberOption('factor', options.factor, WAIT_DEFAULTS.factor, 1, 100);
  const jitter = numberOption('jitter', options.jitter, WAIT_DEFAULTS.jitter, 0, 1);
  const requestTimeoutMs = durationOption(
    'requestTimeoutMs',
    options.requestTimeoutMs,
    WAIT_DEFAULTS.requestTimeoutMs,
    { min: 1 },
  );
  const cancelTimeoutMs = durationOption('cancelTimeoutMs', options.cancelTimeoutMs, WAIT_DEFAULTS.cancelTimeoutMs, {
    min: 1,
  });

  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describeOption('signal', signal)}`);
  }
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`onProgress must be a function, got ${describeOption('onProgress', onProgress)}`);
  }
  return {
    timeoutMs,
    timeoutGiven: options.timeoutMs !== undefined,
    deadline: normalizeDeadline(options),
    resumeFrom: options.resumeFrom === undefined ? undefined : checkSnapshot(options.resumeFrom),
    signal,
    backoff: { initialDelayMs, maxDelayMs, factor, jitter },
    progressAware: booleanOption('progressAware', options.progressAware, WAIT_DEFAULTS.progressAware),
    requestTimeoutMs,
    retry: normalizeRetry(options.retry, jitter),
    onProgress,
    acceptPartial: booleanOption('acceptPartial', options.acceptPartial, WAIT_DEFAULTS.acceptPartial),
    cancelOnAbort: booleanOption('cancelOnAbort', options.cancelOnAbort, WAIT_DEFAULTS.cancelOnAbort),
    cancelTimeoutMs,
  };
}

/** The `deadline` option as epoch ms: a valid `Date` or finite number, without `timeoutMs`, in a timer's reach. */
function normalizeDeadline(options: Pick<WaitOptions, 'timeoutMs' | 'deadline'>): number | undefined {
  const { deadline } = options;
  if (deadline === undefined) return undefined;
  if (options.timeoutMs !== undefined) {
    throw new TypeError(
      'give timeoutMs or deadline, not both (timeoutMs counts from the start, deadline is an instant)',
    );
  }
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    const what = deadline instanceof Date ? 'an invalid Date' : describeOption('deadline', deadline);
    throw new TypeError(`deadline must be a Date or epoch ms (a finite number), got ${what}`);
  }
  if (at - Date.now() > MAX_TIMER_MS) {
    const ahead = Math.round(at - Date.now());
    throw new RangeError(`deadline must be at most ${MAX_TIMER_MS} ms (about 24.8 days) ahead, got ${ahead} ms ahead`);
  }
  return at;
}

const RETRY_KEYS: ReadonlySet<string> = new Set(['retries', 'minDelayMs', 'maxDelayMs']);

function normalizeRetry(
  retry: RetryOptions | false | undefined,
  jitter: number,
): NormalizedWaitOptions<unknown>['retry'] {
  if (retry === false) return false;
  if (retry === undefined) retry = {};
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
    throw new TypeError(`retry must be false or an object, got ${describeOption('retry', retry)}`);
  }
  rejectUnknownKeys(retry, 'retry', RETRY_KEYS);
  const d = WAIT_DEFAULTS.retry;
  const retries = numberOption('retry.retries', retry.retries, d.retries, 0, 100);
  if (!Number.isInteger(retries)) throw new RangeError(`retry.retries must be a whole number, got ${retries}`);
  const minDelayMs = durationOption('retry.minDelayMs', retry.minDelayMs, d.minDelayMs, { min: 0 });
  const maxDelayMs = durationOption('retry.maxDelayMs', retry.maxDelayMs, Math.max(d.maxDelayMs, minDelayMs), {
    min: 0,
  });
  if (maxDelayMs < minDelayMs) {
    throw new RangeError(`retry.maxDelayMs (${maxDelayMs}) must be >= retry.minDelayMs (${minDelayMs})`);
  }
  return { retries, backoff: { initialDelayMs: minDelayMs, maxDelayMs, factor: 2, jitter } };
}
