/**
 * The pacer: the request budget (`PacingOptions`) one adapter instance spends across all its waits
 * and calls. The HTTP client asks it for a slot before each request, tells it when the request's
 * answer is in (the margin of its slot), and when a server's rate-limit answer asks every request to
 * hold off. Who gets a free slot first is the queue's business (`pacing-queue.ts`).
 *
 * @internal
 */
import { durationOption, numberOption, describeOption, rejectUnknownKeys } from './checks.js';
import { NetworkError } from '../core/errors/NetworkError.js';
import type { PacerRequest, PacerSlot, PacerStats, PacingOptions } from '../core/transport.js';
import { onAbort } from './abort.js';
import { MAX_TIMER_MS, monotonicNow } from './clock.js';
import { pacingChannel } from './diagnostics.js';
import { classify, pacerStats, SlotQueue, type QueueEntry } from './pacing-queue.js';

/**
 * A granted slot: call it to give the slot back (once), and call its `answered` as soon as the
 * server's answer (its status line) or the request's failure is in, which tells the pacer how long
 * the request may have taken to reach the server (see {@link PacingOptions}).
 */
export interface Slot extends PacerSlot {
  (): void;
  /** The request is answered (or failed): it reached the server by now, if at all. Idempotent. */
  answered(): void;
}

