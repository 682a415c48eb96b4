import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError, ProviderError, defineAdapter, waitForTask } from '../../src/index.js';

describe('poll retries (the first attempt runs outside p-retry)', () => {
  afterEach(() => vi.useRealTimers());

  it('transient failures are retried after minDelayMs × 2^(n−1), then the poll goes on', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date', 'performance'],
    });
    const start = Date.now();
    const at: number[] = [];
    const adapter = defineAdapter({
      provider: 'bench.local',
      async getStatus() {
        at.push(Date.now() - start);
        if (at.length <= 3) throw new NetworkError('flaky', { transient: true });
        return { state: 'succeeded', providerState: 'done' };
      },
    });
    const wait = waitForTask(adapter, 'task', { jitter: 0, retry: { retries: 3, minDelayMs: 100 } });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(wait).resolves.toMatchObject({ state: 'succeeded' });
    expect(at).toEqual([0, 100, 300, 700]);
  });

  it('retries: 2 means three attempts; a non-transient failure is not retried', async () => {
    let attempts = 0;
    const flaky = defineAdapter({
      provider: 'bench.local',
      async getStatus(): Promise<never> {
        attempts += 1;
        throw new NetworkError('down', { transient: true });
      },
    });
    await expect(waitForTask(flaky, 'task', { retry: { retries: 2, minDelayMs: 0 } })).rejects.toBeInstanceOf(
      NetworkError,
    );
    expect(attempts).toBe(3);
    attempts = 0;
    const refused = defineAdapter({
      provider: 'bench.local',
      async getStatus(): Promise<never> {
        attempts += 1;
        throw new ProviderError('bad request', { providerCode: 'BadRequest', transient: false });
      },
    });
    await expect(waitForTask(refused, 'task', { retry: { retries: 2, minDelayMs: 0 } })).rejects.toBeInstanceOf(
      ProviderError,
    );
    expect(attempts).toBe(1);
  });
});
