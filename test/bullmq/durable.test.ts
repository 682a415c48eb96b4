import { Redis } from 'ioredis';
import { type Job, Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdapterError, TaskAbortedError, TaskFailedError, TaskTimeoutError } from 'taskpoll';
import { createWaitQueue, startWaitWorker, type WaitProgress, type WaitQueue, type WaitWorker } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator, type Simulator } from 'taskpoll/testing';
import { proxyTo, startRedis, type TestRedis } from '../helpers/redis.js';

/** Durable waits against a real redis-server and the simulator at 60x: a simulated minute is 1 s. */
let redis: TestRedis;
let sim: Simulator;
let queueNo = 0;
let open: { queue: WaitQueue; worker: WaitWorker; logmine: ReturnType<typeof guanceLogmine> } | undefined;

beforeAll(async () => {
  redis = await startRedis();
  sim = await startSimulator({ timeScale: 60 });
});
afterAll(async () => {
  await sim.close();
  await redis.stop();
});
afterEach(async () => {
  if (!open) return;
  await open.worker.close();
  await open.queue.close();
  open.logmine.close();
  open = undefined;
  sim.reset();
});

function fleet() {
  const connection = { host: redis.host, port: redis.port };
  const name = `waits-${process.pid}-${++queueNo}`;
  const { baseURL, apiKey, pacing } = sim.guance;
  const logmine = guanceLogmine({ baseURL, apiKey, pacing });
  const queue = createWaitQueue({ connection, name });
  const worker = startWaitWorker({ connection, name, adapters: [logmine] });
  open = { queue, worker, logmine };
  return { ...open, connection, name };
}

