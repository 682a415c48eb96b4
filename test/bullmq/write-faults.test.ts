import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { AdapterError, defineAdapter, pollTask, TaskFailedError, TaskTimeoutError, type WaitSnapshot } from 'taskpoll';
import { createWaitQueue, startWaitWorker, type WaitQueue } from 'taskpoll/bullmq';
import { type OwnRedis, proxyTo, startOwnRedis } from '../helpers/redis.js';

/**
 * A Redis write that fails in the middle of an activation (after the poll, before the job is back in
 * the delayed set) must not end the wait: the poll is done again from the last stored snapshot. The
 * failure here is real: the Redis server is made full (`maxmemory` under its use, `noeviction`, the
 * policy BullMQ asks for), which refuses the worker's `updateData` with an OOM error, and is given its
 * memory back a moment later. A Redis that is only unreachable fails no write: BullMQ's connections
 * queue commands until it is back (the last test pins that). This Redis is the test's own: a full
 * Redis would break other tests.
 */
let redis: OwnRedis;
let admin: Redis;

beforeAll(async () => {
  redis = await startOwnRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin.quit();
  await redis.stop();
});

let queueNo = 0;

/**
 * A worker and a producer on a queue of their own, with an adapter whose task is `running` until its
 * `endAt`-th poll, which answers `end`. Poll number `fullAt` fills Redis before it answers and frees it
 * 300 ms later.
 */
async function withFullRedis<T>(
  { fullAt, endAt, end }: { fullAt: number; endAt: number; end: 'succeeded' | 'failed' },
  run: (queue: WaitQueue, polls: () => number) => Promise<T>,
): Promise<T> {
  const connection = { host: redis.host, port: redis.port };
  const name = `write-faults-${process.pid}-${++queueNo}`;
  let polls = 0;
  let refill: Promise<unknown> | undefined;
  const adapter = defineAdapter({
    provider: 'acme.export',
    async getStatus() {
      polls += 1;
      if (polls === fullAt) {
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        await admin.config('SET', 'maxmemory', '1');
        refill = new Promise((r) => setTimeout(r, 300)).then(() => admin.config('SET', 'maxmemory', '0'));
      }
      const state = polls >= endAt ? end : 'running';
      return { state, providerState: state };
    },
  });
  const queue = createWaitQueue({ connection, name });
  const worker = startWaitWorker({ connection, name, adapters: [adapter] });
  try {
    return await run(queue, () => polls);
  } finally {
    await refill;
    await worker.close();
    await queue.close();
  }
}

const schedule = { initialDelayMs: 50, maxDelayMs: 50, jitter: 0 };

describe('taskpoll/bullmq: Redis writes failing mid-activation', () => {
  it('Redis full (OOM) when the worker stores a poll: the wait resumes from its last snapshot and ends in its true outcome', async () => {
    await withFullRedis({ fullAt: 1, endAt: 4, end: 'succeeded' }, async (queue, polls) => {
      const { id } = await queue.add('acme.export', 'job-1', schedule);
      const done = await queue.result(id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ taskId: 'job-1', state: 'succeeded' });
      // The refused write lost the first poll's snapshot: that poll was done again, then two more.
      expect(polls()).toBe(4);
      expect((await queue.status(id))?.attempts).toBe(3);
    });
  });

  it('Redis full when the worker stores a failed task: the poll is done again and the result is still TaskFailedError', async () => {
    await withFullRedis({ fullAt: 2, endAt: 2, end: 'failed' }, async (queue, polls) => {
      const { id } = await queue.add('acme.export', 'job-2', schedule);
      const error = await queue.result(id, { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ taskId: 'job-2', status: { state: 'failed' } });
      expect(polls()).toBe(3);
    });
  });

  it('Redis unreachable from the worker mid-activation: its writes wait for Redis (BullMQ connections queue commands), and the wait goes on without a lost poll', async () => {
    const proxy = await proxyTo(redis);
    const name = `write-faults-${process.pid}-${++queueNo}`;
    let polls = 0;
    let back: Promise<void> | undefined;
    const adapter = defineAdapter({
      provider: 'acme.export',
      async getStatus() {
        polls += 1;
        if (polls === 1) {
          await proxy.down();
          back = new Promise((r) => setTimeout(r, 1_000)).then(() => proxy.up());
        }
        const state = polls >= 3 ? 'succeeded' : 'running';
        return { state, providerState: state };
      },
    });
    const { port } = new URL(proxy.url);
    const worker = startWaitWorker({
      connection: { host: '127.0.0.1', port: Number(port) },
      name,
      adapters: [adapter],
    });
    const queue = createWaitQueue({ connection: { host: redis.host, port: redis.port }, name });
    try {
      const { id } = await queue.add('acme.export', 'job-3', schedule);
      await expect(queue.result(id, { timeoutMs: 15_000 })).resolves.toMatchObject({ state: 'succeeded' });
      // The first poll's snapshot was stored once Redis was back: no poll was done again.
      expect(polls).toBe(3);
    } finally {
      await back;
      await worker.close();
      await queue.close();
    }
  });
});

