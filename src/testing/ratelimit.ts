/**
 * The providers' rate limits, counted on simulated time: with a `timeScale`, a limit lets requests
 * through that many times faster, as the tasks behind it run that many times faster. Each limit also
 * says which client pacing fits it at the simulator's `timeScale` (`sim.<provider>.pacing`), so a client
 * paced for it neither stalls on a budget meant for real time nor trips the limit. At `timeScale: 1`
 * the limits count on the caller's clock (`Date.now()`, real or faked), as before.
 */
import type { PacingOptions } from '../core/transport.js';
import { checkInt, checkMs, checkNumber, checkObject, describe } from './check.js';
import type { InternalClock } from './clock.js';

/** A sliding window: at most `limit` requests in any `intervalMs` (Guance per API key; DataArts if you set one). */
export interface WindowLimit {
  /** Requests allowed per window. */
  limit: number;
  /** The window, in ms. */
  intervalMs: number;
}

/**
 * nginx `limit_req` (MEF Center's gateway): `ratePerSecond` with a `burst` allowance and `nodelay`:
 * a client may send `burst + 1` requests at once, then one per `1000 / ratePerSecond` ms.
 */
export interface BurstLimit {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Extra requests allowed at once. */
  burst: number;
}

/** The answer of a limiter. */
export type LimitDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** A rate limiter keyed by client or credential. */
export interface Limiter {
  take(key: string, now: number): LimitDecision;
  reset(): void;
}

/** A limiter that never says no. */
export const NO_LIMIT: Limiter = { take: () => ({ ok: true }), reset: () => undefined };

/** A sliding-window limiter for `limit`, or {@link NO_LIMIT} for `false`. */
export function windowLimiterFor(limit: WindowLimit | false): Limiter {
  return limit === false ? NO_LIMIT : windowLimiter(limit);
}

/** nginx's leaky bucket for `limit`, or {@link NO_LIMIT} for `false`. */
export function burstLimiterFor(limit: BurstLimit | false): Limiter {
  return limit === false ? NO_LIMIT : burstLimiter(limit);
}

/** Sliding-window limiter. Refused requests are not counted. */
export function windowLimiter({ limit, intervalMs }: WindowLimit): Limiter {
  let starts = new Map<string, number[]>();
  return {
    take(key, now) {
      const kept = (starts.get(key) ?? []).filter((at) => at > now - intervalMs);
      if (kept.length >= limit) {
        starts.set(key, kept);
        return { ok: false, retryAfterMs: (kept[0] as number) + intervalMs - now };
      }
      kept.push(now);
      starts.set(key, kept);
      return { ok: true };
    },
    reset() {
      starts = new Map();
    },
  };
}

/** nginx's leaky bucket (`limit_req ... burst=N nodelay`). Refused requests are not counted. */
export function burstLimiter({ ratePerSecond, burst }: BurstLimit): Limiter {
  let state = new Map<string, { excess: number; at: number }>();
  return {
    take(key, now) {
      const prior = state.get(key);
      const excess =
        prior === undefined ? 0 : Math.max(0, prior.excess - ((now - prior.at) * ratePerSecond) / 1000) + 1;
      if (excess > burst) {
        return { ok: false, retryAfterMs: Math.ceil(((excess - burst) * 1000) / ratePerSecond) };
      }
      state.set(key, { excess, at: now });
      return { ok: true };
    },
    reset() {
      state = new Map();
    },
  };
}

/** Checks a window limit option (`false` = off). */
export function checkWindowLimit(name: string, value: unknown, fallback: WindowLimit | false): WindowLimit | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${name} must be false or { limit, intervalMs }, got ${describe(value)}`);
  const given = checkObject<WindowLimit>(name, value, ['limit', 'intervalMs']);
  if (given.limit === undefined || given.intervalMs === undefined)
    throw new TypeError(`${name} needs both limit and intervalMs`);
  return {
    limit: checkInt(`${name}.limit`, given.limit, 1, 1, Number.MAX_SAFE_INTEGER),
    intervalMs: checkMs(`${name}.intervalMs`, given.intervalMs, 1, 1),
  };
}

/** Checks a burst limit option (`false` = off). */
export function checkBurstLimit(name: string, value: unknown, fallback: BurstLimit | false): BurstLimit | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${name} must be false or { ratePerSecond, burst }, got ${describe(value)}`);
  const given = checkObject<BurstLimit>(name, value, ['ratePerSecond', 'burst']);
  if (given.ratePerSecond === undefined) throw new TypeError(`${name} needs ratePerSecond`);
  return {
    ratePerSecond: checkNumber(`${name}.ratePerSecond`, given.ratePerSecond, 1, 0.001, 1_000_000),
    burst: checkInt(`${name}.burst`, given.burst, 0, 0, 1_000_000),
  };
}

