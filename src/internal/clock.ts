/**
 * Time as taskpoll measures it: the monotonic clock every interval is read from, and the longest delay
 * a Node timer can wait. Both live here, in a module that imports nothing, so that the abort links,
 * `sleep`, the pacer and the option checks share them without importing one another.
 *
 * @internal
 */

/** The largest delay `setTimeout` accepts; longer values fire at once, so every delay is clamped to it. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The clock every interval in taskpoll is measured with: deadlines, elapsed time, the schedule and the
 * pacer's window. It is monotonic (`performance.now()`), so a wall clock stepped by NTP or a restored
 * VM neither ends a wait early nor holds an adapter's requests; `Date` is kept for timestamps shown to
 * users (task start and end times). Read through `globalThis` at each call, so fake timers that replace
 * `performance` (vitest's `toFake: ['performance']`, @sinonjs/fake-timers) apply.
 *
 * @internal
 */
export function monotonicNow(): number {
  return globalThis.performance.now();
}
