/** Summary statistics of one schedule over the fleet. */
import type { TaskOutcome } from './drive.js';

/** The q-quantile (nearest rank) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** One row of the results table. */
export interface Summary {
  requestsMean: number;
  requestsP95: number;
  lagMeanMs: number;
  lagP95Ms: number;
  /** p95 of lag ÷ duration. */
  relLagP95: number;
  /** Share of tasks whose waiter gave up before the task ended. */
  gaveUp: number;
}

/** Summarizes per-task outcomes; lags only over the tasks that were detected. */
export function summarize(outcomes: readonly TaskOutcome[]): Summary {
  const detected = outcomes.filter((o) => o.lagMs !== undefined);
  const lags = detected.map((o) => o.lagMs as number);
  const rel = detected.map((o) => (o.lagMs as number) / o.durationMs);
  const requests = outcomes.map((o) => o.requests);
  return {
    requestsMean: mean(requests),
    requestsP95: quantile(requests, 0.95),
    lagMeanMs: mean(lags),
    lagP95Ms: quantile(lags, 0.95),
    relLagP95: quantile(rel, 0.95),
    gaveUp: 1 - detected.length / outcomes.length,
  };
}
