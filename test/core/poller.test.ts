import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  AdapterError,
  AuthenticationError,
  CallbackError,
  HttpError,
  NetworkError,
  ProviderError,
  ResponseValidationError,
  TaskAbortedError,
  TaskFailedError,
  TaskNotFoundError,
  TaskTimeoutError,
  defineAdapter,
  pollTask,
  waitForTask,
  type CompletedTask,
  type ProgressInfo,
  type TaskStatus,
} from '../../src/index.js';
import { scripted } from '../helpers/scripted.js';
import { settle } from '../helpers/fake-timers.js';

const noJitter = { jitter: 0, initialDelayMs: 1000, maxDelayMs: 8000, factor: 2 } as const;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('waitForTask outcomes (one test per row of the outcome table)', () => {
  it('queued → running → succeeded: resolves with the typed result; first poll immediate, then backoff', async () => {
    const { adapter, calls } = scripted<{ rows: number }>([
      { state: 'queued' },
      { state: 'running', progress: 40 },
      { state: 'running', progress: 80 },
      { state: 'succeeded', result: { rows: 3 } },
    ]);
    const { value } = await settle(waitForTask(adapter, 't-1', { ...noJitter, progressAware: false }));
    expect(value?.state).toBe('succeeded');
    expect(value?.result).toEqual({ rows: 3 });
    expect(value?.taskId).toBe('t-1');
    expect(value?.provider).toBe('test.scripted');
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 3000, 7000]);
  });

  it('the result type flows from the adapter to the resolved value without casts', () => {
    const adapter = defineAdapter({
      provider: 'types',
      async getStatus() {
        return { state: 'succeeded' as const, providerState: 'done', result: { url: 'x' } };
      },
    });
    expectTypeOf(waitForTask(adapter, 'a')).resolves.toMatchTypeOf<CompletedTask<{ url: string }>>();
  });

  it('running → failed: TaskFailedError with the last status as data', async () => {
    const { adapter } = scripted([
      { state: 'running' },
      { state: 'failed', providerState: 'FAILED', message: 'disk full' },
    ]);
    const { error } = await settle(waitForTask(adapter, 't', noJitter));
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.status.state).toBe('failed');
    expect(failed.status.providerState).toBe('FAILED');
    expect(failed.message).toContain('disk full');
    expect(failed.code).toBe('TASK_FAILED');
    expect(failed.taskId).toBe('t');
  });

  it('cancelled: TaskFailedError', async () => {
    const { adapter } = scripted([{ state: 'cancelled', providerState: '4' }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect((error as TaskFailedError).status.state).toBe('cancelled');
  });

  it('partial is a failure unless acceptPartial', async () => {
    const { adapter } = scripted([{ state: 'partial', providerState: 'partiallyFailed', result: 'some' }]);
    const rejected = await settle(waitForTask(adapter, 't'));
    expect(rejected.error).toBeInstanceOf(TaskFailedError);
    const accepted = await settle(waitForTask(adapter, 't', { acceptPartial: true }));
    expect(accepted.value?.state).toBe('partial');
    expect(accepted.value?.result).toBe('some');
  });

  it('deadline passed: TaskTimeoutError with lastStatus, attempts, elapsedMs; last poll placed before the deadline', async () => {
    const { adapter, calls } = scripted([{ state: 'running', progress: 10 }]);
    const { error } = await settle(waitForTask(adapter, 't', { ...noJitter, timeoutMs: 10_000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    const timeout = error as TaskTimeoutError;
    expect(timeout.lastStatus?.progress).toBe(10);
    expect(timeout.attempts).toBe(calls.length);
    expect(timeout.elapsedMs).toBeLessThanOrEqual(10_000);
    expect(timeout.timeoutMs).toBe(10_000);
    // 0, 1000, 3000, 7000, then 15000 would cross the deadline: the last poll lands at 9500.
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 3000, 7000, 9500]);
  });

  it('deadline passes while a request hangs: the request is aborted and TaskTimeoutError thrown at the deadline', async () => {
    const { adapter, calls } = scripted([{ state: 'running' }, { hang: true }]);
    const { error } = await settle(
      waitForTask(adapter, 't', { ...noJitter, timeoutMs: 5000, requestTimeoutMs: 60_000 }),
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).elapsedMs).toBe(5000);
    expect(calls[1]?.signal.aborted).toBe(true);
  });

  it('caller aborted: TaskAbortedError with cause = signal.reason, no request after the abort', async () => {
    const controller = new AbortController();
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const promise = settle(waitForTask(adapter, 't', { ...noJitter, signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1500);
    const reason = new Error('shutting down');
    controller.abort(reason);
    const { error } = await promise;
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).cause).toBe(reason);
    expect((error as TaskAbortedError).attempts).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('already-aborted signal: rejects without a request', async () => {
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const { error } = await settle(waitForTask(adapter, 't', { signal: AbortSignal.abort('no') }));
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).cause).toBe('no');
    expect(calls).toHaveLength(0);
  });

  it('abort during a hung request aborts that request at once', async () => {
    const controller = new AbortController();
    const { adapter, calls } = scripted([{ hang: true }]);
    const promise = settle(waitForTask(adapter, 't', { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const { error } = await promise;
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('task does not exist: TaskNotFoundError at once, no retry', async () => {
    const { adapter, calls } = scripted([{ throws: new TaskNotFoundError('gone') }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).taskId).toBe('t');
    expect((error as TaskNotFoundError).provider).toBe('test.scripted');
    expect(calls).toHaveLength(1);
  });

  it('credentials refused: AuthenticationError at once, no retry', async () => {
    const { adapter, calls } = scripted([{ throws: new AuthenticationError('bad key', { httpStatus: 403 }) }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(calls).toHaveLength(1);
  });

  it('provider said no: ProviderError with providerCode and httpStatus, no retry', async () => {
    const { adapter, calls } = scripted([
      { throws: new ProviderError('bad path', { providerCode: 'DLF.0803', httpStatus: 400 }) },
    ]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', providerCode: 'DLF.0803', httpStatus: 400 });
    expect(calls).toHaveLength(1);
  });

  it('body does not match: ResponseValidationError with issues, no retry', async () => {
    const issues = [{ path: ['content', 'taskStatus'], message: 'expected string' }];
    const { adapter, calls } = scripted([{ throws: new ResponseValidationError('bad body', { issues }) }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect((error as ResponseValidationError).issues).toEqual(issues);
    expect(calls).toHaveLength(1);
  });

  it('transport still failing after retries: NetworkError after 1 + retries attempts', async () => {
    const { adapter, calls } = scripted([{ throws: new NetworkError('reset', { errno: 'ECONNRESET' }) }]);
    const { error } = await settle(waitForTask(adapter, 't', { retry: { retries: 3 } }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(calls).toHaveLength(4);
  });

  it('HTTP 503 then fine: retried inside the same poll, the wait goes on', async () => {
    const { adapter, calls } = scripted([
      { throws: new HttpError('503', { httpStatus: 503, transient: true }) },
      { state: 'succeeded', result: 1 },
    ]);
    const { value } = await settle(waitForTask(adapter, 't', { ...noJitter, retry: { minDelayMs: 200 } }));
    expect(value?.result).toBe(1);
    expect(calls.map((c) => c.at)).toEqual([0, 200]);
  });

  it('HttpError that is not transient (e.g. 400) ends the wait at once', async () => {
    const { adapter, calls } = scripted([{ throws: new HttpError('400', { httpStatus: 400 }) }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toBeInstanceOf(HttpError);
    expect(calls).toHaveLength(1);
  });

  it('429 with Retry-After: the retry waits at least what the server asked', async () => {
    const { adapter, calls } = scripted([
      { throws: new HttpError('429', { httpStatus: 429, transient: true, retryAfterMs: 7000 }) },
      { state: 'succeeded' },
    ]);
    await settle(waitForTask(adapter, 't', noJitter));
    expect(calls.map((c) => c.at)).toEqual([0, 7000]);
  });

  it('retry: false fails on the first transient error', async () => {
    const { adapter, calls } = scripted([{ throws: new NetworkError('reset') }]);
    const { error } = await settle(waitForTask(adapter, 't', { retry: false }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(calls).toHaveLength(1);
  });

  it('a request that passes requestTimeoutMs is a transient NetworkError (timedOut) and is retried', async () => {
    const { adapter, calls } = scripted([{ hang: true }, { state: 'succeeded', result: 'ok' }]);
    const { value } = await settle(
      waitForTask(adapter, 't', { ...noJitter, requestTimeoutMs: 2000, retry: { minDelayMs: 0 } }),
    );
    expect(value?.result).toBe('ok');
    expect(calls.map((c) => c.at)).toEqual([0, 2000]);
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('request timeouts until the deadline: TaskTimeoutError whose cause is the last NetworkError', async () => {
    const { adapter } = scripted([{ hang: true }]);
    const { error } = await settle(
      waitForTask(adapter, 't', { timeoutMs: 4000, requestTimeoutMs: 1000, retry: { retries: 100, minDelayMs: 0 } }),
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).cause).toBeInstanceOf(NetworkError);
    expect(((error as TaskTimeoutError).cause as NetworkError).timedOut).toBe(true);
  });

  it('an adapter that throws something that is not a TaskPollError: AdapterError with cause, not retried', async () => {
    const boom = new RangeError('bug in adapter');
    const { adapter, calls } = scripted([{ throws: boom }]);
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).cause).toBe(boom);
    expect(calls).toHaveLength(1);
  });

  it('an adapter that reports a state outside the union: AdapterError (never a guess)', async () => {
    const adapter = defineAdapter({
      provider: 'liar',
      async getStatus() {
        return { state: 'done' as never, providerState: 'done' };
      },
    });
    const { error } = await settle(waitForTask(adapter, 't'));
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toContain('not a TaskState');
  });

  it('an unknown provider word keeps polling (unknown is not terminal)', async () => {
    const { adapter, calls } = scripted([{ state: 'unknown', providerState: 'weird' }, { state: 'succeeded' }]);
    const { value } = await settle(waitForTask(adapter, 't', noJitter));
    expect(value?.state).toBe('succeeded');
    expect(calls).toHaveLength(2);
  });

  it('pollAfterMs (server pacing) takes precedence over the schedule', async () => {
    const { adapter, calls } = scripted([{ state: 'running', pollAfterMs: 250 }, { state: 'succeeded' }]);
    await settle(waitForTask(adapter, 't', noJitter));
    expect(calls.map((c) => c.at)).toEqual([0, 250]);
  });
});

describe('onProgress', () => {
  it('is called after every status with attempt, elapsedMs, queuedMs and nextDelayMs', async () => {
    const { adapter } = scripted([{ state: 'queued' }, { state: 'running' }, { state: 'succeeded' }]);
    const seen: [string, ProgressInfo][] = [];
    await settle(waitForTask(adapter, 't', { ...noJitter, onProgress: (s, info) => void seen.push([s.state, info]) }));
    expect(seen).toEqual([
      ['queued', { attempt: 1, elapsedMs: 0, queuedMs: 0, nextDelayMs: 1000 }],
      ['running', { attempt: 2, elapsedMs: 1000, queuedMs: 0, nextDelayMs: 2000 }],
      ['succeeded', { attempt: 3, elapsedMs: 3000, queuedMs: 0, nextDelayMs: undefined }],
    ]);
  });

  it('a throwing callback ends the wait with CallbackError (cause = what it threw), no further poll', async () => {
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const oops = new Error('oops');
    const { error } = await settle(
      waitForTask(adapter, 't', {
        onProgress: () => {
          throw oops;
        },
      }),
    );
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).cause).toBe(oops);
    expect(calls).toHaveLength(1);
  });

  it('an async callback is awaited, and its rejection ends the wait too', async () => {
    const { adapter } = scripted([{ state: 'running' }]);
    const { error } = await settle(
      waitForTask(adapter, 't', { onProgress: async () => Promise.reject(new Error('x')) }),
    );
    expect(error).toBeInstanceOf(CallbackError);
  });
});

describe('pollTask', () => {
  it('yields every observed status and returns after the terminal one (failed is yielded, not thrown)', async () => {
    const { adapter } = scripted([{ state: 'queued' }, { state: 'running' }, { state: 'failed' }]);
    const seen: string[] = [];
    const run = (async () => {
      for await (const status of pollTask(adapter, 't', noJitter)) seen.push(status.state);
    })();
    await settle(run);
    expect(seen).toEqual(['queued', 'running', 'failed']);
  });

  it('breaking out of for-await stops polling with nothing left pending', async () => {
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const before = vi.getTimerCount();
    for await (const status of pollTask(adapter, 't', noJitter)) {
      expect(status.state).toBe('running');
      break;
    }
    expect(vi.getTimerCount()).toBe(before);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  it('validates options eagerly: a bad option throws from the call, before any request', () => {
    const { adapter, calls } = scripted([{ state: 'running' }]);
    expect(() => pollTask(adapter, 't', { timeoutMs: -1 })).toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

describe('cancelOnAbort', () => {
  it('on abort, asks the adapter to cancel the task and reports the outcome', async () => {
    const cancel = vi.fn(async () => undefined);
    const { adapter } = scripted([{ state: 'running' }], { cancel });
    const controller = new AbortController();
    const promise = settle(waitForTask(adapter, 't', { signal: controller.signal, cancelOnAbort: true }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const { error } = await promise;
    expect(cancel).toHaveBeenCalledOnce();
    expect((error as TaskAbortedError).remoteCancel).toEqual({ ok: true });
  });

  it('on timeout too; a cancel that hangs is bounded by cancelTimeoutMs', async () => {
    const cancel = vi.fn(() => new Promise<void>(() => undefined));
    const { adapter } = scripted([{ state: 'running' }], { cancel });
    const { error } = await settle(
      waitForTask(adapter, 't', { timeoutMs: 3000, cancelOnAbort: true, cancelTimeoutMs: 1000 }),
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    const remote = (error as TaskTimeoutError).remoteCancel;
    expect(remote?.ok).toBe(false);
    expect(remote?.error).toBeInstanceOf(NetworkError);
  });

  it('is off by default', async () => {
    const cancel = vi.fn(async () => undefined);
    const { adapter } = scripted([{ state: 'running' }], { cancel });
    await settle(waitForTask(adapter, 't', { signal: AbortSignal.abort() }));
    expect(cancel).not.toHaveBeenCalled();
  });
});

describe('option validation names the option and the value', () => {
  const { adapter } = scripted([{ state: 'succeeded' }]);
  const cases: [string, unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, RegExp][] = [
    ['timeoutMs', 0, RangeError, /timeoutMs/],
    ['timeoutMs', 'soon', TypeError, /timeoutMs.*got "soon"/],
    ['timeoutMs', Number.NaN, TypeError, /timeoutMs/],
    ['timeoutMs', 2 ** 40, RangeError, /timeoutMs/],
    ['initialDelayMs', -5, RangeError, /initialDelayMs.*-5/],
    ['maxDelayMs', 10, RangeError, /maxDelayMs/],
    ['factor', 0.5, RangeError, /factor.*0\.5/],
    ['jitter', 2, RangeError, /jitter.*2/],
    ['requestTimeoutMs', Number.POSITIVE_INFINITY, RangeError, /requestTimeoutMs/],
    ['retry', 3, TypeError, /retry/],
    ['retry', { retries: 1.5 }, RangeError, /retry\.retries/],
    ['retry', { tries: 1 }, TypeError, /Unknown retry option "tries"/],
    ['signal', {}, TypeError, /signal must be an AbortSignal/],
    ['onProgress', 'log', TypeError, /onProgress must be a function/],
    ['acceptPartial', 'yes', TypeError, /acceptPartial must be a boolean/],
    ['timeout', 1000, TypeError, /Unknown wait option "timeout"/],
  ];
  it.each(cases)('%s = %o', async (name, value, type, pattern) => {
    const promise = waitForTask(adapter, 't', { [name]: value } as never);
    await expect(promise).rejects.toThrow(type);
    await expect(promise).rejects.toThrow(pattern);
  });

  it('Infinity is a valid timeoutMs', async () => {
    const { value } = await settle(waitForTask(adapter, 't', { timeoutMs: Number.POSITIVE_INFINITY }));
    expect(value?.state).toBe('succeeded');
  });

  it('a bad ref is a TypeError before any request', async () => {
    const { adapter: a, calls } = scripted([{ state: 'succeeded' }]);
    await expect(waitForTask(a, '' as string)).rejects.toThrow(TypeError);
    await expect(waitForTask(a, 42 as unknown as string)).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(0);
  });

  it('a non-adapter is a TypeError', async () => {
    await expect(waitForTask({} as never, 't')).rejects.toThrow(/getStatus/);
  });
});

describe('nothing is left behind', () => {
  const endings: [string, () => { promise: Promise<unknown>; after?: () => void }][] = [
    [
      'success',
      () => ({ promise: waitForTask(scripted([{ state: 'running' }, { state: 'succeeded' }]).adapter, 't') }),
    ],
    ['failure', () => ({ promise: waitForTask(scripted([{ state: 'failed' }]).adapter, 't') })],
    ['timeout', () => ({ promise: waitForTask(scripted([{ state: 'running' }]).adapter, 't', { timeoutMs: 5000 }) })],
    [
      'hung request timeout',
      () => ({ promise: waitForTask(scripted([{ hang: true }]).adapter, 't', { timeoutMs: 5000 }) }),
    ],
    ['error', () => ({ promise: waitForTask(scripted([{ throws: new TaskNotFoundError('x') }]).adapter, 't') })],
  ];
  it.each(endings)('after %s: no timer and no abort listener of ours', async (_name, start) => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const { promise } = start();
    await settle(promise);
    expect(vi.getTimerCount()).toBe(0);
    // With a caller signal: every listener added to it is removed again.
    const { adapter } = scripted([{ state: 'running' }, { state: 'succeeded' }]);
    await settle(waitForTask(adapter, 't', { signal: controller.signal }));
    expect(added.mock.calls.length).toBeGreaterThan(0);
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after an abort: no timer, the caller signal has no listener of ours left', async () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const promise = settle(waitForTask(scripted([{ state: 'running' }]).adapter, 't', { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(2500);
    controller.abort();
    await promise;
    expect(vi.getTimerCount()).toBe(0);
    // Listeners registered with { once: true } are dropped by the abort itself; the rest are removed.
    const onceAdded = added.mock.calls.filter((c) => (c[2] as { once?: boolean } | undefined)?.once).length;
    expect(removed.mock.calls.length).toBeGreaterThanOrEqual(added.mock.calls.length - onceAdded);
  });
});

describe('statuses', () => {
  it('terminal is derived from the state, and only present optional fields are set', async () => {
    const { adapter } = scripted([{ state: 'running', progress: 5 }]);
    const iterator = pollTask(adapter, 'x');
    const first = (await iterator.next()).value as TaskStatus;
    await iterator.return?.(undefined);
    expect(first).toMatchObject({ state: 'running', terminal: false, progress: 5, providerState: 'running' });
    expect('result' in first).toBe(false);
  });
});
