/**
 * The pacer: the request budget (`PacingOptions`) one adapter instance spends across all its waits
 * and calls. The HTTP client asks it for a slot before each request, and tells it when a server's
 * rate-limit answer asks every request to hold off.
 *
 * @internal
 */
import { durationOption, numberOption, describeOption, rejectUnknownKeys } from './checks.js';
import type { PacerStats, PacingOptions } from '../core/transport.js';
import { onAbort } from './abort.js';
import { MAX_TIMER_MS, monotonicNow } from './clock.js';

/** Hands out request slots within a {@link PacingOptions} budget. */
export interface Pacer {
  /** Waits for a slot; resolves with the function that gives it back. Rejects with `signal.reason` on abort. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Holds every request until `ms` from now, at most {@link MAX_PAUSE_MS} (e.g. after a 429 with `Retry-After`). */
  pauseFor(ms: number): void;
  /**
   * Rejects every call waiting for a slot with `reason` at once, and every later `acquire` too (the
   * adapter was closed: nothing may wait for a slot that no request will use). Slots already given
   * out are left to their holders. Idempotent; the first reason stays.
   */
  close(reason: unknown): void;
  /** Live counters (read them, do not write them). */
  readonly stats: PacerStats;
}

/**
 * The longest one server answer (`Retry-After`, or a provider's own rate-limit pause) holds every
 * request of an adapter: 5 minutes. A longer ask (a garbled header, seconds sent as milliseconds, a
 * date years ahead) would otherwise freeze every later wait of the adapter as well. The wait that got
 * the answer still honours it in full for its own retry, up to its deadline.
 */
export const MAX_PAUSE_MS = 5 * 60_000;

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  /** Ends the waiter's subscription to its signal's abort (through the fan-out of `abort.ts`). */
  unsubscribe: (() => void) | undefined;
}

const PACING_KEYS: ReadonlySet<string> = new Set(['requestsPerInterval', 'intervalMs', 'maxConcurrency']);

