import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { TaskAbortedError, TaskTimeoutError, defineAdapter, waitForTask, isTaskPollError } from '../../src/index.js';
import { createHttpClient } from '../../src/internal/http/client.js';
import { scripted } from '../helpers/scripted.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('abort at every point (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('abort right as the terminal status arrives: the abort wins, consistently, and nothing more is sent', async () => {
    const controller = new AbortController();
    let calls = 0;
    const adapter = defineAdapter({
      provider: 'race',
      async getStatus() {
        calls += 1;
        controller.abort(new Error('stop'));
        return { state: 'succeeded' as const, providerState: 'ok' };
      },
    });
    const outcome = waitForTask(adapter, 't', { signal: controller.signal }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = await outcome;
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(calls).toBe(1);
  });

  it('abort in the microtask after the terminal status was delivered: the wait has already succeeded', async () => {
    const controller = new AbortController();
    const { adapter } = scripted([{ state: 'succeeded', result: 1 }]);
    const done = waitForTask(adapter, 't', { signal: controller.signal });
    const value = await done;
    controller.abort();
    expect(value.result).toBe(1);
  });

  it('abort inside onProgress: TaskAbortedError, no further poll', async () => {
    const controller = new AbortController();
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const outcome = waitForTask(adapter, 't', {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(TaskAbortedError);
    expect(calls).toHaveLength(1);
  });

  it('200 waits on one adapter aborted together: all TaskAbortedError, no poll after the abort, no timer left', async () => {
    const controller = new AbortController();
    const { adapter, calls } = scripted([{ state: 'running' }]);
    const waits = Array.from({ length: 200 }, (_, i) =>
      waitForTask(adapter, `t${i}`, { signal: controller.signal }).catch((e: unknown) => e),
    );
    await vi.advanceTimersByTimeAsync(5000);
    const before = calls.length;
    controller.abort();
    const errors = await Promise.all(waits);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors.every((e) => e instanceof TaskAbortedError)).toBe(true);
    expect(calls.length).toBe(before);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hung requests whose next retry would sleep past the deadline: TaskTimeoutError at once, not idling until the deadline', async () => {
    const { adapter } = scripted([{ hang: true }]);
    const outcome = waitForTask(adapter, 't', { timeoutMs: 2500, requestTimeoutMs: 1000 }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = (await outcome) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.elapsedMs).toBeLessThan(2500);
    expect(error.cause).toMatchObject({ name: 'NetworkError', timedOut: true });
  });
});

describe('abort against real HTTP on loopback: the server sees nothing after the abort', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('waits queued in the pacer are dropped on abort: no request reaches the server after it', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"state":"running"}');
    });
    const http = createHttpClient({
      provider: 'race.http',
      baseURL: server.url,
      pacing: { requestsPerInterval: 5, intervalMs: 60_000 },
    });
    const adapter = defineAdapter({
      provider: 'race.http',
      async getStatus(id: string, { signal }) {
        const { body } = await http.requestJson(
          { method: 'GET', path: `/t/${id}`, signal },
          z.object({ state: z.literal('running') }),
        );
        return { state: body.state, providerState: body.state };
      },
    });
    const controller = new AbortController();
    const waits = Array.from({ length: 20 }, (_, i) =>
      waitForTask(adapter, `t${i}`, { signal: controller.signal }).catch((e: unknown) => e),
    );
    await vi.waitFor(() => expect(server.requests.length).toBe(5));
    controller.abort();
    const errors = await Promise.all(waits);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.every((e) => e instanceof TaskAbortedError)).toBe(true);
    expect(server.requests.length).toBe(5);
    expect(http.pacer?.stats.waiting).toBe(0);
    http.close();
  });

  it('abort during a hung HTTP request closes it: the server sees the connection end', async () => {
    let closed = false;
    server.requests.length = 0;
    server.handle((req) => {
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const http = createHttpClient({ provider: 'race.http', baseURL: server.url });
    const adapter = defineAdapter({
      provider: 'race.http',
      async getStatus(id: string, { signal }) {
        await http.request({ method: 'GET', path: `/hang/${id}`, signal });
        return { state: 'running' as const, providerState: 'x' };
      },
    });
    const controller = new AbortController();
    const outcome = waitForTask(adapter, 'h', { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.requests.length).toBeGreaterThan(0), { timeout: 2000 });
    controller.abort();
    const error = await outcome;
    expect(isTaskPollError(error) && error.code).toBe('TASK_ABORTED');
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 2000 });
    http.close();
  });
});
