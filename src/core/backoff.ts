/**
 * The poll schedule, as pure functions: no timers, no clock, no randomness of its own.
 * The poller feeds it what it observed and a random number; tests pin both.
 *
 * Two ideas drive it (what they do to detection lag and poll counts is in `bench/RESULTS.md`):
 * - The delay grows with the time already waited, not with the number of polls, so the detection lag
 *   stays a fixed fraction of the task's duration whatever that duration is, and jitter, retries or
 *   request latency never make the schedule drift.
 * - When the task reports progress, the finish time is estimated from (time, progress) samples and
 *   the next poll is aimed just after the earliest plausible finish.
 */

/** The knobs of the schedule (all in ms except `factor` and `jitter`). */
export interface BackoffPolicy {
  /** Delay after the first poll. */
  initialDelayMs: number;
  /** Upper bound of any one delay. */
  maxDelayMs: number;
  /**
   * Growth per poll: the delay is `initialDelayMs + (factor − 1) × elapsed`, which without jitter is
   * exactly `initialDelayMs × factor^(polls − 1)`. 1 = a fixed interval.
   */
  factor: number;
  /** Fraction of each delay that is randomized away, 0 (none) to 1 (full jitter). */
  jitter: number;
}

/** One observed progress value, `elapsedMs` after the wait started. */
export interface ProgressSample {
  /** When the status was observed, in ms since the wait started. */
  elapsedMs: number;
  /** The reported progress, 0 to 100. */
  progress: number;
}

/** What the schedule may look at when it picks the next delay. */
export interface ScheduleInput {
  /** Polls answered so far (≥ 1 when a delay is asked for: the first poll is immediate). */
  pollsDone: number;
  /** Time since the wait started, in ms. */
  elapsedMs: number;
  /** A number in [0, 1): `Math.random()` in production, pinned in tests. */
  random: number;
  /**
   * The progress observed so far, oldest first, the current status last; leave it out (or empty) when
   * the task does not report progress or progress-aware scheduling is off.
   */
  progress?: readonly ProgressSample[] | undefined;
}

/**
 * The constants of the progress-aware schedule. Each trades polls against detection lag; how they
 * do on a fleet of tasks is in `bench/RESULTS.md`.
 */
export const PROGRESS_MODEL = {
  /**
   * The aimed poll is placed this fraction of the elapsed time after the earliest plausible finish,
   * so a task that ends then is seen with a lag of about this fraction of its duration.
   */
  lagFraction: 0.06,
  /** Relative error of a linear extrapolation, per unit of (remaining time ÷ observed window). */
  modelError: 0.2,
  /** Progress is often reported in whole points: the observed gain is uncertain by about this much. */
  quantum: 1,
  /** After this many polls without any change of progress, the estimate is stale: use the schedule. */
  stallPolls: 2,
  /** No progress-aimed delay is shorter than `initialDelayMs` divided by this. */
  floorDivisor: 4,
} as const;

/**
 * The delay before poll `pollsDone + 1`, without progress:
 * `base = min(maxDelayMs, initialDelayMs + (factor − 1) × elapsedMs)`, then
 * `delay = base × (1 − jitter × random)`: with the default jitter of 0.2, uniform in [0.8·base, base].
 *
 * Without jitter and with instant polls this is the classic `initialDelayMs × factor^(pollsDone − 1)`;
 * because it is computed from the time really waited, a shortened (jittered) delay, a slow request
 * or retries do not shift the rest of the schedule, and the lag stays about `(factor − 1)` of the
 * task's duration.
 */
export function scheduleDelay(policy: BackoffPolicy, input: ScheduleInput): number {
  return elapsedDelay(policy, policy.factor - 1, input);
}

function elapsedDelay(policy: BackoffPolicy, growth: number, input: ScheduleInput): number {
  const elapsed = Math.max(0, input.elapsedMs);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs + growth * elapsed);
  return jittered(base, policy.jitter, input.random);
}

function jittered(base: number, jitter: number, random: number): number {
  return Math.max(0, Math.round(base * (1 - jitter * random)));
}

/** What {@link estimateFinish} concludes from the progress samples. */
export interface FinishEstimate {
  /** Expected time left, in ms, at the last sample's rate since the reference sample. */
  remainingMs: number;
  /** The earliest plausible time left, in ms: `remainingMs / (1 + uncertainty)`. */
  earliestRemainingMs: number;
  /** Relative uncertainty of `remainingMs` (0 = certain). */
  uncertainty: number;
}

/**
 * Estimates when the task ends from its progress samples: the rate is taken from the latest sample
 * whose progress was at most half of the current one (or the oldest sample) to the current one, and
 * extrapolated linearly to 100. The uncertainty grows with how far the extrapolation reaches beyond the
 * observed window and with how few progress points that window gained.
 *
 * Returns `undefined` when there is nothing to estimate from: fewer than two samples, no progress yet,
 * or no progress gained since the reference sample.
 */
