import { durationOption, numberOption, describeOption, didYouMean } from './checks.js';
import { MAX_TIMER_MS, onAbort } from './sleep.js';
import { monotonicNow } from './clock.js';

/**
 * A request budget shared by every wait and call made through one adapter instance.
 * Both limits apply together; leave one out to not limit by it.
 */
export interface PacingOptions {
  /** At most this many requests may start in any window of `intervalMs` (a sliding window). */
  requestsPerInterval?: number;
  /** The window of `requestsPerInterval`, in ms. */
  intervalMs?: number;
  /** At most this many requests in flight at once (1 = serial calls). */
  maxConcurrency?: number;
}

/**
 * What an adapter's pacer is doing, as its `pacerStats()` reports it: to watch how close a service runs
 * to the provider's budget, and why calls wait.
 */
export interface PacerStats {
  /** Requests started since the adapter was made. */
  started: number;
  /** Requests that had to wait for a slot (those aborted while waiting included). */
  delayed: number;
  /** Requests waiting for a slot now. */
  waiting: number;
  /** Requests in flight now. */
  inFlight: number;
  /**
   * Until when a server's rate-limit answer (`Retry-After`, or the provider's documented pause) holds
   * every request of the adapter, as epoch ms on the wall clock; `undefined` when nothing holds them.
   */
  readonly pausedUntil: number | undefined;
}

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
  /** Ends the waiter's subscription to its signal's abort (through the core's fan-out). */
  unsubscribe: (() => void) | undefined;
}

const PACING_KEYS = ['requestsPerInterval', 'intervalMs', 'maxConcurrency'];

/** Validates pacing options; `false` or `undefined` means no pacing. */
export function normalizePacing(pacing: PacingOptions | false | undefined, name = 'pacing'): Required<PacingOptions> | undefined {
  if (pacing === false || pacing === undefined) return undefined;
  if (typeof pacing !== 'object' || pacing === null || Array.isArray(pacing)) {
    throw new TypeError(`${name} must be false or an object, got ${describeOption(name, pacing)}`);
  }
  for (const key of Object.keys(pacing)) {
    if (!PACING_KEYS.includes(key)) {
      throw new TypeError(`Unknown ${name} option "${key}"${didYouMean(key, PACING_KEYS)}`);
    }
  }
  const requestsPerInterval = numberOption(`${name}.requestsPerInterval`, pacing.requestsPerInterval, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
  const intervalMs = durationOption(`${name}.intervalMs`, pacing.intervalMs, 1000, { min: 1 });
  const maxConcurrency = numberOption(`${name}.maxConcurrency`, pacing.maxConcurrency, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
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
  const limits = normalizePacing(options) ?? { requestsPerInterval: Number.MAX_SAFE_INTEGER, intervalMs: 1000, maxConcurrency: Number.MAX_SAFE_INTEGER };
  const windowSize = Math.min(limits.requestsPerInterval, 100_000);
  const unlimitedRate = limits.requestsPerInterval >= Number.MAX_SAFE_INTEGER;
  // Ring buffer of the last `windowSize` start times.
  const starts: number[] = [];
  let head = 0;
  let pausedUntil = 0;
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed: { reason: unknown } | undefined;
  const queue: Waiter[] = [];
  const stats: PacerStats = {
    started: 0,
    delayed: 0,
    waiting: 0,
    inFlight: 0,
    // Kept on the monotonic clock inside; shown on the wall clock, which is what a user can read.
    get pausedUntil() {
      const left = pausedUntil - monotonicNow();
      return left > 0 ? Math.round(Date.now() + left) : undefined;
    },
  };

  const earliestStart = (now: number): number => {
    let at = Math.max(now, pausedUntil);
    if (!unlimitedRate && starts.length >= windowSize) {
      at = Math.max(at, (starts[head] as number) + limits.intervalMs);
    }
    return at;
  };

  const record = (now: number): (() => void) => {
    if (!unlimitedRate) {
      if (starts.length < windowSize) starts.push(now);
      else {
        starts[head] = now;
        head = (head + 1) % windowSize;
      }
    }
    inFlight += 1;
    stats.started += 1;
    stats.inFlight = inFlight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      stats.inFlight = inFlight;
      pump();
    };
  };

  const pump = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0 && inFlight < limits.maxConcurrency) {
      const now = monotonicNow();
      const at = earliestStart(now);
      if (at > now) {
        timer = setTimeout(pump, Math.min(at - now, MAX_TIMER_MS));
        break;
      }
      const waiter = queue.shift() as Waiter;
      stats.waiting = queue.length;
      waiter.unsubscribe?.();
      waiter.resolve(record(now));
    }
  };

  return {
    stats,
    close(reason) {
      if (closed) return;
      closed = { reason };
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      const waiting = queue.splice(0);
      stats.waiting = 0;
      for (const waiter of waiting) {
        waiter.unsubscribe?.();
        waiter.reject(reason);
      }
    },
    pauseFor(ms) {
      if (!(ms > 0)) return;
      pausedUntil = Math.max(pausedUntil, monotonicNow() + Math.min(ms, MAX_PAUSE_MS));
      if (queue.length > 0) pump();
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (closed) return Promise.reject(closed.reason);
      const now = monotonicNow();
      if (queue.length === 0 && inFlight < limits.maxConcurrency && earliestStart(now) <= now) {
        return Promise.resolve(record(now));
      }
      stats.delayed += 1;
      return new Promise<() => void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, unsubscribe: undefined };
        if (signal) {
          // Through the fan-out: many queued calls sharing one caller signal add one listener to it.
          waiter.unsubscribe = onAbort(signal, () => {
            const index = queue.indexOf(waiter);
            if (index >= 0) queue.splice(index, 1);
            stats.waiting = queue.length;
            reject(signal.reason);
            if (queue.length === 0 && timer !== undefined) {
              clearTimeout(timer);
              timer = undefined;
            }
          });
        }
        queue.push(waiter);
        stats.waiting = queue.length;
        if (timer === undefined) pump();
      });
    },
  };
}
