import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFailedError } from 'taskpoll';
import { createWaitQueue } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';
import { type Simulator, startSimulator } from 'taskpoll/testing';
import { type OwnRedis, startOwnRedis } from '../helpers/redis.js';
import { startFixture } from './fixtures/processes.js';

/**
 * Redis crashes (SIGKILL) under a worker process and a producer, stays down 5 s, and starts again from
 * its append-only file (every write fsynced before it was answered). Every wait still ends in its
 * task's true outcome, whether the task ended before, during or after the outage; while Redis is down,
 * the producer's calls wait for it (or, for `result` with a short `timeoutMs`, give up with a
 * `TimeoutError`); no process crashes, and closing everything leaves nothing open. The Redis is the
 * test's own: this test kills it.
 */
const POLL_EVERY_MS = 200;
const DOWN_MS = 5_000;
/**
 * The tasks: each ends the given real ms after its start (before the crash), after the crash (during
 * the outage) or after the restart. The last two kinds run until the test places their end, so they
 * end where they are meant to however slow the run.
 */
const PLAN = [
  ['start', 300, 'succeeded'],
  ['start', 300, 'failed'],
  ['crash', 1_000, 'succeeded'],
  ['crash', 1_500, 'failed'],
  ['crash', 2_000, 'succeeded'],
  ['restart', 2_500, 'succeeded'],
  ['restart', 3_000, 'failed'],
] as const;
type Phase = (typeof PLAN)[number][0];
let redis: OwnRedis;
let sim: Simulator;
const started = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await startOwnRedis({ appendOnly: true });
  sim = await startSimulator({ timeScale: 60, rateLimits: false });
});
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sim.close();
  await redis.stop();
});

/** A promise with a look at whether it has settled yet. */
function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  promise.then(settle, settle);
  return { promise, settled: () => settled };
}

/** Polls `check` every 10 ms until it holds, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A wait worker process on queue `name`, with a Guance adapter on the simulator. */
function startWorker(name: string): Promise<ChildProcess> {
  const env = {
    ...(process.env as Record<string, string>),
    REDIS_HOST: redis.host,
    REDIS_PORT: String(redis.port),
    QUEUE: name,
    BASE_URL: sim.guance.baseURL,
    API_KEY: sim.guance.apiKey,
  };
  return startFixture('wait-worker.ts', env, started);
}

/** This process's open sockets to `port`. */
function socketsTo(port: number): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is Socket => (h as Socket).remotePort === port && !(h as Socket).destroyed);
}

/**
 * Submits the tasks of {@link PLAN} to the simulator: `truth` maps each task id to its outcome, in
 * plan order. Those that end after the crash or the restart run for longer than the whole test until
 * `placeEnds` places their end, counted from that call.
 */
async function submitPlan(logmine: ReturnType<typeof guanceLogmine>) {
  const { timeScale } = sim.clock;
  /** When each task was submitted, in simulated ms: its duration counts from there. */
  const submittedAt = new Map<string, number>();
  const submit = async (realMs: number, outcome: 'succeeded' | 'failed') => {
    sim.guance.script({ durationMs: realMs * timeScale, outcome });
    const now = Date.now();
    const at = sim.clock.now();
    const taskId = await logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] });
    submittedAt.set(taskId, at);
    return taskId;
  };
  const truth = new Map<string, 'succeeded' | 'failed'>();
  for (const [when, ms, outcome] of PLAN) truth.set(await submit(when === 'start' ? ms : 120_000, outcome), outcome);
  /** Makes the tasks planned to end after `phase` end the planned real ms from now. */
  const placeEnds = (phase: Phase) => {
    for (const [i, taskId] of [...truth.keys()].entries()) {
      const [when, ms] = PLAN[i] as (typeof PLAN)[number];
      const sofar = sim.clock.now() - (submittedAt.get(taskId) ?? 0);
      if (when === phase) sim.guance.script(taskId, { durationMs: sofar + ms * timeScale });
    }
  };
  return { truth, submit, placeEnds };
}

describe('taskpoll/bullmq: Redis crashes and restarts', () => {
  it('Redis killed for 5 s under a worker process and a producer (append-only file on): every wait ends in its true outcome, no process crashes, close() leaves no handle', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled).on('uncaughtException', onUnhandled);
    const name = `restart-${process.pid}`;
    const connection = { host: redis.host, port: redis.port };
    const worker = await startWorker(name);
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false });
    const queue = createWaitQueue({ connection, name });
    try {
      const { truth, submit, placeEnds } = await submitPlan(logmine);
      const addedLater = await submit(8_000, 'succeeded');
      const schedule = { initialDelayMs: POLL_EVERY_MS, maxDelayMs: POLL_EVERY_MS, jitter: 0, timeoutMs: 55_000 };
      const ids = await Promise.all([...truth.keys()].map((t) => queue.add('guance.logmine', t, schedule)));
      const endOf = (id: string) =>
        queue.result(id, { timeoutMs: 45_000 }).then(
          (status) => status.state,
          (error: unknown) => (error instanceof TaskFailedError ? error.status.state : error),
        );
      const ends = ids.map(({ id }) => watched(endOf(id)));
      const polled = (taskId: string) =>
        sim.requestsFor('guance', 'guance.queryTask').some((r) => JSON.stringify([r.body, r.query]).includes(taskId));

      // The crash comes once the first two waits have ended and every task has been polled.
      await until(() => ends[0]?.settled() === true && ends[1]?.settled() === true, 5_000, 'the first waits ended');
      await until(() => [...truth.keys()].every(polled), 5_000, 'every task was polled');
      await redis.kill();
      const downSince = Date.now();
      placeEnds('crash');

      // While Redis is down: add and status wait for it; a result with a short timeoutMs gives up.
      const addDuring = watched(queue.add('guance.logmine', addedLater, schedule));
      const statusDuring = watched(queue.status(ids[2]?.id ?? ''));
      const shortResult = await queue.result(ids[5]?.id ?? '', { timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(shortResult).toBeInstanceOf(DOMException);
      expect((shortResult as DOMException).name).toBe('TimeoutError');
      await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - downSince))));
      expect(addDuring.settled()).toBe(false);
      expect(statusDuring.settled()).toBe(false);
      expect(ends.slice(2).some((end) => end.settled())).toBe(false);

      await redis.restart();
      placeEnds('restart');
      const { id: laterId } = await addDuring.promise;
      expect(await statusDuring.promise).toMatchObject({ provider: 'guance.logmine', taskId: [...truth.keys()][2] });
      expect(await Promise.all(ends.map((end) => end.promise))).toEqual([...truth.values()]);
      expect(await endOf(laterId)).toBe('succeeded');

      // The worker process lived through it all, and exits by itself, with 0, once closed.
      expect(worker.exitCode).toBeNull();
      expect(worker.signalCode).toBeNull();
      const exited = once(worker, 'exit');
      worker.send({ cmd: 'close' });
      expect((await exited)[0]).toBe(0);
    } finally {
      await queue.close();
      logmine.close();
      process.off('unhandledRejection', onUnhandled).off('uncaughtException', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    // The last sockets finish closing just after their QUIT is answered; none opens again (no reconnect
    // timer left behind: ioredis would retry within a second).
    await until(() => socketsTo(redis.port).length === 0, 2_000, 'the sockets to Redis closed');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(socketsTo(redis.port)).toEqual([]);
  }, 60_000);
});