/** Hands out request slots within a {@link PacingOptions} budget: the public `Pacer`, as the client holds it. */
export interface Pacer {
  /**
   * Waits for a slot; resolves with the slot (call it to give it back). Rejects with `signal.reason` on
   * abort. Queued calls are served in the order of `pacing-queue.ts`, read from `request` or else from
   * the signal's call context.
   */
  acquire(signal?: AbortSignal, request?: PacerRequest): Promise<Slot>;
  /** Holds every request until `ms` from now, at most {@link MAX_PAUSE_MS} (e.g. after a 429 with `Retry-After`). */
  pauseFor(ms: number): void;
  /**
   * Rejects every call waiting for a slot with `reason` at once, and every later `acquire` too (the
   * adapter was closed: nothing may wait for a slot that no request will use). Slots already given
   * out are left to their holders. Idempotent; the first reason stays.
   */
  close(reason?: unknown): void;
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

interface Waiter extends QueueEntry {
  resolve: (slot: Slot) => void;
  reject: (reason: unknown) => void;
  /** Ends the waiter's subscription to its signal's abort (through the fan-out of `abort.ts`). */
  unsubscribe: (() => void) | undefined;
}

/**
 * The margin a slot keeps past its window, as a fraction of `intervalMs`: at least 2 % (the time a
 * request may take to reach the server on a quick answer, with room for arrivals that bunch)…
 */
export const MIN_MARGIN_FRACTION = 0.02;
/**
 * …and at most 25 %: a request answered later than that has its margin cut to it, so a slow answer
 * (a server that takes its time, not the network) costs at most a fifth of the budget. A quarter of
 * the window covers the time a busy process can take to put a request on the wire (event-loop stalls
 * of tens of ms at a 1 s window) and, for Guance's minute, the whole default request time limit.
 */
export const MAX_MARGIN_FRACTION = 0.25;

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
 * A sliding-window pacer with a concurrency cap: the window holds the last `requestsPerInterval` start
 * times and answer times, the queue (`pacing-queue.ts`) decides who gets the next free slot. It keeps
 * at most one timer, and none while nobody waits, so an idle adapter holds no handle open.
 */
export function createPacer(options: PacingOptions, provider?: string): Pacer {
  const limits = normalizePacing(options) ?? {
    requestsPerInterval: Number.MAX_SAFE_INTEGER,
    intervalMs: 1000,
    maxConcurrency: Number.MAX_SAFE_INTEGER,
  };
  return new SlidingWindowPacer(limits, provider);
}

/** What the calls waiting on a pacer closed without a reason reject with. */
export function closedPacerError(): NetworkError {
  return new NetworkError('taskpoll: the request was not sent: its pacer was closed');
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
  readonly #minMarginMs: number;
  readonly #maxMarginMs: number;
  /** Ring buffer of the last `#windowSize` start times; once full, `#head` is the oldest. */
  readonly #starts: number[] = [];
  /** When each of those requests was answered; NaN while in flight. */
  readonly #answers: number[] = [];
  #head = 0;
  /** Requests recorded so far: request `n` sits at `n % #windowSize` until request `n + #windowSize`. */
  #recorded = 0;
  /**
   * When the slot of the last request the window dropped became free. Slots are handed on no earlier
   * than the one before them, so the window only ever needs its oldest entry.
   */
  #lastFreeAt = Number.NEGATIVE_INFINITY;
  /** Until when a server's rate-limit answer holds every request, on the monotonic clock. */
  #pausedUntil = 0;
  #inFlight = 0;
  #seq = 0;
  /** The one timer: set only while someone waits for a slot that is not free yet. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed: { reason: unknown } | undefined;
  readonly #queue = new SlotQueue<Waiter>();

  /** The adapter's provider, for the pauses published on `taskpoll:pacing`; none: not published. */
  readonly #provider: string | undefined;

  constructor(limits: Required<PacingOptions>, provider: string | undefined) {
    this.#limits = limits;
    this.#provider = provider;
    this.#windowSize = Math.min(limits.requestsPerInterval, MAX_WINDOW_ENTRIES);
    this.#unlimitedRate = limits.requestsPerInterval >= Number.MAX_SAFE_INTEGER;
    this.#minMarginMs = limits.intervalMs * MIN_MARGIN_FRACTION;
    this.#maxMarginMs = limits.intervalMs * MAX_MARGIN_FRACTION;
    this.stats = this.#makeStats();
  }

  acquire(signal?: AbortSignal, request?: PacerRequest): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closed.reason);
    const now = monotonicNow();
    // A free slot with nobody ahead is taken at once: no promise executor, no queue entry.
    if (this.#queue.length === 0 && this.#inFlight < this.#limits.maxConcurrency && this.#earliestStart(now) <= now) {
      return Promise.resolve(this.#record(now));
    }
    this.stats.delayed += 1;
    const { kind, rank } = classify(signal, now, request);
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { kind, rank, seq: this.#seq++, index: -1, resolve, reject, unsubscribe: undefined };
      // Through the fan-out: many queued calls sharing one caller signal add one listener to it.
      if (signal) waiter.unsubscribe = onAbort(signal, () => this.#leave(waiter, signal.reason));
      this.#queue.push(waiter);
      if (this.#timer === undefined) this.#pump();
    });
  }

  pauseFor(ms: number): void {
    if (!(ms > 0)) return;
    const now = monotonicNow();
    const pauseMs = Math.min(ms, MAX_PAUSE_MS);
    const before = this.#pausedUntil;
    this.#pausedUntil = Math.max(before, now + pauseMs);
    // Published from here, whichever answer asked (a 429 or 503 with Retry-After, a provider's own
    // rate-limit code), when it lengthens the pause in force by a millisecond or more: one answer that
    // both the client and the provider's reading of it report shows once.
    if (this.#provider !== undefined && this.#pausedUntil - before >= 1 && pacingChannel.hasSubscribers) {
      pacingChannel.publish({
        kind: 'pause',
        provider: this.#provider,
        pauseMs,
        until: Math.round(Date.now() + pauseMs),
      });
    }
    if (this.#queue.length > 0) this.#pump();
  }

  close(reason: unknown = closedPacerError()): void {
    if (this.#closed) return;
    this.#closed = { reason };
    this.#clearTimer();
    const waiting = this.#queue.drain();
    for (const waiter of waiting) {
      waiter.unsubscribe?.();
      waiter.reject(reason);
    }
  }

  /** The public counters (one shape for every pacer: `pacerStats`). */
  #makeStats(): PacerStats {
    return pacerStats(
      this.#queue,
      () => this.#pausedUntil,
      () => (this.#unlimitedRate ? undefined : { used: this.#used(), limit: this.#limits.requestsPerInterval }),
    );
  }

  /** The margin of request `at` in the ring: its answer's delay, within bounds; the most while in flight. */
  #marginOf(at: number): number {
    const answered = this.#answers[at] as number;
    if (Number.isNaN(answered)) return this.#maxMarginMs;
    const delay = answered - (this.#starts[at] as number);
    return Math.min(this.#maxMarginMs, Math.max(this.#minMarginMs, delay));
  }

  /** When the oldest request's slot may be used again: `intervalMs` plus its margin after it started. */
  #slotFreeAt(): number {
    if (this.#unlimitedRate || this.#starts.length < this.#windowSize) return Number.NEGATIVE_INFINITY;
    const at = this.#head;
    return Math.max(this.#lastFreeAt, (this.#starts[at] as number) + this.#limits.intervalMs + this.#marginOf(at));
  }

  /** Requests that still count against the window: started, and their slot not free again yet. */
  #used(): number {
    const now = monotonicNow();
    const size = this.#starts.length;
    let used = 0;
    // Newest first; start times only grow, so the scan stops at the first one past every margin.
    for (let k = 1; k <= size; k += 1) {
      const at = (this.#head - k + size) % size;
      const start = this.#starts[at] as number;
      if (start + this.#limits.intervalMs + this.#maxMarginMs <= now) break;
      if (start + this.#limits.intervalMs + this.#marginOf(at) > now) used += 1;
    }
    return Math.min(used, this.#limits.requestsPerInterval);
  }

  /** When the next request may start: now, or later for a pause or a full window. */
  #earliestStart(now: number): number {
    return Math.max(now, this.#pausedUntil, this.#slotFreeAt());
  }

  /** Counts a request started `now`; returns its slot. */
  #record(now: number): Slot {
    const n = this.#recorded;
    this.#recorded += 1;
    const size = this.#windowSize;
    if (!this.#unlimitedRate) {
      if (this.#starts.length < size) {
        this.#starts.push(now);
        this.#answers.push(Number.NaN);
      } else {
        this.#lastFreeAt = this.#slotFreeAt();
        this.#starts[this.#head] = now;
        this.#answers[this.#head] = Number.NaN;
        this.#head = (this.#head + 1) % size;
      }
    }
    this.#inFlight += 1;
    this.stats.started += 1;
    this.stats.inFlight = this.#inFlight;
    let released = false;
    const answered = (): void => {
      const at = n % size;
      // Only while the window still holds this request, and only its first answer.
      if (this.#unlimitedRate || this.#recorded - n > size || !Number.isNaN(this.#answers[at])) return;
      this.#answers[at] = monotonicNow();
      // The oldest request's answer may free its slot before the timer set for the most margin.
      if (at === this.#head && this.#queue.length > 0 && this.#starts.length >= size) this.#pump();
    };
    const slot = (() => {
      if (released) return;
      released = true;
      answered();
      this.#inFlight -= 1;
      this.stats.inFlight = this.#inFlight;
      this.#pump();
    }) as Slot;
    slot.answered = answered;
    slot.release = slot;
    return slot;
  }

  /**
   * Hands free slots to the waiters, first in the queue's order first; when the next slot frees up only
   * later, sets the one timer for then.
   */
  #pump(): void {
    this.#clearTimer();
    while (this.#queue.length > 0 && this.#inFlight < this.#limits.maxConcurrency) {
      const now = monotonicNow();
      const at = this.#earliestStart(now);
      if (at > now) {
        this.#timer = setTimeout(() => this.#pump(), Math.min(Math.ceil(at - now), MAX_TIMER_MS));
        break;
      }
      const waiter = this.#queue.shift() as Waiter;
      waiter.unsubscribe?.();
      waiter.resolve(this.#record(now));
    }
  }

  /** A waiter whose signal aborted leaves the queue; the timer goes once nobody waits. */
  #leave(waiter: Waiter, reason: unknown): void {
    this.#queue.remove(waiter);
    waiter.reject(reason);
    if (this.#queue.length === 0) this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
