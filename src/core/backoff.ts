/**
 * The poll schedule, as pure functions: no timers, no clock, no randomness of its own.
 * The poller feeds it what it observed and a random number; tests pin both.
 */

/** The knobs of the schedule (all in ms except `factor` and `jitter`). */
export interface BackoffPolicy {
  /** Delay after the first poll. */
  initialDelayMs: number;
  /** Upper bound of any one delay. */
  maxDelayMs: number;
  /** Growth per poll. */
  factor: number;
  /** Fraction of each delay that is randomized away, 0 (none) to 1 (full jitter). */
  jitter: number;
}

/** What the schedule may look at when it picks the next delay. */
export interface ScheduleInput {
  /** Polls answered so far (≥ 1 when a delay is asked for: the first poll is immediate). */
  pollsDone: number;
  /** Time since the wait started, in ms. */
  elapsedMs: number;
  /** A number in [0, 1): `Math.random()` in production, pinned in tests. */
  random: number;
}

/**
 * The delay before poll `pollsDone + 1`:
 * `base = min(maxDelayMs, initialDelayMs × factor^(pollsDone − 1))`, then
 * `delay = base × (1 − jitter × random)`: with the default jitter of 0.5, uniform in [base/2, base].
 */
export function scheduleDelay(policy: BackoffPolicy, input: ScheduleInput): number {
  const exponent = Math.max(0, input.pollsDone - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  return Math.max(0, Math.round(base * (1 - policy.jitter * input.random)));
}

/**
 * The delay before retry `retryNumber` (1-based) of one failed poll: capped exponential with the same
 * jitter rule, raised to the server's `retryAfterMs` when it gave one.
 */
export function retryDelay(
  policy: BackoffPolicy,
  retryNumber: number,
  random: number,
  retryAfterMs: number | undefined,
): number {
  const scheduled = scheduleDelay(policy, { pollsDone: retryNumber, elapsedMs: 0, random });
  return retryAfterMs === undefined ? scheduled : Math.max(scheduled, retryAfterMs);
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
