/**
 * Wait options for the adapter-against-simulator tests: fast polls and retries, since the simulator
 * runs 600× faster than the clock (a 1-minute task takes 100 ms).
 */
export const FAST = {
  initialDelayMs: 10,
  maxDelayMs: 40,
  jitter: 0,
  timeoutMs: 5000,
  retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20 },
} as const;
