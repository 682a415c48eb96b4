import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineAdapter } from '../../src/core/adapter.js';
import { scheduleDelay } from '../../src/core/backoff.js';
import { WAIT_DEFAULTS } from '../../src/core/options.js';
import { pollTask, waitForTask } from '../../src/core/poller.js';
import { settle as settleOutcome } from '../helpers/fake-timers.js';

/** A task that really ends at `durationMs` after the wait starts; `progressAt` is what it reports before. */
function task(durationMs: number, progressAt?: (elapsedMs: number) => number) {
  const polls: number[] = [];
  const adapter = defineAdapter({
    provider: 'test.progress',
    async getStatus() {
      const now = Date.now();
      polls.push(now);
      if (now >= durationMs) return { state: 'succeeded', providerState: 'done' };
      return progressAt
        ? { state: 'running', providerState: 'running', progress: progressAt(now) }
        : { state: 'running', providerState: 'running' };
    },
  });
  return { adapter, polls };
}

const linear = (durationMs: number) => (elapsedMs: number) => Math.min(99, Math.floor((100 * elapsedMs) / durationMs));

/** The shared fake-time {@link settleOutcome}, rethrowing the error: these waits are meant to end well. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  const outcome = await settleOutcome(promise);
  if ('error' in outcome) throw outcome.error;
  return outcome.value as T;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progress-aware scheduling in the poller', () => {
  it('running with progress → succeeded: few polls, and the end is seen within 10 % of the duration', async () => {
    const durationMs = 120_000;
    const { adapter, polls } = task(durationMs, linear(durationMs));
    const done = await settle(waitForTask(adapter, 'job-1'));
    expect(done.state).toBe('succeeded');
    const seenAt = polls[polls.length - 1] as number;
    expect(seenAt).toBeGreaterThanOrEqual(durationMs);
    expect(seenAt - durationMs).toBeLessThanOrEqual(0.1 * durationMs);
    expect(polls.length).toBeLessThanOrEqual(7);
  });

  it('the same task without progress takes the plain schedule, with more polls', async () => {
    const durationMs = 120_000;
    const withProgress = task(durationMs, linear(durationMs));
    await settle(waitForTask(withProgress.adapter, 'job-1'));
    vi.setSystemTime(0);
    const without = task(durationMs);
    await settle(waitForTask(without.adapter, 'job-2'));
    expect(without.polls.length).toBeGreaterThan(withProgress.polls.length + 5);
    // The plain schedule: first poll immediate, then initialDelayMs + (factor − 1) × elapsed, jittered.
    const policy = {
      initialDelayMs: WAIT_DEFAULTS.initialDelayMs,
      maxDelayMs: WAIT_DEFAULTS.maxDelayMs,
      factor: WAIT_DEFAULTS.factor,
      jitter: WAIT_DEFAULTS.jitter,
    };
    expect(without.polls.slice(0, 3)).toEqual([
      0,
      scheduleDelay(policy, { pollsDone: 1, elapsedMs: 0, random: 0.5 }),
      (without.polls[1] as number) +
        scheduleDelay(policy, { pollsDone: 2, elapsedMs: without.polls[1] as number, random: 0.5 }),
    ]);
  });

  it('progressAware: false ignores progress', async () => {
    const durationMs = 120_000;
    const off = task(durationMs, linear(durationMs));
    await settle(waitForTask(off.adapter, 'job-1', { progressAware: false }));
    vi.setSystemTime(0);
    const none = task(durationMs);
    await settle(waitForTask(none.adapter, 'job-2'));
    expect(off.polls).toEqual(none.polls);
  });

  it('progress stuck at 0 (queued) → warms up by doubling, then aims once progress shows', async () => {
    const durationMs = 200_000;
    const startsAt = 30_000;
    const { adapter, polls } = task(durationMs, (t) =>
      t < startsAt ? 0 : Math.floor((100 * (t - startsAt)) / (durationMs - startsAt)),
    );
    await settle(waitForTask(adapter, 'job-1', { jitter: 0 }));
    // 0, 1.5 s, then each delay = 1.5 s + elapsed while progress is 0.
    expect(polls.slice(0, 4)).toEqual([0, 1500, 4500, 10_500]);
    const seenAt = polls[polls.length - 1] as number;
    expect(seenAt - durationMs).toBeLessThanOrEqual(0.1 * durationMs);
  });

  it('progress stalls → falls back to the schedule', async () => {
    const durationMs = 400_000;
    const stallFrom = 20_000;
    const { adapter, polls } = task(durationMs, (t) => (t < stallFrom ? Math.floor(t / 400) : 50));
    const statuses: number[] = [];
    await settle(
      (async () => {
        for await (const status of pollTask(adapter, 'job-1', { jitter: 0 })) statuses.push(status.progress ?? -1);
      })(),
    );
    const policy = {
      initialDelayMs: WAIT_DEFAULTS.initialDelayMs,
      maxDelayMs: WAIT_DEFAULTS.maxDelayMs,
      factor: WAIT_DEFAULTS.factor,
      jitter: 0,
    };
    // Find the third consecutive 50: from there on, delays are the plain schedule's.
    const third = statuses.findIndex((p, i) => p === 50 && statuses[i - 1] === 50 && statuses[i - 2] === 50);
    expect(third).toBeGreaterThan(0);
    const at = polls[third] as number;
    expect((polls[third + 1] as number) - at).toBe(
      scheduleDelay(policy, { pollsDone: third + 1, elapsedMs: at, random: 0 }),
    );
  });

  it("the server's pollAfterMs still wins over the progress estimate", async () => {
    const polls: number[] = [];
    const adapter = defineAdapter({
      provider: 'test.progress',
      async getStatus() {
        polls.push(Date.now());
        if (Date.now() >= 60_000) return { state: 'succeeded', providerState: 'done' };
        return {
          state: 'running',
          providerState: 'running',
          progress: Math.floor(Date.now() / 600),
          pollAfterMs: 7000,
        };
      },
    });
    await settle(waitForTask(adapter, 'job-1'));
    expect(polls.slice(0, 4)).toEqual([0, 7000, 14_000, 21_000]);
  });

  it('the deadline still places the last poll', async () => {
    const { adapter, polls } = task(10 * 60_000, (t) => Math.floor(t / 6000));
    await expect(settle(waitForTask(adapter, 'job-1', { timeoutMs: 100_000 }))).rejects.toMatchObject({
      code: expect.any(String),
    });
    const last = polls[polls.length - 1] as number;
    expect(last).toBeLessThanOrEqual(100_000);
    expect(last).toBeGreaterThanOrEqual(99_000);
  });
});
