import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isNetworkError, NetworkError } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { budgetKey, redisPacer } from 'taskpoll/redis';
import { startSimulator, type Simulator } from 'taskpoll/testing';
import { proxyTo, startRedis, type TestRedis, uniqueKey } from '../helpers/redis.js';

let redis: TestRedis;
let sim: Simulator;

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSimulator({ seed: 5, rateLimits: false, guance: { defaults: { durationMs: 0 } } });
});

afterAll(async () => {
  await sim?.close();
  await redis?.stop();
});

const submit = (logmine: ReturnType<typeof guanceLogmine>) =>
  logmine.submit({ analysisField: 'message', timeRange: [Date.now() - 60_000, Date.now()] });

describe('redisPacer', () => {
  it('with Redis unreachable, calls reject at once with a NetworkError that says so; once Redis is back, they work again', async () => {
    const proxy = await proxyTo(redis);
    // Reconnects every 50 ms, so that "back" is seen soon.
    const client = new Redis(proxy.url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    // ioredis reports each failed reconnect as an 'error' event: expected here.
    client.on('error', () => undefined);
    const pacer = redisPacer({ redis: client, key: uniqueKey('down'), requestsPerInterval: 100, intervalMs: 1000 });
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer });
    try {
      await expect(submit(logmine)).resolves.toMatch(/^logminetask/);
      const sentBefore = sim.requestsFor('guance').length;
      await proxy.down();
      await vi.waitFor(() => expect(client.status).not.toBe('ready'), { timeout: 5000 });
      const error = await submit(logmine).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(isNetworkError(error) && error.message).toMatch(/shared rate budget .* is unreachable.*not sent/);
      // Nothing went out on an unshared budget.
      expect(sim.requestsFor('guance')).toHaveLength(sentBefore);
      const back = once(client, 'ready');
      await proxy.up();
      await back;
      await expect(submit(logmine)).resolves.toMatch(/^logminetask/);
    } finally {
      logmine.close();
      pacer.close();
      client.disconnect();
      await proxy.down();
    }
  });

  it('a call waiting for a Redis slot rejects at once on abort, and the abandoned wait is never counted', async () => {
    const client = new Redis(redis.url);
    const key = uniqueKey('abort');
    const pacer = redisPacer({ redis: client, key, requestsPerInterval: 1, intervalMs: 60_000 });
    try {
      const slot = await pacer.acquire();
      const controller = new AbortController();
      const waiting = pacer.acquire(controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(pacer.stats.waiting).toBe(1);
      const reason = new Error('no longer needed');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      expect(pacer.stats.waiting).toBe(0);
      slot.release();
      // One grant recorded in the window: the one given.
      expect(await client.zcard(`taskpoll:budget:{${key}}:window`)).toBe(1);
      // And a closed pacer rejects its waiting calls with a NetworkError.
      const afterClose = pacer.acquire();
      pacer.close();
      await expect(afterClose).rejects.toBeInstanceOf(NetworkError);
    } finally {
      pacer.close();
      await client.quit();
    }
  });
});

describe('redisPacer: who gets the next slot', () => {
  it('within a process, calls go before polls, and polls by deadline, in front of the Redis grant', async () => {
    const client = new Redis(redis.url);
    const pacer = redisPacer({ redis: client, key: uniqueKey('order'), requestsPerInterval: 1, intervalMs: 100 });
    try {
      const first = await pacer.acquire();
      const order: string[] = [];
      const take = (name: string, request: Parameters<typeof pacer.acquire>[1]) =>
        pacer.acquire(undefined, request).then((slot) => {
          order.push(name);
          slot.release();
        });
      const far = Date.now() + 3_600_000;
      const near = Date.now() + 30_000;
      const all = [
        take('poll far', { kind: 'poll', deadline: far }),
        take('poll near', { kind: 'poll', deadline: near }),
        take('call', { kind: 'call', deadline: undefined }),
      ];
      first.release();
      await Promise.all(all);
      expect(order).toEqual(['call', 'poll near', 'poll far']);
    } finally {
      pacer.close();
      await client.quit();
    }
  });

  it('a closed adapter rejects its own waiting calls and leaves the shared pacer open for the others', async () => {
    const client = new Redis(redis.url);
    const pacer = redisPacer({ redis: client, key: uniqueKey('share'), requestsPerInterval: 1, intervalMs: 400 });
    const a = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer });
    const b = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer });
    try {
      await submit(a);
      const queued = submit(a);
      a.close();
      await expect(queued).rejects.toThrow(/closed/);
      await expect(submit(b)).resolves.toMatch(/^logminetask/);
      expect(b.pacerStats()).toMatchObject({ window: { limit: 1 } });
    } finally {
      b.close();
      pacer.close();
      await client.quit();
    }
  });
});

describe('redisPacer and budgetKey: checks', () => {
  it('refuses bad options with TypeError or RangeError before anything is sent', () => {
    const client = new Redis(redis.url, { lazyConnect: true });
    const base = { redis: client, key: 'k', requestsPerInterval: 1, intervalMs: 1000 };
    expect(() => redisPacer({ ...base, key: 'has space' })).toThrow(TypeError);
    expect(() => redisPacer({ ...base, key: 'a{b}' })).toThrow(TypeError);
    expect(() => redisPacer({ ...base, key: '' })).toThrow(TypeError);
    expect(() => redisPacer({ ...base, requestsPerInterval: 0 })).toThrow(RangeError);
    expect(() => redisPacer({ ...base, requestsPerInterval: 1.5 })).toThrow(RangeError);
    expect(() => redisPacer({ ...base, intervalMs: -1 })).toThrow(RangeError);
    expect(() => redisPacer({ ...base, redis: {} as Redis })).toThrow(TypeError);
    expect(() => redisPacer({ ...base, burst: 2 } as never)).toThrow(TypeError);
    expect(() =>
      guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: { acquire: () => 1 } as never }),
    ).toThrow(TypeError);
    client.disconnect();
  });

  it('budgetKey derives a stable name from a secret and never contains it', () => {
    const secret = 'tkn_0123456789abcdef0123456789abcdef';
    const key = budgetKey(secret);
    expect(key).toBe(budgetKey(secret));
    expect(key).not.toBe(budgetKey(`${secret}x`));
    expect(key).toMatch(/^sha256-[0-9a-f]{32}$/);
    expect(key).not.toContain(secret.slice(4, 20));
    expect(() => budgetKey('')).toThrow(TypeError);
  });
});
