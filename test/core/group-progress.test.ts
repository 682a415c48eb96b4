import { describe, expect, it, vi } from 'vitest';
import {
  CallbackError,
  asCompleted,
  waitForAll,
  waitForAllSettled,
  type GroupProgress,
  type TaskStatus,
} from '../../src/index.js';
import { useNockHarness } from '../helpers/nock-harness.js';
import { nockClock } from '../helpers/nock-clock.js';
import { EVERY_SECOND, taskAdapter, taskServer } from './group-harness.js';

const BASE = 'http://tasks.test';
const clock = nockClock();
useNockHarness(0, () => clock.reset());

const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);

/** Every count of a progress, so each call can be checked to add up. */
const sum = (p: GroupProgress) =>
  p.pending +
  p.queued +
  p.running +
  p.succeeded +
  p.partial +
  p.failed +
  p.cancelled +
  p.timedOut +
  p.aborted +
  p.errored;

describe('concurrency', () => {
  it('never has more than `concurrency` tasks in progress on the server, and starts the rest in input order', async () => {
    const polls = [3, 0, 5, 1, 2, 4, 0, 6, 2, 1];
    const server = taskServer(BASE, (id) => ({ polls: polls[Number(id.slice(1))] ?? 0 }));
    const adapter = taskAdapter(BASE, clock);
    const done = await clock.settle(waitForAll(adapter, ids(10), { ...EVERY_SECOND, concurrency: 3 }));
    expect(done.map((s) => s.taskId)).toEqual(ids(10));
    expect(server.maxWatched()).toBe(3);
    expect(server.polled()).toEqual(ids(10));
  });

  it('a wait holds its slot from its first poll until it settles, however long its requests take', async () => {
    const server = taskServer(BASE, (id) => ({ polls: id === 't0' ? 8 : 1 }));
    const adapter = taskAdapter(BASE, clock);
    await clock.settle(waitForAll(adapter, ids(4), { ...EVERY_SECOND, concurrency: 2 }));
    // t0 runs for 8 s in one slot; t1, t2 and t3 take turns in the other.
    const firstPoll = (id: string) => server.seen.find((s) => s.id === id)?.at;
    expect([firstPoll('t0'), firstPoll('t1'), firstPoll('t2'), firstPoll('t3')]).toEqual([0, 0, 1000, 2000]);
    expect(server.maxWatched()).toBe(2);
  });

  it('10 000 refs with concurrency 100: 100 waits set up, the other 9 900 end on abort without a request', async () => {
    const server = taskServer(BASE, () => ({ end: 'never' }));
    const adapter = taskAdapter(BASE, clock);
    let maxInFlight = 0;
    let maxTimers = 0;
    const onGroupProgress = (p: GroupProgress) => {
      maxInFlight = Math.max(maxInFlight, clock.inFlight);
      maxTimers = Math.max(maxTimers, vi.getTimerCount());
      expect(p.running + p.queued).toBeLessThanOrEqual(100);
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('enough')), 1500);
    const results = await clock.settle(
      waitForAllSettled(adapter, ids(10_000), {
        ...EVERY_SECOND,
        concurrency: 100,
        signal: controller.signal,
        onGroupProgress,
      }),
    );
    expect(results).toHaveLength(10_000);
    expect(results.every((r) => r.status === 'rejected' && r.reason.code === 'TASK_ABORTED')).toBe(true);
    // Two polls (at 0 and 1 s) of the first 100 tasks, and not one request for the others.
    expect(server.polled()).toEqual(ids(100));
    expect(server.seen).toHaveLength(200);
    expect(maxInFlight).toBeLessThanOrEqual(100);
    // A few timers per wait in progress (its deadline, its poll's time limit, its sleep) and the abort's:
    // none for the 9 900 waiting.
    expect(maxTimers).toBeLessThanOrEqual(3 * 100 + 1);
  });
});

