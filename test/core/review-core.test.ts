/**
 * Review of the core: each test pins a bug found in review (it failed before its fix).
 */
import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders } from 'axios';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { retryDelay } from '../../src/core/backoff.js';
import { createHttpClient } from '../../src/internal/http.js';
import { toTaskPollError } from '../../src/internal/transport-errors.js';
import {
  AdapterError,
  AuthenticationError,
  HttpError,
  NetworkError,
  defineAdapter,
  waitForTask,
  type AdapterRef,
  type AdapterResult,
  type TaskAdapter,
  type TaskStatus,
} from '../../src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'Bearer sk-review-canary';

describe('AdapterRef / AdapterResult', () => {
  it('name the ref and result types of an adapter (AdapterRef was never for any adapter with a result)', () => {
    const adapter = defineAdapter({
      provider: 'types',
      async getStatus(_id: string) {
        return { state: 'succeeded' as const, providerState: 'ok', result: { url: 'x' } };
      },
    });
    const byObject = defineAdapter<{ jobId: string; taskId: string }, number[]>({
      provider: 'types.object',
      taskId: (ref) => ref.taskId,
      async getStatus() {
        return { state: 'running', providerState: '1' };
      },
    });
    expectTypeOf<AdapterRef<typeof adapter>>().toEqualTypeOf<string>();
    expectTypeOf<AdapterResult<typeof adapter>>().toEqualTypeOf<{ url: string }>();
    expectTypeOf<AdapterRef<typeof byObject>>().toEqualTypeOf<{ jobId: string; taskId: string }>();
    expectTypeOf<AdapterResult<typeof byObject>>().toEqualTypeOf<number[]>();
  });
});

describe('toTaskPollError: an axios error that carries an HTTP answer (a custom adapter using axios)', () => {
  const config = { headers: new AxiosHeaders({ Authorization: SECRET }) };
  const answered = (status: number, headers: Record<string, string> = {}) =>
    new AxiosError(`Request failed with status code ${status}`, status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST', config as never, {}, {
      status,
      statusText: '',
      data: { token: SECRET },
      headers,
      config,
    } as never);

  it.each([
    [401, AuthenticationError, false],
    [403, AuthenticationError, false],
    [404, HttpError, false],
    [400, HttpError, false],
    [500, HttpError, true],
    [429, HttpError, true],
  ] as const)('HTTP %i maps by status like every other answer, not to a transient NetworkError', (status, type, transient) => {
    const mapped = toTaskPollError(answered(status), { provider: 'custom', taskId: 't', operation: 'GET /jobs/{id}' });
    expect(mapped).toBeInstanceOf(type);
    expect(mapped?.transient).toBe(transient);
    expect((mapped as HttpError).httpStatus).toBe(status);
    for (const view of [mapped?.message, JSON.stringify(mapped), inspect(mapped, { depth: 10 })]) expect(view).not.toContain(SECRET);
  });

  it("keeps the answer's Retry-After", () => {
    const mapped = toTaskPollError(answered(429, { 'retry-after': '7' }), { provider: 'custom' });
    expect(mapped?.retryAfterMs).toBe(7000);
  });

  it('an axios error without an answer is still a NetworkError', () => {
    const reset = new AxiosError('socket hang up', 'ECONNRESET', config as never);
    expect(toTaskPollError(reset, { provider: 'custom' })).toBeInstanceOf(NetworkError);
  });
});

describe('stream(): a body cut by the time limit or an abort', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('partial'); // and never ends
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const bodyError = (body: NodeJS.ReadableStream) =>
    new Promise<unknown>((resolve) => {
      body.on('error', resolve);
      body.resume();
    });

  it("fails with the time limit's NetworkError (timedOut), not a transient ERR_CANCELED, and frees its slot", async () => {
    const client = createHttpClient({ provider: 'p', baseURL: server.url, pacing: { maxConcurrency: 1 } });
    try {
      const { body } = await client.stream({ method: 'GET', path: '/file', timeoutMs: 50 });
      const error = await bodyError(body);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).timedOut).toBe(true);
      expect((error as Error).message).toContain('within 50 ms');
      expect(client.pacer?.stats.inFlight).toBe(0);
    } finally {
      client.close();
    }
  });

  it("fails with the caller's abort reason, as request() does", async () => {
    const client = createHttpClient({ provider: 'p', baseURL: server.url });
    try {
      const controller = new AbortController();
      const { body } = await client.stream({ method: 'GET', path: '/file', signal: controller.signal });
      const reason = new Error('user left');
      setTimeout(() => controller.abort(reason), 10);
      expect(await bodyError(body)).toBe(reason);
    } finally {
      client.close();
    }
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

  it.each([Number.NaN, -1000, '5000'])('pollAfterMs %o is an AdapterError, as defineAdapter reports it, not a poll loop with no delay', async (pollAfterMs) => {
    let polls = 0;
    const adapter: TaskAdapter<string, unknown> = {
      provider: 'hand.written',
      taskId: (ref) => ref,
      async getStatus(ref) {
        polls += 1;
        return { provider: 'hand.written', taskId: ref, state: 'running', terminal: false, providerState: 'r', raw: {}, pollAfterMs } as unknown as TaskStatus;
      },
    };
    const outcome = waitForTask(adapter, 't', { timeoutMs: Number.POSITIVE_INFINITY }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    expect(polls).toBe(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as Error).message).toContain('pollAfterMs');
  });
});

describe('retryDelay with an unusable retryAfterMs', () => {
  // e.g. a custom adapter's `Number(retryAfterHeader) * 1000` on an HTTP-date Retry-After.
  it.each([Number.NaN, -5])('retryAfterMs %o keeps the scheduled delay instead of retrying at once', (retryAfterMs) => {
    const policy = { initialDelayMs: 500, maxDelayMs: 8000, factor: 2, jitter: 0 };
    expect(retryDelay(policy, 2, 0, retryAfterMs)).toBe(1000);
  });
});