describe('taskpoll/bullmq: what an activation reads back', () => {
  /** A worker and a producer on a queue of their own, with `adapter`; `raw` adds jobs as written by hand. */
  async function withQueue<T>(
    adapter: ReturnType<typeof defineAdapter>,
    run: (queue: WaitQueue, raw: Queue) => Promise<T>,
  ): Promise<T> {
    const connection = { host: redis.host, port: redis.port };
    const name = `read-back-${process.pid}-${++queueNo}`;
    const queue = createWaitQueue({ connection, name });
    const raw = new Queue(name, { connection });
    const worker = startWaitWorker({ connection, name, adapters: [adapter] });
    try {
      return await run(queue, raw);
    } finally {
      await worker.close();
      await raw.close();
      await queue.close();
    }
  }

  /** A real snapshot of a wait on `adapter` after one poll, to corrupt. */
  async function snapshotOf(adapter: ReturnType<typeof defineAdapter>, ref: string): Promise<WaitSnapshot> {
    const iterator = pollTask(adapter, ref, { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 });
    await iterator.next();
    await iterator.return?.(undefined);
    return iterator.snapshot() as WaitSnapshot;
  }

  const running = () => {
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'acme.export',
      async getStatus() {
        polls += 1;
        return { state: 'running', providerState: 'running' };
      },
    });
    return { adapter, polls: () => polls };
  };

  it('a stored nextPollAt that is not a number fails the wait alone, with a typed error naming it', async () => {
    const { adapter, polls } = running();
    const snapshot = await snapshotOf(adapter, 'job-4');
    await withQueue(adapter, async (queue, raw) => {
      const data = { provider: 'acme.export', ref: 'job-4', options: { deadline: null }, snapshot };
      const job = await raw.add('wait', { ...data, snapshot: { ...snapshot, nextPollAt: '9000000000000000' } });
      await expect(queue.result(String(job.id), { timeoutMs: 10_000 })).rejects.toThrow(/nextPollAt/);
      expect(polls()).toBe(1);
    });
  });

  it('a stored nextPollAt far past the deadline: the wait still ends at its deadline with TaskTimeoutError', async () => {
    const { adapter } = running();
    const snapshot = await snapshotOf(adapter, 'job-5');
    await withQueue(adapter, async (queue, raw) => {
      const deadline = Date.now() + 1_500;
      const job = await raw.add('wait', {
        provider: 'acme.export',
        ref: 'job-5',
        options: { deadline },
        snapshot: { ...snapshot, deadline, nextPollAt: 9e15 },
      });
      const error = await queue.result(String(job.id), { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(error).toMatchObject({ deadline });
    });
  });

  it('a wait whose failure was stored, taken up again before it was moved to failed, ends as stored without a poll', async () => {
    const { adapter, polls } = running();
    const snapshot = await snapshotOf(adapter, 'job-6');
    await withQueue(adapter, async (queue, raw) => {
      const failed = new TaskFailedError({ ...snapshotStatus(snapshot), state: 'failed', terminal: true });
      const job = await raw.add('wait', {
        provider: 'acme.export',
        ref: 'job-6',
        options: { deadline: null },
        snapshot: { ...snapshot, nextPollAt: Date.now() },
        error: { code: failed.code, message: failed.message, status: { ...failed.status, raw: null } },
      });
      await expect(queue.result(String(job.id), { timeoutMs: 10_000 })).rejects.toThrow(TaskFailedError);
      expect(polls()).toBe(1);
    });
  });

  it('a result that cannot be stored as JSON (a BigInt) fails the wait once, with a typed error saying so', async () => {
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'acme.export',
      async getStatus() {
        polls += 1;
        return { state: 'succeeded', providerState: 'done', result: { rows: 10n } };
      },
    });
    await withQueue(adapter, async (queue) => {
      const { id } = await queue.add('acme.export', 'job-7', schedule);
      const error = await queue.result(id, { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as Error).message).toMatch(/result cannot be stored as JSON/);
      expect(polls).toBe(1);
    });
  });
});

/** The status a snapshot's last state stands for, for an error built by hand. */
function snapshotStatus(snapshot: WaitSnapshot) {
  return {
    provider: snapshot.provider,
    taskId: snapshot.taskId,
    state: 'running' as const,
    providerState: snapshot.last?.providerState ?? 'running',
    terminal: false,
    raw: null,
  };
}