export function estimateFinish(samples: readonly ProgressSample[]): FinishEstimate | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined || !(last.progress > 0)) return undefined;
  let ref: ProgressSample | undefined;
  for (let i = samples.length - 2; i >= 0; i -= 1) {
    const sample = samples[i] as ProgressSample;
    if (sample.progress <= last.progress / 2) {
      ref = sample;
      break;
    }
  }
  ref ??= samples[0];
  if (ref === undefined || ref === last) return undefined;
  const gained = last.progress - ref.progress;
  const window = last.elapsedMs - ref.elapsedMs;
  if (!(gained > 0) || !(window > 0)) return undefined;
  const remainingMs = (Math.max(0, 100 - last.progress) * window) / gained;
  const uncertainty = (PROGRESS_MODEL.modelError * remainingMs) / window + PROGRESS_MODEL.quantum / gained;
  return { remainingMs, earliestRemainingMs: remainingMs / (1 + uncertainty), uncertainty };
}

/**
 * The delay chosen from progress, or `undefined` when progress does not help and the plain
 * {@link scheduleDelay} applies:
 * - no progress reported: `undefined`;
 * - progress reported but still 0 (queued, starting): the task is not about to end, so the wait warms
 *   up faster, `initialDelayMs + elapsed` (doubling), until the first progress shows;
 * - progress has not moved for {@link PROGRESS_MODEL}.stallPolls polls, or went backwards: `undefined`;
 * - otherwise the next poll is aimed `lagFraction × elapsed` after the earliest plausible finish
 *   (see {@link estimateFinish}): far from the end it gathers a better estimate, near the end it lands
 *   just after it. Bounded by `maxDelayMs` and `initialDelayMs / floorDivisor`, then jittered.
 */
export function progressDelay(policy: BackoffPolicy, input: ScheduleInput): number | undefined {
  const samples = input.progress;
  const last = samples?.[samples.length - 1];
  if (samples === undefined || last === undefined) return undefined;
  if (samples.every((sample) => sample.progress <= 0)) return elapsedDelay(policy, 1, input);
  const previous = samples[samples.length - 2];
  if (previous !== undefined && previous.progress > last.progress) return undefined;
  let unchanged = 0;
  for (let i = samples.length - 2; i >= 0 && (samples[i] as ProgressSample).progress === last.progress; i -= 1)
    unchanged += 1;
  if (unchanged >= PROGRESS_MODEL.stallPolls) return undefined;
  const estimate = estimateFinish(samples);
  if (estimate === undefined) return undefined;
  const now = Math.max(0, input.elapsedMs);
  const aimAt = (1 + PROGRESS_MODEL.lagFraction) * (last.elapsedMs + estimate.earliestRemainingMs);
  const floor = policy.initialDelayMs / PROGRESS_MODEL.floorDivisor;
  const base = Math.min(policy.maxDelayMs, Math.max(floor, aimAt - now));
  return jittered(base, policy.jitter, input.random);
}

/**
 * The delay before the next poll: {@link progressDelay} when the samples give one, else
 * {@link scheduleDelay}. This is what the poller calls (a server's `pollAfterMs` still wins over it).
 */
export function nextPollDelay(policy: BackoffPolicy, input: ScheduleInput): number {
  return progressDelay(policy, input) ?? scheduleDelay(policy, input);
}

/**
 * The delay before retry `retryNumber` (1-based) of one failed poll: capped exponential,
 * `min(maxDelayMs, initialDelayMs × factor^(retryNumber − 1))` with the same jitter rule, raised to the
 * server's `retryAfterMs` when it gave one.
 */
export function retryDelay(
  policy: BackoffPolicy,
  retryNumber: number,
  random: number,
  retryAfterMs: number | undefined,
): number {
  const exponent = Math.max(0, retryNumber - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  const scheduled = jittered(base, policy.jitter, random);
  // Math.max with NaN is NaN, i.e. no delay at all: an unusable server value is ignored.
  return retryAfterMs !== undefined && retryAfterMs >= 0 ? Math.max(scheduled, retryAfterMs) : scheduled;
}

/**
 * How long before the deadline the last poll starts: `marginMs` plus the slowest of `latenciesMs` (the
 * recent polls of the wait). A poll answers one latency after it starts, so the last poll placed this
 * far ahead is still answered `marginMs` before the deadline on a slow provider, instead of being cut
 * by the deadline with its answer dropped; the slowest recent poll rather than the average, because
 * a poll that answers late is a poll wasted.
 */
export function lastPollLead(marginMs: number, latenciesMs: readonly number[]): number {
  let slowest = 0;
  for (const latency of latenciesMs) if (latency > slowest) slowest = latency;
  return marginMs + slowest;
}

/** How a delay fits the deadline: sleep `delayMs`, and whether the poll after it is the last that fits. */
export interface DeadlinePlan {
  delayMs: number;
  final: boolean;
}

/**
 * Places the next poll inside the deadline. A delay that would cross `deadline − leadMs` is shortened
 * so the poll lands `leadMs` before the deadline (the last poll is placed, not skipped); when even that
 * is in the past, there is no room and the result is `undefined`.
 */
export function fitToDeadline(
  delayMs: number,
  now: number,
  deadline: number,
  leadMs: number,
): DeadlinePlan | undefined {
  if (!Number.isFinite(deadline)) return { delayMs, final: false };
  const latest = deadline - leadMs - now;
  if (delayMs <= latest) return { delayMs, final: false };
  if (latest <= 0) return undefined;
  return { delayMs: latest, final: true };
}