/** Validates pacing options; `false` or `undefined` means no pacing. */
export function normalizePacing(
  pacing: PacingOptions | false | undefined,
  name = 'pacing',
): Required<PacingOptions> | undefined {
  if (pacing === false || pacing === undefined) return undefined;
  if (typeof pacing !== 'object' || pacing === null || Array.isArray(pacing)) {
    throw new TypeError(`${name} must be false or an object, got ${describeOption(name, pacing)}`);
  }
  rejectUnknownKeys(pacing, name, PACING_KEYS);
  const requestsPerInterval = numberOption(
    `${name}.requestsPerInterval`,
    pacing.requestsPerInterval,
    Number.MAX_SAFE_INTEGER,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const intervalMs = durationOption(`${name}.intervalMs`, pacing.intervalMs, 1000, { min: 1 });
  const maxConcurrency = numberOption(
    `${name}.maxConcurrency`,
    pacing.maxConcurrency,
    Number.MAX_SAFE_INTEGER,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  if (!Number.isInteger(requestsPerInterval) || !Number.isInteger(maxConcurrency)) {
    throw new RangeError(`${name}.requestsPerInterval and ${name}.maxConcurrency must be whole numbers`);
  }
  return { requestsPerInterval, intervalMs, maxConcurrency };
}

/**
 * A FIFO pacer: a sliding window of request start times plus a concurrency cap. It keeps at most one
 * timer, and none while nobody waits, so an idle adapter holds no handle open.
 */
export function createPacer(options: PacingOptions): Pacer {
  const limits = normalizePacing(options) ?? {
    requestsPerInterval: Number.MAX_SAFE_INTEGER,
    intervalMs: 1000,
    maxConcurrency: Number.MAX_SAFE_INTEGER,
  };
  return new SlidingWindowPacer(limits);
}

/**
 * The most start times the ring buffer keeps. A `requestsPerInterval` above it paces as this many per
 * interval: no provider's budget comes near it, and the buffer stays bounded whatever a caller passes.
 */
const MAX_WINDOW_ENTRIES = 100_000;

class SlidingWindowPacer implements Pacer {
  readonly stats: PacerStats;
  readonly #limits: Required<PacingOptions>;
  readonly #windowSize: number;
  /** Without a rate limit no start time is kept: only the concurrency cap and pauses apply. */
  readonly #unlimitedRate: boolean;
  /** Ring buffer of the last `#windowSize` start times; once full, `#head` is the oldest. */
  readonly #starts: number[] = [];
  #head = 0;
  /** Until when a server's rate-limit answer holds every request, on the monotonic clock. */
  #pausedUntil = 0;
  #inFlight = 0;
  /** The one timer: set only while someone waits for a slot that is not free yet. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed: { reason: unknown } | undefined;
  readonly #queue: Waiter[] = [];

  constructor(limits: Required<PacingOptions>) {
    this.#limits = limits;
    this.#windowSize = Math.min(limits.requestsPerInterval, MAX_WINDOW_ENTRIES);
    this.#unlimitedRate = limits.requestsPerInterval >= Number.MAX_SAFE_INTEGER;
    const pacer = this;
    this.stats = {
      started: 0,
      delayed: 0,
      waiting: 0,
      inFlight: 0,
      // Kept on the monotonic clock inside; shown on the wall clock, which is what a user can read.
      get pausedUntil() {
        const left = pacer.#pausedUntil - monotonicNow();
        return left > 0 ? Math.round(Date.now() + left) : undefined;
      },
    };
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closed.reason);
    const now = monotonicNow();
    // A free slot with nobody ahead is taken at once: no promise executor, no queue entry.
    if (this.#queue.length === 0 && this.#inFlight < this.#limits.maxConcurrency && this.#earliestStart(now) <= now) {
      return Promise.resolve(this.#record(now));
    }
    this.stats.delayed += 1;
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, unsubscribe: undefined };
      // Through the fan-out: many queued calls sharing one caller signal add one listener to it.
      if (signal) waiter.unsubscribe = onAbort(signal, () => this.#leave(waiter, signal.reason));
      this.#queue.push(waiter);
      this.stats.waiting = this.#queue.length;
      if (this.#timer === undefined) this.#pump();
    });
  }

  pauseFor(ms: number): void {
    if (!(ms > 0)) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, monotonicNow() + Math.min(ms, MAX_PAUSE_MS));
    if (this.#queue.length > 0) this.#pump();
  }

  close(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = { reason };
    this.#clearTimer();
    const waiting = this.#queue.splice(0);
    this.stats.waiting = 0;
    for (const waiter of waiting) {
      waiter.unsubscribe?.();
      waiter.reject(reason);
    }
  }

  /** When the next request may start: now, or later for a pause or a full window. */
  #earliestStart(now: number): number {
    let at = Math.max(now, this.#pausedUntil);
    if (!this.#unlimitedRate && this.#starts.length >= this.#windowSize) {
      at = Math.max(at, (this.#starts[this.#head] as number) + this.#limits.intervalMs);
    }
    return at;
  }

  /** Counts a request started `now`; returns the function that gives its slot back (once). */
  #record(now: number): () => void {
    if (!this.#unlimitedRate) {
      if (this.#starts.length < this.#windowSize) this.#starts.push(now);
      else {
        this.#starts[this.#head] = now;
        this.#head = (this.#head + 1) % this.#windowSize;
      }
    }
    this.#inFlight += 1;
    this.stats.started += 1;
    this.stats.inFlight = this.#inFlight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      this.stats.inFlight = this.#inFlight;
      this.#pump();
    };
  }

  /**
   * Hands free slots to the waiters in order; when the next slot frees up only later, sets the one
   * timer for then.
   */
  #pump(): void {
    this.#clearTimer();
    while (this.#queue.length > 0 && this.#inFlight < this.#limits.maxConcurrency) {
      const now = monotonicNow();
      const at = this.#earliestStart(now);
      if (at > now) {
        this.#timer = setTimeout(() => this.#pump(), Math.min(at - now, MAX_TIMER_MS));
        break;
      }
      const waiter = this.#queue.shift() as Waiter;
      this.stats.waiting = this.#queue.length;
      waiter.unsubscribe?.();
      waiter.resolve(this.#record(now));
    }
  }

  /** A waiter whose signal aborted leaves the queue; the timer goes once nobody waits. */
  #leave(waiter: Waiter, reason: unknown): void {
    const index = this.#queue.indexOf(waiter);
    if (index >= 0) this.#queue.splice(index, 1);
    this.stats.waiting = this.#queue.length;
    waiter.reject(reason);
    if (this.#queue.length === 0) this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
