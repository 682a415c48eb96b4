import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AdapterError,
  HttpError,
  TaskTimeoutError,
  defineAdapter,
  pollTask,
  waitForTask,
  type TaskAdapter,
  type TaskState,
  type TaskStatus,
} from '../../src/index.js';
import { settle } from '../helpers/fake-timers.js';

/** The edges of the adapter contract the poller checks instead of trusting. */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A hand-written adapter (no defineAdapter) that returns `status` as is, and counts its polls. */
function handWritten<T>(
  status: Omit<TaskStatus<T>, 'provider' | 'taskId' | 'raw'>,
  extra: { resultRequired?: boolean } = {},
) {
  let polls = 0;
  const adapter: TaskAdapter<string, T> = {
    provider: 'test.hand',
    taskId: (ref) => ref,
    async getStatus(ref) {
      polls += 1;
      return { provider: 'test.hand', taskId: ref, raw: null, ...status };
    },
    ...extra,
  };
  return { adapter, polls: () => polls };
}

describe('terminal must agree with state', () => {
  const cases: [string, TaskState | string, boolean][] = [
    ['a running status that says terminal', 'running', true],
    ['a succeeded status that says not terminal', 'succeeded', false],
    ['a failed status that says not terminal', 'failed', false],
    ['a state outside the union', 'done', true],
  ];
  it.each(cases)('%s: AdapterError at once, not a wrong ending', async (_name, state, terminal) => {
    const { adapter, polls } = handWritten({ state: state as TaskState, terminal, providerState: String(state) });
    const { error } = await settle(waitForTask(adapter, 't-1', { timeoutMs: 60_000 }));
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).taskId).toBe('t-1');
    expect((error as Error).message).toContain('test.hand: getStatus returned');
    expect((error as Error).message).toContain(`"${state}"`);
    expect(polls()).toBe(1);
  });

  it('pollTask checks it too', async () => {
    const { adapter } = handWritten({ state: 'queued', terminal: true, providerState: 'queued' });
    const iterator = pollTask(adapter, 't-1');
    await expect(iterator.next()).rejects.toBeInstanceOf(AdapterError);
  });
});

describe('succeeded without a result', () => {
  it('an adapter with a result type (resultRequired) that reports succeeded without result: AdapterError', async () => {
    const adapter = defineAdapter<string, { url: string }>({
      provider: 'acme.export',
      resultRequired: true,
      async getStatus() {
        return { state: 'succeeded', providerState: 'done' };
      },
    });
    const { value, error } = await settle(waitForTask(adapter, 'e-1'));
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toBe(
      'acme.export: getStatus returned state "succeeded" without a result (the adapter sets resultRequired)',
    );
  });

  it('the same for a hand-written adapter that sets resultRequired', async () => {
    const { adapter } = handWritten<{ url: string }>(
      { state: 'succeeded', terminal: true, providerState: 'done' },
      { resultRequired: true },
    );
    const { error } = await settle(waitForTask(adapter, 'e-1'));
    expect(error).toBeInstanceOf(AdapterError);
  });

  it('with its result it resolves', async () => {
    const adapter = defineAdapter<string, { url: string }>({
      provider: 'acme.export',
      resultRequired: true,
      async getStatus() {
        return { state: 'succeeded', providerState: 'done', result: { url: 'https://x/e-1' } };
      },
    });
    const { value } = await settle(waitForTask(adapter, 'e-1'));
    expect(value?.result).toEqual({ url: 'https://x/e-1' });
  });

  it('an adapter with no result (resultRequired left out) still resolves succeeded without one', async () => {
    const adapter = defineAdapter({
      provider: 'acme.cleanup',
      async getStatus() {
        return { state: 'succeeded' as const, providerState: 'done' };
      },
    });
    const { value } = await settle(waitForTask(adapter, 'c-1'));
    expect(value?.state).toBe('succeeded');
    expect(value !== undefined && 'result' in value).toBe(false);
  });

  it('resultRequired must be a boolean', () => {
    expect(() =>
      defineAdapter({
        provider: 'p',
        resultRequired: 'yes' as never,
        getStatus: async () => ({ state: 'running', providerState: 'r' }),
      }),
    ).toThrow(/resultRequired must be a boolean/);
  });
});

describe('a retry delay past the deadline ends the wait at once', () => {
  const refused = (retryAfterMs?: number) =>
    new HttpError('HTTP 429', {
      httpStatus: 429,
      transient: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });

  it('Retry-After beyond the deadline on the first failure: TaskTimeoutError now, its cause the refusal', async () => {
    const seen: number[] = [];
    const adapter = defineAdapter({
      provider: 'test.limited',
      async getStatus() {
        seen.push(Date.now());
        throw refused(60_000);
      },
    });
    const { error } = await settle(waitForTask(adapter, 't', { timeoutMs: 10_000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    const timeout = error as TaskTimeoutError;
    expect(timeout.cause).toBeInstanceOf(HttpError);
    expect((timeout.cause as HttpError).retryAfterMs).toBe(60_000);
    expect(timeout.elapsedMs).toBeLessThan(10_000);
    expect(seen).toEqual([0]);
  });

  it('a later retry whose Retry-After passes the deadline ends it too', async () => {
    const seen: number[] = [];
    const adapter = defineAdapter({
      provider: 'test.limited',
      async getStatus() {
        seen.push(Date.now());
        throw refused(seen.length === 1 ? undefined : 60_000);
      },
    });
    const { error } = await settle(
      waitForTask(adapter, 't', { timeoutMs: 10_000, retry: { minDelayMs: 100 }, jitter: 0 }),
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).elapsedMs).toBeLessThan(10_000);
    expect(seen).toEqual([0, 100]);
  });

  it('a Retry-After that fits is still honoured', async () => {
    let calls = 0;
    const adapter = defineAdapter({
      provider: 'test.limited',
      async getStatus() {
        calls += 1;
        if (calls === 1) throw refused(3000);
        return { state: 'succeeded' as const, providerState: 'ok' };
      },
    });
    const { value } = await settle(waitForTask(adapter, 't', { timeoutMs: 10_000 }));
    expect(value?.state).toBe('succeeded');
  });
});

describe('a hand-written adapter (no defineAdapter) asking for an unusable pollAfterMs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([Number.NaN, -1000, '5000'])(
    'pollAfterMs %o is an AdapterError, as defineAdapter reports it, not a poll loop with no delay',
    async (pollAfterMs) => {
      let polls = 0;
      const adapter: TaskAdapter<string, unknown> = {
        provider: 'hand.written',
        taskId: (ref) => ref,
        async getStatus(ref) {
          polls += 1;
          return {
            provider: 'hand.written',
            taskId: ref,
            state: 'running',
            terminal: false,
            providerState: 'r',
            raw: {},
            pollAfterMs,
          } as unknown as TaskStatus;
        },
      };
      const outcome = waitForTask(adapter, 't', { timeoutMs: Number.POSITIVE_INFINITY }).catch(
        (error: unknown) => error,
      );
      await vi.advanceTimersByTimeAsync(1000);
      expect(polls).toBe(1);
      const error = await outcome;
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as Error).message).toContain('pollAfterMs');
    },
  );
});
