import { vi } from 'vitest';

/**
 * Runs vitest's fake timers until none is left, then tells how `promise` ended: its value or its
 * error, never a rejection (so none goes unhandled while the timers run). For tests in fake time with
 * no real I/O; tests over nock move time with `nockClock().settle` instead (nock-clock.ts).
 */
export async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}
