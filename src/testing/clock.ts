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
   * Moves simulated time forward by `ms` at once (tasks jump ahead; rate limits, signature dates and
   * fault latencies, which follow the caller's clock, do not).
   */
  advance(ms: number): void;
}

/** The clock with the one thing the simulator needs beside it: resetting the manual offset. */
export interface InternalClock extends SimulatorClock {
  reset(): void;
}

/** Simulated time = start + (Date.now() − start) × timeScale + offset. `Date.now()` is read on every call. */
export function createClock(timeScale: number): InternalClock {
  const origin = Date.now();
  let offset = 0;
  return {
    timeScale,
    now: () => Math.round(origin + (Date.now() - origin) * timeScale + offset),
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
