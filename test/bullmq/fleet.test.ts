import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFailedError } from 'taskpoll';
import { createWaitQueue } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';
import { type RecordedRequest, type Simulator, startSimulator } from 'taskpoll/testing';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/**
 * Durable waits spread over two worker processes on a real redis-server, one of them killed with
 * SIGKILL mid-run: every wait still ends in its task's true outcome (BullMQ's stalled-job recovery
 * hands the killed worker's jobs to the other), and no task is polled twice at once.
 */
const CHILD = resolve(import.meta.dirname, 'fixtures/wait-worker.ts');
const POLL_EVERY_MS = 200;
let redis: TestRedis;
let sim: Simulator;
const started = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSimulator({ timeScale: 60, rateLimits: false });
});
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sim.close();
  await redis.stop();
});

async function startWorker(queue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      QUEUE: queue,
      // 4 polls at once per worker: 8 waits in flight need both workers, so the kill finds some of its own.
      CONCURRENCY: '4',
      BASE_URL: sim.guance.baseURL,
      API_KEY: sim.guance.apiKey,
    },
  });
  started.add(child);
  await new Promise<void>((ready, failed) => {
    child.once('message', () => ready());
    child.once('exit', (code) => failed(new Error(`the worker exited (${code}) before it was ready`)));
  });
  return child;
}

/** The polls of one task, in arrival order. */
function pollsOf(taskId: string): RecordedRequest[] {
  return sim
    .requestsFor('guance', 'guance.queryTask')
    .filter((r) => JSON.stringify([r.body, r.query]).includes(taskId));
}

describe('taskpoll/bullmq: a fleet of wait workers', () => {
  it('one of 2 worker processes killed with SIGKILL mid-run: every wait ends in its true outcome, none polled twice at once, none lost; close() leaves no handle', async () => {
    const queueName = `fleet-${process.pid}`;
    const connection = { host: redis.host, port: redis.port };
    const [a, b] = await Promise.all([startWorker(queueName), startWorker(queueName)]);
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false });
    const queue = createWaitQueue({ connection, name: queueName });
    const raw = new Queue(queueName, { connection });
    try {
      // 8 tasks of 5 to 8 real seconds (at 60x), every third one failing: the kill falls mid-run.
      const truth = new Map<string, 'succeeded' | 'failed'>();
      for (let i = 0; i < 8; i++) {
        const outcome = i % 3 === 2 ? 'failed' : 'succeeded';
        sim.guance.script({ durationMs: 300_000 + i * 25_000, outcome });
        const now = Date.now();
        truth.set(await logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] }), outcome);
      }
      const schedule = { initialDelayMs: POLL_EVERY_MS, maxDelayMs: POLL_EVERY_MS, jitter: 0, timeoutMs: 60_000 };
      const ids = await Promise.all([...truth.keys()].map((t) => queue.add('guance.logmine', t, schedule)));
      const ends = ids.map(({ id }) =>
        queue.result(id, { timeoutMs: 40_000 }).then(
          (status) => status.state,
          (error: unknown) => (error instanceof TaskFailedError ? error.status.state : error),
        ),
      );
      // Each poll takes 400 ms: a kill then finds polls in flight in both workers.
      sim.faults.add({ kind: 'latency', route: 'guance.queryTask', latencyMs: 400 });
      // The kill waits until every task has been polled once (so each has a poll from before the kill
      // and one after) and 5 polls are in flight: with 4 at most per worker, some are the killed one's.
      const pending = () => sim.requestsFor('guance', 'guance.queryTask').filter((r) => r.outcome === 'pending');
      const everyTaskPolled = () => [...truth.keys()].every((taskId) => pollsOf(taskId).length > 0);
      while (!everyTaskPolled() || pending().length < 5) await new Promise((r) => setTimeout(r, 10));
      a.kill('SIGKILL');
      expect(await Promise.all(ends)).toEqual([...truth.values()]);
      for (const taskId of truth.keys()) {
        const polls = pollsOf(taskId);
        expect(polls.length).toBeGreaterThan(1);
        // Each poll waits for the one before it and then its schedule: never two at once.
        const gaps = polls.slice(1).map((p, i) => p.time - (polls[i] as RecordedRequest).time);
        expect(Math.min(...gaps)).toBeGreaterThanOrEqual(POLL_EVERY_MS - 20);
      }
      // The killed worker's polls in flight were lost with it, and its jobs were taken over (stalled).
      const jobs = await Promise.all(ids.map(({ id }) => Job.fromId(raw, id)));
      expect(jobs.reduce((sum, job) => sum + (job?.stalledCounter ?? 0), 0)).toBeGreaterThan(0);
      // The surviving worker closes and its process exits by itself.
      const exited = once(b, 'exit');
      b.send({ cmd: 'close' });
      expect((await exited)[0]).toBe(0);
    } finally {
      await queue.close();
      await raw.close();
      logmine.close();
    }
  }, 60_000);
});
