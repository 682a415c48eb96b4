import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFailedError } from 'taskpoll';
import { createWaitQueue } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';
import { type RecordedRequest, type Simulator, startSimulator } from 'taskpoll/testing';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startFixture } from './fixtures/processes.js';

/**
 * Durable waits spread over processes on a real redis-server: two worker processes, one of them killed
 * with SIGKILL mid-run (every wait still ends in its task's true outcome: BullMQ's stalled-job recovery
 * hands the killed worker's jobs to the other, and no task is polled twice at once); and a producer
 * process that has no adapter and no credential, yet gets typed results and errors.
 */
const POLL_EVERY_MS = 200;
/** How late the simulator answers each poll once the kill is near. */
const LATENCY_MS = 400;
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

function startWorker(queue: string): Promise<ChildProcess> {
  return startFixture(
    'wait-worker.ts',
    {
      ...(process.env as Record<string, string>),
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      QUEUE: queue,
      // 4 polls at once per worker: 8 waits in flight need both workers, so the kill finds some of its own.
      CONCURRENCY: '4',
      BASE_URL: sim.guance.baseURL,
      API_KEY: sim.guance.apiKey,
    },
    started,
  );
}

/** Polls `check` every 10 ms until it holds, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
      // 8 tasks of 10 to 16 real seconds (at 60x), every third one failing: the kill falls mid-run, with
      // every task still running while the test waits for the moment to kill.
      const truth = new Map<string, 'succeeded' | 'failed'>();
      for (let i = 0; i < 8; i++) {
        const outcome = i % 3 === 2 ? 'failed' : 'succeeded';
        sim.guance.script({ durationMs: 600_000 + i * 50_000, outcome });
        const now = Date.now();
        truth.set(await logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] }), outcome);
      }
      // Not progress-aware: every delay is the schedule's, which the check of the gaps below counts on.
      const schedule = {
        initialDelayMs: POLL_EVERY_MS,
        maxDelayMs: POLL_EVERY_MS,
        jitter: 0,
        progressAware: false,
        timeoutMs: 60_000,
      };
      const ids = await Promise.all([...truth.keys()].map((t) => queue.add('guance.logmine', t, schedule)));
      const ends = ids.map(({ id }) =>
        queue.result(id, { timeoutMs: 40_000 }).then(
          (status) => status.state,
          (error: unknown) => (error instanceof TaskFailedError ? error.status.state : error),
        ),
      );
      // Each poll takes 400 ms: a kill then finds polls in flight in both workers.
      sim.faults.add({ kind: 'latency', route: 'guance.queryTask', latencyMs: LATENCY_MS });
      // The kill waits until every task has been polled once (so each has a poll from before the kill
      // and one after) and 5 polls are in flight: with 4 at most per worker, some are the killed one's.
      const pending = () => sim.requestsFor('guance', 'guance.queryTask').filter((r) => r.outcome === 'pending');
      const everyTaskPolled = () => [...truth.keys()].every((taskId) => pollsOf(taskId).length > 0);
      await until(
        () => everyTaskPolled() && pending().length >= 5,
        10_000,
        'every task was polled and 5 polls were in flight',
      );
      a.kill('SIGKILL');
      expect(await Promise.all(ends)).toEqual([...truth.values()]);
      for (const taskId of truth.keys()) {
        const polls = pollsOf(taskId);
        expect(polls.length).toBeGreaterThan(1);
        // Each poll waits for the answer to the one before it and then its schedule: never two at once.
        for (const [i, poll] of polls.slice(1).entries()) {
          const before = polls[i] as RecordedRequest;
          const answeredAt = before.time + (before.faults.includes('latency') ? LATENCY_MS : 0);
          expect(poll.time, `poll ${i + 2} of ${taskId}`).toBeGreaterThanOrEqual(answeredAt + POLL_EVERY_MS - 20);
        }
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

describe('taskpoll/bullmq: a producer process', () => {
  it('a producer in another process, with no adapter and no credential, gets typed results and errors, then exits by itself', async () => {
    const queueName = `producer-${process.pid}`;
    const worker = await startWorker(queueName);
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false });
    try {
      const task = async (durationMs: number, outcome: 'succeeded' | 'failed') => {
        sim.guance.script({ durationMs, outcome, ...(outcome === 'failed' && { message: 'out of memory' }) });
        const now = Date.now();
        return logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] });
      };
      // At 60x: 1 s, 1 s, and 10 s for a wait whose deadline is 3 s away (room for a first poll on a
      // loaded machine, and long before its task ends).
      const tasks = {
        ok: await task(60_000, 'succeeded'),
        failed: await task(60_000, 'failed'),
        late: await task(600_000, 'succeeded'),
      };
      // Only what a producer needs: no BASE_URL, no API_KEY.
      const env = {
        PATH: process.env['PATH'] ?? '',
        REDIS_HOST: redis.host,
        REDIS_PORT: String(redis.port),
        QUEUE: queueName,
        TASKS: JSON.stringify(tasks),
      };
      const producer = await startFixture('wait-producer.ts', env, started);
      const exited = once(producer, 'exit');
      const [report] = (await once(producer, 'message')) as [Record<'ok' | 'failed' | 'late', Record<string, unknown>>];
      expect(report.ok).toEqual({
        resolved: expect.objectContaining({
          provider: 'guance.logmine',
          taskId: tasks.ok,
          state: 'succeeded',
          raw: null,
        }),
      });
      expect(report.failed).toMatchObject({
        instanceOf: ['TaskFailedError', 'TaskPollError', 'Error'],
        name: 'TaskFailedError',
        fields: {
          code: 'TASK_FAILED',
          provider: 'guance.logmine',
          taskId: tasks.failed,
          status: { state: 'failed', terminal: true, raw: null },
        },
      });
      expect(report.late).toMatchObject({
        instanceOf: ['TaskTimeoutError', 'TaskPollError', 'Error'],
        name: 'TaskTimeoutError',
        fields: {
          code: 'TASK_TIMEOUT',
          provider: 'guance.logmine',
          taskId: tasks.late,
          snapshot: { taskId: tasks.late },
        },
      });
      const late = report.late['fields'] as { attempts: number; deadline: unknown; timeoutMs: unknown };
      expect(late.attempts).toBeGreaterThan(0);
      expect(typeof late.deadline).toBe('number');
      expect(typeof late.timeoutMs).toBe('number');
      expect(report.late['message']).toMatch(/did not finish within/);
      // Its queue closed, nothing holds the producer open: it exits by itself, with 0.
      expect((await exited)[0]).toBe(0);
    } finally {
      const closed = once(worker, 'exit');
      worker.send({ cmd: 'close' });
      await closed;
      logmine.close();
    }
  }, 30_000);
});
