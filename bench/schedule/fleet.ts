/**
 * The benchmark fleet: task durations and progress curves, from a seeded PRNG (deterministic).
 *
 * - Durations are log-normal: median 60 s, σ = 1.2 (p5 ≈ 8 s, p95 ≈ 7 min, the longest of 2,000 about an hour).
 * - Progress is what a provider counting work units reports: a queue/start-up phase at 0 (exponential,
 *   mean 3 s, at most 20 % of the task), then N units (N log-uniform in 50..1000) whose durations are
 *   log-normal (σ = 0.6) under a slow drift of speed (±20 % between start and end), reported as whole
 *   percent, and a finalization phase (0–3 % of the task) shown as 99 until the task ends.
 */

/** A seeded PRNG (mulberry32): numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** One simulated task: it starts when the wait starts and really ends `durationMs` later. */
export interface FleetTask {
  durationMs: number;
  /** Progress (whole percent, 0..99) the provider reports `elapsedMs` after the start (< durationMs). */
  progressAt(elapsedMs: number): number;
}

/** The fleet parameters, printed with the results. */
export const FLEET = {
  size: 2000,
  seed: 42,
  medianMs: 60_000,
  sigma: 1.2,
  startupMeanMs: 3000,
  units: [50, 1000],
  unitSigma: 0.6,
  drift: 0.2,
  finalization: 0.03,
} as const;

/** Builds the fleet. */
export function makeFleet(size: number = FLEET.size, seed: number = FLEET.seed): FleetTask[] {
  const random = prng(seed);
  const tasks: FleetTask[] = [];
  for (let i = 0; i < size; i += 1) tasks.push(makeTask(random));
  return tasks;
}

function makeTask(random: () => number): FleetTask {
  const durationMs = FLEET.medianMs * Math.exp(FLEET.sigma * normal(random));
  const startup = Math.min(0.2 * durationMs, -Math.log(1 - random()) * FLEET.startupMeanMs);
  const finalization = random() * FLEET.finalization * durationMs;
  const [lo, hi] = FLEET.units;
  const units = Math.round(lo * (hi / lo) ** random());
  const d0 = FLEET.drift * normal(random);
  const d1 = FLEET.drift * normal(random);
  const ends = new Float64Array(units);
  let total = 0;
  for (let i = 0; i < units; i += 1) {
    const x = (i + 0.5) / units;
    total += Math.exp(FLEET.unitSigma * normal(random)) * Math.exp(d0 + (d1 - d0) * x);
    ends[i] = total;
  }
  const scale = (durationMs - startup - finalization) / total;
  for (let i = 0; i < units; i += 1) ends[i] = startup + (ends[i] as number) * scale;
  return {
    durationMs,
    progressAt(elapsedMs) {
      let low = 0;
      let high = units;
      while (low < high) {
        const mid = (low + high) >> 1;
        if ((ends[mid] as number) <= elapsedMs) low = mid + 1;
        else high = mid;
      }
      return Math.min(99, Math.floor((100 * low) / units));
    },
  };
}
