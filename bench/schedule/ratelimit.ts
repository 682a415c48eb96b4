/**
 * Goal 4 in virtual time: 50 concurrent waits on one Guance API key (20 requests per minute). The
 * waits share one core pacer (src/internal/pacing.ts) set to the Guance adapter's default budget
 * (20 requests per 60 s: GUANCE_DEFAULT_PACING in src/providers/guance/types.ts, the pacer's margin on top), and, as the core HTTP
 * client does, the poll's time limit is paused while a request waits for a slot; a server-side sliding
 * 60 s window counts what a real key would have refused. Requests answer instantly.
 */
import { defineAdapter } from '../../src/core/adapter.js';
import { createPacer, type Pacer } from '../../src/internal/pacing.js';
import type { WaitOptions } from '../../src/core/options.js';
import { waitForTask } from '../../src/core/poller.js';
import { pauseTimeoutOf } from '../../src/internal/abort.js';
import type { Driver } from './drive.js';

/** Guance's documented limit and the adapter's default pacing of it. */
export const GUANCE_LIMIT = { requests: 20, windowMs: 60_000 } as const;
export const GUANCE_PACING = { requestsPerInterval: 20, intervalMs: 60_000 } as const;

/** What the simulated key saw. */
export interface KeyLog {
  /** Start time of every request. */
  starts: number[];
  /** Names of the errors the failed waits ended with. */
  errors: string[];
}

/** Most requests that started in any window of `windowMs` (a sliding window over the log). */
export function maxInWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let low = 0;
  for (let high = 0; high < sorted.length; high += 1) {
    while ((sorted[high] as number) - (sorted[low] as number) >= windowMs) low += 1;
    best = Math.max(best, high - low + 1);
  }
  return best;
}

/** Requests that a 20-per-60-s key would have refused (each counted once, against the 20 before it). */
export function refusals(starts: readonly number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let refused = 0;
  for (let i = GUANCE_LIMIT.requests; i < sorted.length; i += 1) {
    if ((sorted[i] as number) - (sorted[i - GUANCE_LIMIT.requests] as number) < GUANCE_LIMIT.windowMs) refused += 1;
  }
  return refused;
}

/**
 * taskpoll's `waitForTask` (default options plus `options`), all waits through one shared pacer (or
 * none). A wait that rejects counts as given up.
 */
export function pacedWaits(log: KeyLog, paced: boolean, options: WaitOptions = {}): Driver {
  let pacer: Pacer | undefined;
  return async (probe, index) => {
    // Created inside the run, so its timers are the fake ones.
    if (paced) pacer ??= createPacer(GUANCE_PACING);
    const adapter = defineAdapter({
      provider: 'bench.guance',
      async getStatus(_ref: string, { signal }) {
        // As the core HTTP client does: the poll's time limit does not run while it waits for a slot.
        let release: () => void = () => undefined;
        if (pacer) {
          const resume = pauseTimeoutOf(signal);
          try {
            release = await pacer.acquire(signal);
          } finally {
            resume();
          }
        }
        try {
          log.starts.push(Date.now());
          return probe.poll().done
            ? { state: 'succeeded', providerState: 'ok' }
            : { state: 'running', providerState: 'running' };
        } finally {
          release();
        }
      },
    });
    try {
      await waitForTask(adapter, `guance-${index}`, { timeoutMs: Number.POSITIVE_INFINITY, ...options });
      probe.finish(true);
    } catch (error) {
      log.errors.push(error instanceof Error ? error.name : String(error));
      probe.finish(false);
    }
  };
}
