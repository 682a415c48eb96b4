/**
 * The providers' rate limits, enforced with the caller's clock (`Date.now()`, real or faked) so that
 * they line up with a client's own pacing whatever the simulator's `timeScale`.
 */
import { checkInt, checkMs, checkNumber, checkObject, describe } from './check.js';

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