/**
 * The least margin, in real ms, added to a short window (one under {@link LONG_WINDOW_MS}) before its
 * requests are spread evenly over it: the pacer counts a request when it starts, the simulator when it
 * arrives, and at a high `timeScale` (Guance's minute is 100 ms at 600×) the way from the pacer to the
 * simulator takes about as long as the window on a busy process.
 */
const ARRIVAL_MARGIN_MIN_MS = 100;

/**
 * A window at least this long, in real ms, is handed out as the limit itself: the pacer's own margin
 * (the time a request took to be answered, up to a quarter of the window) covers requests that arrive
 * late, even a burst's on a busy process, which can take a good part of a second.
 */
const LONG_WINDOW_MS = 4000;

/** A provider's limit as the simulator runs it: counted on simulated time, with the pacing that fits it. */
export interface RateGate<L> {
  /** Counts a request of `key` now, unless refused (refused requests are not counted). */
  take(key: string): LimitDecision;
  /** Replaces the limit (`false` turns it off) and forgets the counts. */
  set(limit: L | false): void;
  /** Forgets the counts. */
  reset(): void;
  /** The client pacing that keeps within the limit at the clock's `timeScale`; `false` with no limit. */
  readonly pacing: PacingOptions | false;
}

/** A sliding-window limit (Guance, DataArts) on the simulator's clock. */
export function windowGate(clock: InternalClock, limit: WindowLimit | false): RateGate<WindowLimit> {
  return rateGate(clock, limit, windowLimiterFor, windowPacing);
}

/** nginx's leaky bucket (MEF Center) on the simulator's clock. */
export function burstGate(clock: InternalClock, limit: BurstLimit | false): RateGate<BurstLimit> {
  return rateGate(clock, limit, burstLimiterFor, burstPacing);
}

function rateGate<L>(
  clock: InternalClock,
  initial: L | false,
  limiterFor: (limit: L | false) => Limiter,
  pacingFor: (limit: L, timeScale: number) => PacingOptions,
): RateGate<L> {
  let limit = initial;
  let limiter = limiterFor(limit);
  return {
    take: (key) => limiter.take(key, clock.rateNow()),
    set(next) {
      limit = next;
      limiter = limiterFor(next);
    },
    reset: () => limiter.reset(),
    get pacing() {
      return limit === false ? false : pacingFor(limit, clock.timeScale);
    },
  };
}

/**
 * `limit` requests per window in real time. A long window is the limit itself: at `timeScale: 1`
 * Guance's 20 a minute gives Guance's own default, 20 per 60 s (the pacer keeps its margin). A short
 * one gets the arrival margin and its requests spread evenly: Guance's minute at 600× is one request
 * per 10 ms (20 per 200 ms). A burst of requests opens that many connections at once, and on a busy
 * process the last of them can arrive later than a short window lasts.
 */
export function windowPacing({ limit, intervalMs }: WindowLimit, timeScale: number): PacingOptions {
  const realMs = intervalMs / timeScale;
  if (realMs >= LONG_WINDOW_MS) return { requestsPerInterval: limit, intervalMs: Math.ceil(realMs) };
  const windowMs = Math.ceil(realMs + ARRIVAL_MARGIN_MIN_MS);
  // The pacer's smallest window is 1 ms: above one request a millisecond, a few share each.
  const spacingMs = windowMs / limit;
  return spacingMs >= 1
    ? { requestsPerInterval: 1, intervalMs: spacingMs }
    : { requestsPerInterval: Math.floor(limit / windowMs), intervalMs: 1 };
}

/**
 * The bucket's sustained rate, evenly spaced: one request per `1000 / ratePerSecond` ms of simulated
 * time (rounded up to whole real ms), the burst left to absorb requests that arrive bunched. At
 * `timeScale: 1` MEF's 10 a second gives MEF's own default, one per 100 ms. When that spacing is
 * under 1 ms of real time (the pacer's smallest window), a few requests share each millisecond: at
 * most half the burst allowance, so that two bunched windows still fit it.
 */
export function burstPacing({ ratePerSecond, burst }: BurstLimit, timeScale: number): PacingOptions {
  const spacingMs = 1000 / (ratePerSecond * timeScale);
  if (spacingMs >= 1) return { requestsPerInterval: 1, intervalMs: Math.ceil(spacingMs) };
  const perMs = Math.max(1, Math.min(Math.floor(1 / spacingMs), Math.floor((burst + 1) / 2)));
  return { requestsPerInterval: perMs, intervalMs: 1 };
}
