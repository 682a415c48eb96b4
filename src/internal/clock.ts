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
