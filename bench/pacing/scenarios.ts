/**
 * The shared-budget scenarios of issue 9, run in real time on loopback against the arrival-counting
 * server (bench/pacing/server.ts) with a built library (bench/overhead/bundle.ts: this tree, or the
 * pacer before issue 9). Every duration of the issue is divided by {@link SCALE} (the budgets' windows,
 * task ends, deadlines and the wait schedule alike) so a run takes seconds; lags are reported
 * multiplied back by it. Guance's own rate-limit pause (3 s after a refusal) is not scaled.
 */
import type { BenchLibrary } from '../overhead/bundle.js';
import { prng } from '../schedule/fleet.js';
import { quantile } from '../schedule/stats.js';
import { API_KEY, startArrivalServer } from './server.js';

/** How much faster than the figures the scenarios run. */
export const SCALE = 2;
const s = (ms: number): number => ms / SCALE;

/** The default wait schedule, scaled. */
const WAIT = { initialDelayMs: s(1500), maxDelayMs: s(120_000) } as const;

/** What one run of a scenario measured. */
export interface RunResult {
  /** Requests the server received, and refused for the rate limit. */
  requests: number;
  refused: number;
  /** Waits lost (ended in an error) by group. */
  lost: Record<string, number>;
  /** Detection lag (seen − ended) of the waits that succeeded, in unscaled ms. */
  lagMeanMs: number;
  lagP95Ms: number;
}

interface Wait {
  group: string;
  /** When its task ends, from the run's start, in (scaled) ms. */
  endMs: number;
  /** Started this long after the run's start (scaled ms). */
  startMs: number;
  timeoutMs?: number;
}

/**
 * Runs `waits` on one adapter against a server allowing `limit` requests per `intervalMs`; the adapter's
 * pacing is the same budget, its window stretched by `handMargin` (0: the provider's exact limit).
 */
async function run(
  lib: BenchLibrary,
  waits: readonly Wait[],
  limit: number,
  intervalMs: number,
  handMargin = 0,
): Promise<RunResult> {
  const server = await startArrivalServer(limit, intervalMs);
  const logmine = lib.guanceLogmine({
    baseURL: server.baseURL,
    apiKey: API_KEY,
    pacing: { requestsPerInterval: limit, intervalMs: intervalMs * (1 + handMargin) },
  });
  await server.setEnds(new Map(waits.map((wait, i) => [`task-${i}`, wait.endMs])));
  const t0 = performance.now();
  const lags: number[] = [];
  const lost: Record<string, number> = {};
  let counts = { arrived: 0, refused: 0 };
  try {
    await Promise.all(
      waits.map(async (wait, i) => {
        lost[wait.group] ??= 0;
        if (wait.startMs > 0) await new Promise((resolve) => setTimeout(resolve, wait.startMs));
        const options = wait.timeoutMs === undefined ? WAIT : { ...WAIT, timeoutMs: wait.timeoutMs };
        try {
          await lib.waitForTask(logmine, `task-${i}`, options);
          lags.push((performance.now() - t0 - wait.endMs) * SCALE);
        } catch {
          lost[wait.group] = (lost[wait.group] ?? 0) + 1;
        }
      }),
    );
  } finally {
    logmine.close();
    counts = await server.close();
  }
  const mean = lags.reduce((sum, lag) => sum + lag, 0) / lags.length;
  return {
    requests: counts.arrived,
    refused: counts.refused,
    lost,
    lagMeanMs: mean,
    lagP95Ms: quantile(lags, 0.95),
  };
}

/** (a) The exact limit: 50 waits on 5 requests per second, tasks ending between 1 and 15 s. */
export function exactLimit(lib: BenchLibrary): Promise<RunResult> {
  const random = prng(7);
  const waits = Array.from({ length: 50 }, () => ({ group: 'all', startMs: 0, endMs: s(1000 + 14_000 * random()) }));
  return run(lib, waits, 5, s(1000));
}

/**
 * (b) Deadlines: 40 long waits (tasks ending at 30 s) started first, then 10 urgent ones (tasks ending
 * at 1 s, `timeoutMs: 8000`), on 3 requests per second.
 */
export function deadlines(lib: BenchLibrary): Promise<RunResult> {
  const waits: Wait[] = [
    ...Array.from({ length: 40 }, () => ({ group: 'long', startMs: 0, endMs: s(30_000) })),
    ...Array.from({ length: 10 }, () => ({ group: 'urgent', startMs: s(100), endMs: s(1000), timeoutMs: s(8000) })),
  ];
  return run(lib, waits, 3, s(1000));
}

/**
 * The task ends of the fairness scenario: 50 tasks started together, ending between 6 and 12 s
 * (unscaled ms): more ends a second than the budget has requests, so even the oracle lags.
 */
export function fairnessEnds(): number[] {
  const random = prng(23);
  return Array.from({ length: 50 }, () => 6000 + 6000 * random());
}

/**
 * (c) Fairness: 50 waits started together on 5 requests per second; `handMargin` stretches the pacing
 * window (a margin written by hand, as the Guance default did before: 20 per 62 s).
 */
export function fairness(lib: BenchLibrary, handMargin = 0): Promise<RunResult> {
  const waits = fairnessEnds().map((end) => ({ group: 'all', startMs: 0, endMs: s(end) }));
  return run(lib, waits, 5, s(1000), handMargin);
}

/**
 * The oracle of (c), simulated: it knows every end, so it polls each task once, at the first instant a
 * sliding window of `limit` per `intervalMs` allows after the end, tasks in the order they end (no
 * request latency, no margin). Lags in ms.
 */
export function oracle(ends: readonly number[], limit = 5, intervalMs = 1000): { meanMs: number; p95Ms: number } {
  const sent: number[] = [];
  const lags = [...ends]
    .sort((a, b) => a - b)
    .map((end) => {
      const at = sent.length < limit ? end : Math.max(end, (sent[sent.length - limit] as number) + intervalMs);
      sent.push(at);
      return at - end;
    });
  return { meanMs: lags.reduce((sum, lag) => sum + lag, 0) / lags.length, p95Ms: quantile(lags, 0.95) };
}
