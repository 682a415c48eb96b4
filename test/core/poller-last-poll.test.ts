import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskTimeoutError, defineAdapter, waitForTask } from '../../src/index.js';
import { settle } from '../helpers/fake-timers.js';

/**
 * The last poll before the deadline is placed from the latency this wait observed, so that on a slow
 * provider it is answered before the deadline instead of being cut by it.
 */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A provider that answers every poll `latencyMs` after it is sent; the task is done from `doneAt` on. */
function slowProvider(latencyMs: number, doneAt: number) {
  const polls: { sentAt: number; signal: AbortSignal }[] = [];
  const adapter = defineAdapter({
    provider: 'test.slow',
    async getStatus(_id: string, { signal }) {
      polls.push({ sentAt: Date.now(), signal });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, latencyMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
      return Date.now() >= doneAt
        ? { state: 'succeeded' as const, providerState: 'done' }
        : { state: 'running' as const, providerState: 'busy' };
    },
  });
  return { adapter, polls };
}

const schedule = { jitter: 0, initialDelayMs: 1000, maxDelayMs: 8000, factor: 2, progressAware: false } as const;

describe('the last poll on a slow provider', () => {
  it('an 800 ms provider: the last poll is sent early enough to answer before the deadline, and its answer counts', async () => {
    // Polls answer at 800, 3400 and 8600; the task is done at 9000, the deadline is at 10 000.
    const { adapter, polls } = slowProvider(800, 9000);
    const { value, error } = await settle(waitForTask(adapter, 'job', { ...schedule, timeoutMs: 10_000 }));
    expect(error).toBeUndefined();
    expect(value?.state).toBe('succeeded');
    expect(polls.some((poll) => poll.signal.aborted)).toBe(false);
  });

  it('when no poll can answer before the deadline any more, none is sent: the wait ends at once', async () => {
    const { adapter, polls } = slowProvider(3000, Number.POSITIVE_INFINITY);
    const { error } = await settle(waitForTask(adapter, 'job', { ...schedule, timeoutMs: 5000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(polls).toHaveLength(1);
    expect((error as TaskTimeoutError).attempts).toBe(1);
    expect((error as TaskTimeoutError).lastStatus?.state).toBe('running');
  });
});
