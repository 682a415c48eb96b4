/**
 * Simulated time. Task lifecycles are computed from the clock at request time, never from timers, so
 * the simulator follows vitest's fake `Date` and a `timeScale` speeds tasks up without any waiting.
 */
import { describe } from './check.js';

/** The simulator's clock, as tests see it (`sim.clock`). */
export interface SimulatorClock {
  /**
   * How much faster than the real (or faked) clock simulated time runs: with 60, a 10-minute task
   * ends after 10 s of `Date.now()` time.
   */
  readonly timeScale: number;
  /** The simulated time now, in epoch ms: what task timestamps are made of. */
  now(): number;
  /**
   * Moves simulated time forward by `ms` at once (tasks jump ahead; rate-limit windows, signature
   * dates and fault latencies do not).
   */
  advance(ms: number): void;
}

/** The clock with what the simulator needs beside it: the time rate limits count on, and resetting the offset. */
export interface InternalClock extends SimulatorClock {
  /**
   * The time rate limits count on: the caller's clock run `timeScale` times faster, without
   * `advance` (a test that jumps tasks ahead does not want a limit's window to pass with them). At
   * `timeScale: 1` it is `Date.now()`.
   */
  rateNow(): number;
  reset(): void;
}

/** Simulated time = start + (Date.now() − start) × timeScale + offset. `Date.now()` is read on every call. */
export function createClock(timeScale: number): InternalClock {
  const origin = Date.now();
  let offset = 0;
  return {
    timeScale,
    now: () => Math.round(origin + (Date.now() - origin) * timeScale + offset),
    rateNow: () => origin + (Date.now() - origin) * timeScale,
    advance(ms: number) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`clock.advance(ms) needs a finite number of ms ≥ 0, got ${describe(ms)}`);
      }
      offset += ms;
    },
    reset() {
      offset = 0;
    },
  };
}
