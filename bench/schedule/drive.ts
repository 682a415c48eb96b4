/**
 * Runs one schedule over the whole fleet in virtual time: every wait starts at t = 0 under
 * @sinonjs/fake-timers (setTimeout, clearTimeout, setInterval, clearInterval and Date are faked), all
 * waits run together, and the clock jumps from timer to timer. `Math.random` is replaced by a seeded
 * PRNG for the run, so every figure is deterministic. Polls answer instantly.
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { FleetTask } from './fleet.js';
import { prng } from './fleet.js';

/** What a driver gets for one task: a status read (counted) and a way to report the detection. */
export interface Probe {
  /** One status request: whether the task has ended, and its progress (whole percent) if not. */
  poll(): { done: boolean; progress: number };
  /** Called by the driver when its waiter returned; false when it gave up before the end. */
  finish(detected: boolean): void;
}

/** Starts the wait for one task; resolves when that wait is over. */
export type Driver = (probe: Probe, index: number) => Promise<void>;

/** Per-task outcome. */
export interface TaskOutcome {
  durationMs: number;
  requests: number;
  /** Detection time minus the real end, in ms; undefined when the waiter gave up. */
  lagMs: number | undefined;
}

/** Tasks run together in one clock; fake-timers scans every timer on each step, so batches stay small. */
const BATCH = 50;

/** Runs `driver` for every task of `fleet`: batches of waits, each batch in a fresh virtual clock from t = 0. */
export async function runFleet(fleet: readonly FleetTask[], driver: Driver, seed: number): Promise<TaskOutcome[]> {
  const realRandom = Math.random;
  Math.random = prng(seed);
  try {
    const outcomes: TaskOutcome[] = [];
    for (let first = 0; first < fleet.length; first += BATCH) {
      outcomes.push(...(await runBatch(fleet.slice(first, first + BATCH), first, driver)));
    }
    return outcomes;
  } finally {
    Math.random = realRandom;
  }
}

async function runBatch(batch: readonly FleetTask[], offset: number, driver: Driver): Promise<TaskOutcome[]> {
  const clock = FakeTimers.install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    loopLimit: 50_000_000,
  });
  try {
    const outcomes: TaskOutcome[] = batch.map((task) => ({
      durationMs: task.durationMs,
      requests: 0,
      lagMs: undefined,
    }));
    const waits = batch.map((task, index) => {
      const outcome = outcomes[index] as TaskOutcome;
      const probe: Probe = {
        poll() {
          outcome.requests += 1;
          const now = Date.now();
          if (now >= task.durationMs) return { done: true, progress: 100 };
          return { done: false, progress: task.progressAt(now) };
        },
        finish(detected) {
          if (detected) outcome.lagMs = Date.now() - task.durationMs;
        },
      };
      return driver(probe, offset + index);
    });
    const all = Promise.all(waits);
    let settled = false;
    void all.finally(() => {
      settled = true;
    });
    for (;;) {
      await clock.runAllAsync();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) break;
      if (clock.countTimers() === 0) throw new Error('the waits are stuck: no timer left and not all settled');
    }
    await all;
    return outcomes;
  } finally {
    clock.uninstall();
  }
}
