import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey } from 'taskpoll/redis';
import { type RecordedRequest, type Simulator, startSimulator } from 'taskpoll/testing';
import { startRedis, type TestRedis, uniqueKey } from '../helpers/redis.js';

/**
 * Several processes, one budget: each child (fixtures/fleet-child.ts) runs a Guance adapter paced by
 * `redisPacer` on one key, against one simulator in this process that counts arrivals in the
 * provider's sliding window and refuses what goes over it with Guance's rate-limit answer.
 */
const CHILD = resolve(import.meta.dirname, 'fixtures/fleet-child.ts');
const LIMIT = 10;
const INTERVAL_MS = 1000;

let redis: TestRedis;
/** Every child started, killed after the tests if a failed one left it running. */
const started = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
});

interface Child {
  process: ChildProcess;
  /** Sends a command and resolves with the child's answer to it. */
  ask(message: object): Promise<Record<string, unknown>>;
}

async function startChild(sim: Simulator, key: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      BUDGET_KEY: key,
      LIMIT: String(LIMIT),
      INTERVAL_MS: String(INTERVAL_MS),
      BASE_URL: sim.guance.baseURL,
      API_KEY: sim.guance.apiKey,
    },
  });
  started.add(child);
  await new Promise<void>((ready, failed) => {
    child.once('message', () => ready());
    child.once('exit', (code) => failed(new Error(`the child exited (${code}) before it was ready`)));
  });
  return {
    process: child,
    ask: (message) =>
      new Promise((answer) => {
        child.once('message', (reply) => answer(reply as Record<string, unknown>));
        child.send(message);
      }),
  };
}

/** Closes the child's adapter, pacer and Redis client; resolves with its exit code once it exits by itself. */
async function closeChild(child: Child): Promise<number | null> {
  const exited = once(child.process, 'exit');
  await child.ask({ cmd: 'close' });
  const [code] = (await exited) as [number | null];
  return code;
}

describe('redisPacer: one budget for every process', () => {
  it('3 processes on one key never go over the window (0 refusals) and use most of it; each exits by itself once closed', async () => {
    const sim = await startSimulator({
      seed: 15,
      guance: { rateLimit: { limit: LIMIT, intervalMs: INTERVAL_MS }, defaults: { durationMs: [100, 300] } },
    });
    try {
      const key = uniqueKey('fleet');
      const children = await Promise.all([1, 2, 3].map(() => startChild(sim, key)));
      const answers = await Promise.all(children.map((child) => child.ask({ cmd: 'waits', count: 10 })));
      for (const answer of answers) expect(answer['errors']).toEqual([]);
      const requests = sim.requestsFor('guance');
      expect(requests.filter((r) => r.status === 401)).toEqual([]);
      // 30 waits, each a submit and at least one poll: more than 6 windows of demand. Over the first 4
      // full windows after the first arrival, demand exceeds the budget all along.
      const first = Math.min(...requests.map((r) => r.time));
      const inFirstFour = requests.filter((r) => r.time < first + 4 * INTERVAL_MS).length;
      expect(inFirstFour).toBeGreaterThanOrEqual(0.8 * 4 * LIMIT);
      expect(inFirstFour).toBeLessThanOrEqual(4 * LIMIT);
      // Each child closes its adapter, its pacer and its Redis client, and then exits on its own.
      expect(await Promise.all(children.map(closeChild))).toEqual([0, 0, 0]);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('a rate-limit answer seen by one process holds the others until its Retry-After has passed', async () => {
    const sim = await startSimulator({ seed: 16, rateLimits: false, guance: { defaults: { durationMs: 100 } } });
    try {
      const key = budgetKey(`${sim.guance.apiKey}-${Math.random()}`);
      const [a, b] = (await Promise.all([startChild(sim, key), startChild(sim, key)])) as [Child, Child];
      sim.faults.add({ kind: 'too-many-requests', retryAfterS: 2, route: 'guance.sendTask', count: 1 });
      const refused = await a.ask({ cmd: 'submit' });
      expect(refused['error']).toBe('HTTP_ERROR');
      const sent = await b.ask({ cmd: 'submit' });
      expect(sent['error']).toBeUndefined();
      const sends = sim.requestsFor('guance', 'guance.sendTask');
      expect(sends).toHaveLength(2);
      const [limited, next] = sends as [RecordedRequest, RecordedRequest];
      expect(limited.status).toBe(429);
      expect(next.status).toBe(200);
      // B sent nothing until the pause A's answer asked for was over (one Redis clock for both).
      expect(next.time - limited.time).toBeGreaterThanOrEqual(2000 - 50);
      expect(await Promise.all([a, b].map(closeChild))).toEqual([0, 0]);
    } finally {
      await sim.close();
    }
  }, 30_000);
});
