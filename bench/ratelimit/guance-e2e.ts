/**
 * Goal 4 end to end: 50 concurrent waits on one Guance API key through the real `guanceLogmine` adapter,
 * over real HTTP on loopback, against the simulator, which enforces Guance's limit (20 requests per 60 s
 * per key, refused with HTTP 401 `ft.TriggerApiAkCurrentLimiting`).
 *
 * Time: the simulator's `timeScale` speeds up task lifecycles only; its rate limiter and the adapter's
 * pacer both keep the caller's clock, so `timeScale` alone would still allow 20 requests per real
 * minute (a run of more than ten real minutes). Scaling the pacer and the simulator's window down by the
 * same factor would also work, but would measure a scaled configuration, not the defaults. Instead the
 * whole process runs on one fake clock (@sinonjs/fake-timers: `setTimeout`, `clearTimeout` and `Date`;
 * `setImmediate`, `process.nextTick` and all I/O stay real): the poller, the pacer, the simulator's task
 * lifecycles and its rate limiter all read the same `Date.now()`, so the adapter runs with its default
 * pacing and the default wait options. The clock moves in steps of at most {@link STEP_MS} ms, with
 * real I/O (the HTTP round trips) let through between steps, so a request takes at most about one step
 * of simulated time.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { setTimeout as realSleep } from 'node:timers/promises';
import type { WaitOptions } from '../../src/core/options.js';
import { waitForTask } from '../../src/core/poller.js';
import { GUANCE_DEFAULT_PACING, guanceLogmine, type GuanceLogmineOptions } from '../../src/providers/guance/index.js';
import { GUANCE_RATE_LIMIT, startSimulator } from '../../src/testing/index.js';
import { prng, type FleetTask } from '../schedule/fleet.js';
import { maxInWindow } from '../schedule/ratelimit.js';
import { quantile } from '../schedule/stats.js';

/** The largest step of the fake clock, in ms. */
export const STEP_MS = 200;

/** The two functions a run needs: from the sources, or from a bundle built from another revision. */
export interface E2eLibrary {
  waitForTask: typeof waitForTask;
  guanceLogmine: typeof guanceLogmine;
}

/** One run of the 50 waits. */
export interface KeyRunResult {
  name: string;
  how: string;
  waits: number;
  succeeded: number;
  /** Error names of the waits that did not succeed. */
  failed: string[];
  /** Requests the simulator received (all `query_task`), and how many it refused for the rate limit. */
  requests: number;
  rateLimited: number;
  /** Most requests the simulator received in any 60 s window. */
  peakPerWindow: number;
  /** Detection lag (seen − really ended), over the waits that succeeded, in ms. */
  lagMeanMs: number;
  lagP95Ms: number;
  /** Mean and p95 of lag ÷ task duration. */
  relLagMean: number;
  relLagP95: number;
  /** Simulated time until the last wait ended, and the real time the run took, in ms. */
  simulatedMs: number;
  realMs: number;
}

/**
 * Runs `tasks.length` waits at once on one key: each task is created in the simulator at t = 0 (as if
 * submitted earlier by another client: submits are not part of the waits' budget) and ends after its
 * `durationMs`. `adapter` options are merged over `{ baseURL, apiKey }`.
 */
export async function runKey(
  name: string,
  how: string,
  tasks: readonly FleetTask[],
  adapterOptions: Partial<Pick<GuanceLogmineOptions, 'pacing'>>,
  lib: E2eLibrary = { waitForTask, guanceLogmine },
  waitOptions: WaitOptions = {},
  seed = 11,
): Promise<KeyRunResult> {
  const realStart = performance.now();
  const clock = FakeTimers.install({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  const realRandom = Math.random;
  Math.random = prng(seed);
  const sim = await startSimulator({ seed, timeScale: 1 });
  const logmine = lib.guanceLogmine({
    baseURL: sim.guance.baseURL,
    apiKey: sim.guance.apiKey,
    ...adapterOptions,
  } as GuanceLogmineOptions);
  try {
    const ids = tasks.map((task) => sim.guance.createTask({ durationMs: Math.round(task.durationMs) }));
    const lags: number[] = [];
    const relLags: number[] = [];
    const failed: string[] = [];
    let lastEnd = 0;
    const waits = ids.map((id, i) =>
      lib.waitForTask(logmine, id, waitOptions).then(
        () => {
          const duration = Math.round((tasks[i] as FleetTask).durationMs);
          const lag = Date.now() - duration;
          lags.push(lag);
          relLags.push(lag / duration);
          lastEnd = Math.max(lastEnd, Date.now());
        },
        (error: unknown) => {
          failed.push(error instanceof Error ? error.name : String(error));
          lastEnd = Math.max(lastEnd, Date.now());
        },
      ),
    );
    let settled = false;
    void Promise.all(waits).then(() => (settled = true));
    while (!settled) {
      await clock.tickAsync(STEP_MS);
      // Let real I/O through: the round trips to the simulator.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await realSleep(1);
    }
    const requests = sim.requestsFor('guance', 'guance.queryTask');
    return {
      name,
      how,
      waits: ids.length,
      succeeded: lags.length,
      failed: [...new Set(failed)],
      requests: requests.length,
      rateLimited: requests.filter((r) => r.status === 401).length,
      peakPerWindow: maxInWindow(
        requests.map((r) => r.time),
        GUANCE_RATE_LIMIT.intervalMs,
      ),
      lagMeanMs: lags.reduce((sum, lag) => sum + lag, 0) / lags.length,
      lagP95Ms: quantile(lags, 0.95),
      relLagMean: relLags.reduce((sum, x) => sum + x, 0) / relLags.length,
      relLagP95: quantile(relLags, 0.95),
      simulatedMs: lastEnd,
      realMs: performance.now() - realStart,
    };
  } finally {
    logmine.close();
    await sim.close();
    Math.random = realRandom;
    clock.uninstall();
  }
}

export { GUANCE_DEFAULT_PACING, GUANCE_RATE_LIMIT };
