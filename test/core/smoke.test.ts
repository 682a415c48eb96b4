import { describe, expect, it, vi } from 'vitest';
import { defineAdapter, waitForTask, TaskTimeoutError, TaskFailedError } from '../../src/index.js';

describe('smoke', () => {
  it('waits for a scripted adapter', async () => {
    vi.useFakeTimers();
    const states = ['queued', 'running', 'succeeded'] as const;
    let i = 0;
    const adapter = defineAdapter({
      provider: 'test',
      async getStatus() {
        const state = states[Math.min(i++, 2)]!;
        return { state, providerState: state, ...(state === 'succeeded' ? { result: 42 } : {}) };
      },
    });
    const p = waitForTask(adapter, 'a');
    await vi.runAllTimersAsync();
    const done = await p;
    expect(done.result).toBe(42);
    vi.useRealTimers();
  });
  it('times out', async () => {
    vi.useFakeTimers();
    const adapter = defineAdapter({ provider: 't', async getStatus() { return { state: 'running' as const, providerState: 'r' }; } });
    const p = waitForTask(adapter, 'a', { timeoutMs: 10_000 });
    const e = expect(p).rejects.toBeInstanceOf(TaskTimeoutError);
    await vi.runAllTimersAsync();
    await e;
    vi.useRealTimers();
  });
  it('fails', async () => {
    const adapter = defineAdapter({ provider: 't', async getStatus() { return { state: 'failed' as const, providerState: 'x' }; } });
    await expect(waitForTask(adapter, 'a')).rejects.toBeInstanceOf(TaskFailedError);
  });
});