describe('onGroupProgress', () => {
  it('is told the counts at the start and at each change, always adding up to the total', async () => {
    taskServer(BASE, {
      t0: { polls: 2, queuedPolls: 1 },
      t1: { polls: 1, end: 'failed' },
      t2: { polls: 4 },
      t3: { end: 'cancelled' },
    });
    const adapter = taskAdapter(BASE, clock);
    const seen: GroupProgress[] = [];
    await clock.settle(
      waitForAllSettled(adapter, ids(4), {
        ...EVERY_SECOND,
        concurrency: 3,
        onGroupProgress: (p) => void seen.push(p),
      }),
    );
    for (const p of seen) expect(sum(p)).toBe(4);
    expect(seen[0]).toEqual({
      total: 4,
      pending: 4,
      queued: 0,
      running: 0,
      succeeded: 0,
      partial: 0,
      failed: 0,
      cancelled: 0,
      timedOut: 0,
      aborted: 0,
      errored: 0,
      meanProgress: undefined,
    });
    // After the first polls: t0 queued at 0 %, t1 and t2 running at 0 %, t3 still waiting for a slot.
    expect(seen).toContainEqual(expect.objectContaining({ pending: 1, queued: 1, running: 2, meanProgress: 0 }));
    // Consecutive calls always differ: no call without a change.
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).not.toEqual(seen[i - 1]);
    expect(seen.at(-1)).toMatchObject({ pending: 0, running: 0, succeeded: 2, failed: 1, cancelled: 1 });
    expect(seen.at(-1)?.meanProgress).toBeUndefined();
  });

  it('gives the mean progress of the waits in progress that report one', async () => {
    taskServer(BASE, { t0: { polls: 4 }, t1: { polls: 2 } });
    const adapter = taskAdapter(BASE, clock);
    const means: (number | undefined)[] = [];
    await clock.settle(
      waitForAll(adapter, ids(2), { ...EVERY_SECOND, onGroupProgress: (p) => void means.push(p.meanProgress) }),
    );
    // t0 reports 0, 25, 50, 75 %; t1 reports 0, 50 % and then ends, leaving t0 alone in the mean (a
    // poll that changes nothing calls nothing).
    expect(means.filter((m) => m !== undefined)).toEqual([0, 12.5, 37.5, 50, 50, 75]);
  });

  it('when it throws, the group stops every wait and rejects with a CallbackError', async () => {
    const server = taskServer(BASE, () => ({ end: 'never' }));
    const adapter = taskAdapter(BASE, clock);
    const boom = new Error('display gone');
    const onGroupProgress = (p: GroupProgress) => {
      if (p.running === 2) throw boom;
    };
    const error = await clock.failure(waitForAllSettled(adapter, ids(2), { ...EVERY_SECOND, onGroupProgress }));
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).cause).toBe(boom);
    const requests = server.seen.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.seen).toHaveLength(requests);

    const loop = (async () => {
      for await (const _ of asCompleted(adapter, ids(2), { ...EVERY_SECOND, onGroupProgress })) {
        /* no ending comes */
      }
    })();
    expect(await clock.failure(loop)).toBeInstanceOf(CallbackError);
  });
});

describe('per-wait onProgress', () => {
  it('gets every status of every wait, with the wait’s index beside the usual info', async () => {
    taskServer(BASE, { t0: { polls: 1 }, t1: {} });
    const adapter = taskAdapter(BASE, clock);
    const calls: [number, string, string, number][] = [];
    const onProgress = (status: TaskStatus<{ id: string; polls: number }>, info: { index: number; attempt: number }) =>
      void calls.push([info.index, status.taskId, status.state, info.attempt]);
    await clock.settle(waitForAll(adapter, ids(2), { ...EVERY_SECOND, onProgress }));
    expect(calls).toEqual([
      [0, 't0', 'running', 1],
      [1, 't1', 'succeeded', 1],
      [0, 't0', 'succeeded', 2],
    ]);
  });
});