/** Resolves as `promise` does, or rejects naming `what` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Calls `check` every 20 ms until it holds, for at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
  }
}

const submit = async (logmine: ReturnType<typeof guanceLogmine>) => {
  const now = Date.now();
  return logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] });
};

describe('taskpoll/bullmq: durable waits', () => {
  it('add, a worker polls, result resolves with the terminal status (raw left in the worker); status is the last snapshot', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 6_000 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
    const seen: WaitProgress[] = [];
    const done = await queue.result(id, { timeoutMs: 10_000, onProgress: (p) => seen.push(p) });
    expect(done).toMatchObject({ provider: 'guance.logmine', taskId, state: 'succeeded', terminal: true, raw: null });
    const snapshot = await queue.status(id);
    expect(snapshot).toMatchObject({ provider: 'guance.logmine', taskId, last: { state: 'succeeded' } });
    expect(snapshot?.attempts).toBeGreaterThan(1);
    expect(sim.requestsFor('guance', 'guance.queryTask').length).toBe(snapshot?.attempts);
    // Each poll before the end reached the producer through QueueEvents, in order.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((p) => p.attempts)).toEqual([...seen.keys()].map((i) => (seen[0]?.attempts ?? 0) + i));
    expect(seen.at(-1)).toMatchObject({ state: 'running', providerState: 'running' });
  }, 15_000);

  it('a failed task rejects with TaskFailedError carrying its status', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 1_000, outcome: 'failed', message: 'out of memory' });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
    const error = await queue.result(id, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ code: 'TASK_FAILED', taskId, status: { state: 'failed', raw: null } });
  });

  it('a deadline passing rejects with TaskTimeoutError rebuilt with its fields', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 600_000 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { timeoutMs: 800, initialDelayMs: 50, maxDelayMs: 100 });
    const error = (await queue.result(id, { timeoutMs: 10_000 }).catch((e: unknown) => e)) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.message).toMatch(/did not finish within/);
    expect(error.attempts).toBeGreaterThan(1);
    expect(typeof error.deadline).toBe('number');
    // The wait timed out on its resume at the deadline: its last status came from an earlier activation.
    expect(error.message).toMatch(/last state running \(running\), seen before the wait was resumed/);
    expect(error.snapshot).toMatchObject({ taskId, last: { state: 'running' } });
  });

  it('an add retried with the same jobId starts no second wait', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 2_000 });
    const taskId = await submit(logmine);
    const options = { initialDelayMs: 50, maxDelayMs: 100, jobId: `wait-${taskId}` };
    const [a, b] = await Promise.all([
      queue.add('guance.logmine', taskId, options),
      queue.add('guance.logmine', taskId, options),
    ]);
    expect(a.id).toBe(`wait-${taskId}`);
    expect(b.id).toBe(a.id);
    await queue.result(a.id, { timeoutMs: 10_000 });
    expect(sim.requestsFor('guance', 'guance.queryTask').length).toBe((await queue.status(a.id))?.attempts);
  });

  it('cancel removes a running wait: its result rejects with TaskAbortedError and it is polled no more', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 600_000 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
    const pending = queue.result(id).catch((e: unknown) => e);
    while ((await queue.status(id)) === undefined) await new Promise((r) => setTimeout(r, 20));
    expect(await queue.cancel(id)).toBe(true);
    expect(await pending).toBeInstanceOf(TaskAbortedError);
    const polls = sim.requestsFor('guance', 'guance.queryTask').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.requestsFor('guance', 'guance.queryTask').length).toBe(polls);
    expect(await queue.cancel(id)).toBe(false);
  });

  it('close() rejects pending results with an AbortError, and so does a result asked for after it', async () => {
    const { queue, logmine } = fleet();
    sim.guance.script({ durationMs: 600_000 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
    const pending = queue.result(id).catch((e: unknown) => e);
    while ((await queue.status(id)) === undefined) await new Promise((r) => setTimeout(r, 20));
    await queue.close();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    // No listener is started for it (one would stay open after close).
    await expect(queue.result(id)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a result asked for while Redis is unreachable, as it starts the queue listener, still stops at its timeoutMs', async () => {
    const { logmine, name } = fleet();
    const proxy = await proxyTo(redis);
    const queue = createWaitQueue({ connection: { host: '127.0.0.1', port: proxy.port }, name });
    let down = false;
    try {
      sim.guance.script({ durationMs: 600_000 });
      const { id } = await queue.add('guance.logmine', await submit(logmine), { initialDelayMs: 50, maxDelayMs: 100 });
      await proxy.down();
      down = true;
      // The first result of this queue: starting its listener waits for Redis, which ioredis keeps retrying.
      const error = await within(
        queue.result(id, { timeoutMs: 300 }).catch((e: unknown) => e),
        10_000,
        'timeoutMs',
      );
      expect(error).toMatchObject({ name: 'TimeoutError' });
    } finally {
      if (down) await proxy.up();
      await queue.close();
      await proxy.down();
    }
  });

  it('close() while the queue listener is still connecting rejects the pending result with an AbortError', async () => {
    const { logmine, name } = fleet();
    const proxy = await proxyTo(redis);
    const queue = createWaitQueue({ connection: { host: '127.0.0.1', port: proxy.port }, name });
    let closing: Promise<void> | undefined;
    try {
      sim.guance.script({ durationMs: 600_000 });
      const { id } = await queue.add('guance.logmine', await submit(logmine), { initialDelayMs: 50, maxDelayMs: 100 });
      // Redis answers the queue's open connection, never the listener's new one: its start cannot end.
      proxy.hold();
      const pending = queue.result(id).catch((e: unknown) => e);
      await until(() => proxy.held() > 0, 10_000, 'the listener connected');
      closing = queue.close();
      expect(await within(pending, 10_000, 'the pending result to reject')).toMatchObject({ name: 'AbortError' });
    } finally {
      // Closing the listener waits for its connection to be answered.
      proxy.release();
      await (closing ?? queue.close());
      await proxy.down();
    }
  });

  it('a result whose completed event was trimmed from the events stream before the listener read it still settles', async () => {
    const { logmine, connection, name } = fleet();
    const proxy = await proxyTo(redis);
    const queue = createWaitQueue({ connection: { host: '127.0.0.1', port: proxy.port }, name });
    const raw = new Queue(name, { connection });
    const client = new Redis(redis.port, redis.host);
    let down = false;
    try {
      sim.guance.script({ durationMs: 180_000 });
      const taskId = await submit(logmine);
      const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
      const seen: WaitProgress[] = [];
      const result = queue.result(id, { timeoutMs: 15_000, onProgress: (p) => seen.push(p) }).catch((e: unknown) => e);
      // Once a poll reached the producer its listener is live; then it loses Redis until the task has
      // ended and the stream was trimmed, as BullMQ trims it: the end's events are gone when it is back.
      await until(() => seen.length > 0, 10_000, 'a poll reached the listener');
      await proxy.down();
      down = true;
      await until(async () => Boolean((await raw.getJob(id))?.finishedOn), 10_000, 'the wait ended');
      await client.xtrim(`bull:${name}:events`, 'MAXLEN', 0);
      await proxy.up();
      down = false;
      expect(await result).toMatchObject({ state: 'succeeded', taskId });
    } finally {
      if (down) await proxy.up();
      await queue.close();
      await proxy.down();
      await raw.close();
      await client.quit();
    }
  }, 30_000);

  it('bad options are refused before anything is written', async () => {
    const { queue } = fleet();
    await expect(queue.add('guance.logmine', 't', { maxDelayMs: -1 })).rejects.toThrow(RangeError);
    await expect(queue.add('guance.logmine', 't', { onProgress: () => undefined } as never)).rejects.toThrow(TypeError);
    await expect(queue.add('', 't')).rejects.toThrow(TypeError);
    await expect(queue.add('guance.logmine', { at: () => 1 })).rejects.toThrow(TypeError);
    await expect(queue.result('no-such-wait')).rejects.toThrow(RangeError);
    const connection = { host: redis.host, port: redis.port };
    expect(() => createWaitQueue({ connection, keepFinishedMs: 999 })).toThrow(RangeError);
    expect(() => createWaitQueue({ connection, keepFinishedMs: '7d' as never })).toThrow(TypeError);
  });

  it('a finished wait is kept keepFinishedMs, then removed as later waits finish', async () => {
    const { logmine, connection, name } = fleet();
    const queue = createWaitQueue({ connection, name, keepFinishedMs: 1000 });
    try {
      const end = async () => {
        sim.guance.script({ durationMs: 500 });
        const { id } = await queue.add('guance.logmine', await submit(logmine), { initialDelayMs: 50, maxDelayMs: 50 });
        await expect(queue.result(id, { timeoutMs: 10_000 })).resolves.toMatchObject({ state: 'succeeded' });
        return id;
      };
      const first = await end();
      expect(await queue.status(first)).toBeDefined();
      await new Promise((r) => setTimeout(r, 1_100));
      const second = await end();
      // The second wait's end removed the first, over a second old; its own outcome is kept.
      expect(await queue.status(first)).toBeUndefined();
      await expect(queue.result(first)).rejects.toThrow(RangeError);
      expect(await queue.status(second)).toBeDefined();
    } finally {
      await queue.close();
    }
  });

  it('a corrupted job fails alone with a typed error, and the worker goes on', async () => {
    const { queue, logmine, connection, name } = fleet();
    const raw = new Queue(name, { connection });
    const bad = await raw.add('wait', { provider: 'guance.logmine', ref: 'x', options: { deadline: 'soon' } });
    const badSnapshot = await raw.add('wait', {
      provider: 'guance.logmine',
      ref: 'x',
      options: { deadline: null },
      snapshot: { version: 9 },
    });
    await raw.close();
    await expect(queue.result(String(bad.id), { timeoutMs: 10_000 })).rejects.toThrow(AdapterError);
    await expect(queue.result(String(badSnapshot.id), { timeoutMs: 10_000 })).rejects.toThrow(/version/);
    sim.guance.script({ durationMs: 500 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 50, maxDelayMs: 100 });
    await expect(queue.result(id, { timeoutMs: 10_000 })).resolves.toMatchObject({ state: 'succeeded' });
  });

  it('a wait taken up before its poll is due goes back to the delayed set at once: no poll, no worker slot held', async () => {
    const { queue, logmine, connection, name } = fleet();
    sim.guance.script({ durationMs: 3_600_000 });
    const taskId = await submit(logmine);
    const { id } = await queue.add('guance.logmine', taskId, { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 });
    const raw = new Queue(name, { connection });
    /** The job once `ready` holds for it, read every 20 ms for at most 5 s. */
    const jobWhen = async (ready: (job: Job, state: string) => boolean): Promise<Job> => {
      for (const end = Date.now() + 5_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        const job = await raw.getJob(id);
        if (job && ready(job, await job.getState())) return job;
      }
      throw new Error(`job ${id} never reached the state asked for`);
    };
    try {
      // The first poll stores a snapshot whose next poll is a minute away, and delays the job.
      const first = await jobWhen((job, state) => state === 'delayed' && job.data.snapshot !== undefined);
      const dueAt = first.data.snapshot.nextPollAt as number;
      expect(dueAt - Date.now()).toBeGreaterThan(50_000);
      // As when a worker died between storing the snapshot and delaying the job: taken up early.
      await first.promote();
      const again = await jobWhen((job, state) => state === 'delayed' && job.attemptsStarted > first.attemptsStarted);
      expect(again.data.snapshot).toEqual(first.data.snapshot);
      // Due when it was: BullMQ scores a delayed job by its due time × 4096 (plus a counter).
      const client = new Redis(redis.port, redis.host);
      const score = await client.zscore(`bull:${name}:delayed`, id).finally(() => client.quit());
      expect(Math.floor(Number(score) / 4096)).toBe(dueAt);
      expect(sim.requestsFor('guance', 'guance.queryTask')).toHaveLength(1);
    } finally {
      await raw.close();
    }
  });

  it('no credential reaches Redis: every key and value the queue wrote is scanned for the API key', async () => {
    const { queue, logmine, name } = fleet();
    sim.guance.script({ durationMs: 1_000, outcome: 'failed', message: `bad key ${sim.guance.apiKey}` });
    const failed = await submit(logmine);
    sim.guance.script({ durationMs: 1_000 });
    const succeeded = await submit(logmine);
    const ids = await Promise.all(
      [failed, succeeded].map((t) => queue.add('guance.logmine', t, { initialDelayMs: 50, maxDelayMs: 100 })),
    );
    await Promise.allSettled(ids.map(({ id }) => queue.result(id, { timeoutMs: 10_000 })));
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys(`bull:${name}:*`);
      expect(keys.length).toBeGreaterThan(2);
      const dump: string[] = [];
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'hash') dump.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'string') dump.push(String(await client.get(key)));
        else if (type === 'list') dump.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'zset') dump.push(JSON.stringify(await client.zrange(key, 0, -1)));
        else if (type === 'stream') dump.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else if (type === 'set') dump.push(JSON.stringify(await client.smembers(key)));
      }
      const all = dump.join('\n');
      expect(all).toContain(failed);
      expect(all).not.toContain(sim.guance.apiKey);
    } finally {
      await client.quit();
    }
  });
});
