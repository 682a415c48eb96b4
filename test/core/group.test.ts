import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  asCompleted,
  defineAdapter,
  waitForAll,
  waitForAllSettled,
  waitForAny,
  type SucceededTask,
} from '../../src/index.js';
import { useNockHarness } from '../helpers/nock-harness.js';
import { nockClock } from '../helpers/nock-clock.js';
import { EVERY_SECOND, taskAdapter, taskServer } from './group-harness.js';

const BASE = 'http://tasks.test';
const clock = nockClock();
useNockHarness(0, () => clock.reset());

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets fake time run on for `ms` (and real I/O between), to show nothing more happens. */
async function idle(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    await vi.advanceTimersByTimeAsync(1000);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('waitForAll', () => {
  it('resolves with the statuses in input order, whatever order the tasks finish in', async () => {
    const server = taskServer(BASE, { slow: { polls: 4 }, quick: { polls: 0 }, middle: { polls: 2 } });
    const adapter = taskAdapter(BASE, clock);
    const done = await clock.settle(waitForAll(adapter, ['slow', 'quick', 'middle'], EVERY_SECOND));
    expect(done.map((s) => [s.taskId, s.state, s.result.polls])).toEqual([
      ['slow', 'succeeded', 5],
      ['quick', 'succeeded', 1],
      ['middle', 'succeeded', 3],
    ]);
    expect(server.polled()).toEqual(['slow', 'quick', 'middle']);
    expectTypeOf(done).toEqualTypeOf<SucceededTask<{ id: string; polls: number }>[]>();
  });

  it('accepts any iterable of refs, and an empty one resolves at once with []', async () => {
    const server = taskServer(BASE, {});
    const adapter = taskAdapter(BASE, clock);
    const ids = new Set(['a', 'b']);
    const done = await clock.settle(waitForAll(adapter, ids.values(), EVERY_SECOND));
    expect(done.map((s) => s.taskId)).toEqual(['a', 'b']);
    await expect(waitForAll(adapter, [])).resolves.toEqual([]);
    expect(server.seen).toHaveLength(2);
  });

  it('rejects with the first failure and stops the others at once: no request after it, nothing unhandled', async () => {
    const server = taskServer(BASE, { a: { end: 'never' }, b: { polls: 2, end: 'failed' }, c: { end: 'never' } });
    const adapter = taskAdapter(BASE, clock);
    const error = await clock.failure(waitForAll(adapter, ['a', 'b', 'c'], EVERY_SECOND));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).taskId).toBe('b');
    const requests = server.seen.length;
    const failedAt = Date.now();
    expect(server.seen.filter((s) => s.kind === 'poll' && s.id === 'b').at(-1)?.at).toBe(failedAt);
    await idle(30_000);
    expect(server.seen).toHaveLength(requests);
    expect(server.seen.some((s) => s.kind === 'cancel')).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it('with cancelOnAbort, asks the provider to cancel every other wait in progress before it rejects', async () => {
    const server = taskServer(BASE, { a: { end: 'never' }, b: { polls: 1, end: 'failed' }, c: { end: 'never' } });
    const adapter = taskAdapter(BASE, clock);
    const error = await clock.failure(
      waitForAll(adapter, ['a', 'b', 'c', 'd'], { ...EVERY_SECOND, cancelOnAbort: true, concurrency: 3 }),
    );
    expect((error as TaskFailedError).taskId).toBe('b');
    // a and c were in progress: cancelled; d never started: neither polled nor cancelled.
    const cancels = server.seen.filter((s) => s.kind === 'cancel').map((s) => s.id);
    expect(cancels.sort()).toEqual(['a', 'c']);
    expect(server.polled()).toEqual(['a', 'b', 'c']);
    expect(unhandled).toEqual([]);
  });

  it('types a tuple of entries per entry, and waits across providers', async () => {
    taskServer(BASE, { one: { polls: 1 } });
    taskServer('http://other.test', { two: { polls: 2 } });
    const first = taskAdapter(BASE, clock, 'test.first');
    const inner = taskAdapter('http://other.test', clock);
    // Another provider, with refs and results of other types.
    const other = defineAdapter<{ name: string }, string>({
      provider: 'test.other',
      taskId: (ref) => ref.name,
      resultRequired: true,
      async getStatus(ref, ctx) {
        const { state, providerState, result } = await inner.getStatus(ref.name, ctx);
        return { state, providerState, result: result && `${result.polls} polls` };
      },
    });
    const [a, b] = await clock.settle(
      waitForAll(
        [
          { adapter: first, ref: 'one' },
          { adapter: other, ref: { name: 'two' } },
        ],
        EVERY_SECOND,
      ),
    );
    expect([a.provider, a.taskId, a.result.polls]).toEqual(['test.first', 'one', 2]);
    expect([b.provider, b.taskId, b.result]).toEqual(['test.other', 'two', '3 polls']);
    expectTypeOf(a).toEqualTypeOf<SucceededTask<{ id: string; polls: number }>>();
    expectTypeOf(b).toEqualTypeOf<SucceededTask<string>>();
  });
});

describe('waitForAllSettled', () => {
  it('gives one fulfilled or rejected entry per ref, in input order', async () => {
    taskServer(BASE, { ok: { polls: 3 }, bad: { polls: 1, end: 'failed' }, half: { end: 'partial' } });
    const adapter = taskAdapter(BASE, clock);
    const results = await clock.settle(waitForAllSettled(adapter, ['ok', 'bad', 'half'], EVERY_SECOND));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const [ok, bad] = results;
    expect(ok?.status === 'fulfilled' && ok.value.result.polls).toBe(4);
    expect(bad?.status === 'rejected' && bad.reason).toBeInstanceOf(TaskFailedError);
    const partial = await clock.settle(waitForAllSettled(adapter, ['half'], { ...EVERY_SECOND, acceptPartial: true }));
    expect(partial[0]?.status === 'fulfilled' && partial[0].value.state).toBe('partial');
  });

  it("bounds every wait by the group's timeoutMs, including those that start late", async () => {
    const server = taskServer(BASE, { first: { polls: 6 }, second: { end: 'never' }, third: { end: 'never' } });
    const adapter = taskAdapter(BASE, clock);
    const results = await clock.settle(
      waitForAllSettled(adapter, ['first', 'second', 'third'], { ...EVERY_SECOND, concurrency: 1, timeoutMs: 10_000 }),
    );
    expect(results[0]?.status).toBe('fulfilled');
    // second started at 6 s, when first ended, so it had the 4 s left, and said so.
    const [, second, third] = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(second).toBeInstanceOf(TaskTimeoutError);
    expect((second as TaskTimeoutError).timeoutMs).toBe(4000);
    expect(second?.message).toContain('did not finish within 4000 ms');
    // second ended when its next poll no longer fitted (at 9 s); third had the second left.
    expect(third).toBeInstanceOf(TaskTimeoutError);
    const started = server.seen.find((s) => s.id === 'third')?.at ?? Number.NaN;
    expect((third as TaskTimeoutError).timeoutMs).toBe(10_000 - started);
    expect(Math.max(...server.seen.map((s) => s.at))).toBeLessThan(10_000);
    expect(Date.now()).toBeLessThanOrEqual(10_000);
  });

  it("bounds every wait by the group's deadline instant, as by its timeoutMs", async () => {
    const server = taskServer(BASE, { first: { polls: 6 }, second: { end: 'never' } });
    const adapter = taskAdapter(BASE, clock);
    const deadline = Date.now() + 10_000;
    const results = await clock.settle(
      waitForAllSettled(adapter, ['first', 'second'], {
        ...EVERY_SECOND,
        concurrency: 1,
        deadline: new Date(deadline),
      }),
    );
    expect(results[0]?.status).toBe('fulfilled');
    const second = results[1]?.status === 'rejected' ? results[1].reason : undefined;
    // second started at 6 s with the 4 s left, and its deadline is the group's instant.
    expect(second).toBeInstanceOf(TaskTimeoutError);
    expect(second).toMatchObject({ timeoutMs: 4000, deadline });
    expect(Math.max(...server.seen.map((s) => s.at))).toBeLessThan(deadline);
  });

  it("every wait's snapshot carries exactly the group's deadline, even after the wall clock stepped", async () => {
    taskServer(BASE, { first: { polls: 1 }, second: { polls: 1 } });
    const adapter = taskAdapter(BASE, clock);
    const deadline = Date.now() + 60_000;
    const seen: number[] = [];
    let stepped = false;
    await clock.settle(
      waitForAll(adapter, ['first', 'second'], {
        ...EVERY_SECOND,
        concurrency: 1,
        deadline,
        onProgress: (_status, info) => {
          seen.push(info.snapshot.deadline ?? Number.NaN);
          if (!stepped) vi.setSystemTime(Date.now() + 2000); // NTP steps the wall clock once
          stepped = true;
        },
      }),
    );
    expect(seen).toEqual([deadline, deadline, deadline, deadline]);
  });

  it("each wait's onProgress gets its index and a snapshot of that wait", async () => {
    taskServer(BASE, { a: { polls: 1 }, b: { polls: 2 } });
    const adapter = taskAdapter(BASE, clock);
    const seen: { index: number; taskId: string; attempts: number }[] = [];
    await clock.settle(
      waitForAll(adapter, ['a', 'b'], {
        ...EVERY_SECOND,
        onProgress: (_status, info) => {
          seen.push({ index: info.index, taskId: info.snapshot.taskId, attempts: info.snapshot.attempts });
        },
      }),
    );
    expect(seen.filter((s) => s.index === 1)).toEqual([
      { index: 1, taskId: 'b', attempts: 1 },
      { index: 1, taskId: 'b', attempts: 2 },
      { index: 1, taskId: 'b', attempts: 3 },
    ]);
    expect(seen.filter((s) => s.index === 0).map((s) => s.taskId)).toEqual(['a', 'a']);
  });

  it('a wait whose slot frees only after the time limit ends timed out, without a request', async () => {
    const server = taskServer(BASE, { second: {} });
    const adapter = taskAdapter(BASE, clock);
    // The first wait's poll hangs past the group's time limit; its slot frees only then.
    const hanging = defineAdapter<string, { id: string; polls: number }>({
      provider: 'test.tasks',
      getStatus: (_id, { signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    const results = await clock.settle(
      waitForAllSettled(
        [
          { adapter: hanging, ref: 'first' },
          { adapter, ref: 'second' },
        ],
        { ...EVERY_SECOND, concurrency: 1, timeoutMs: 5000, requestTimeoutMs: 60_000 },
      ),
    );
    const [first, second] = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(first).toBeInstanceOf(TaskTimeoutError);
    expect(second).toBeInstanceOf(TaskTimeoutError);
    expect(second).toMatchObject({ attempts: 0, timeoutMs: 5000, taskId: 'second' });
    expect(server.seen).toEqual([]);
  });

  it("ends every wait, started or not, with TaskAbortedError when the group's signal aborts", async () => {
    const server = taskServer(BASE, () => ({ end: 'never' }));
    const adapter = taskAdapter(BASE, clock);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 2500);
    const results = await clock.settle(
      waitForAllSettled(adapter, ['a', 'b', 'c'], { ...EVERY_SECOND, concurrency: 2, signal: controller.signal }),
    );
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    for (const reason of reasons) {
      expect(reason).toBeInstanceOf(TaskAbortedError);
      expect(reason?.cause).toEqual(new Error('shutting down'));
    }
    expect(reasons.map((r) => (r as TaskAbortedError).attempts)).toEqual([3, 3, 0]);
    expect(server.polled()).toEqual(['a', 'b']);
    const requests = server.seen.length;
    await idle(10_000);
    expect(server.seen).toHaveLength(requests);
  });
});

describe('an aborted signal', () => {
  it('already aborted: every wait ends at once, without a request', async () => {
    const server = taskServer(BASE, {});
    const adapter = taskAdapter(BASE, clock);
    const signal = AbortSignal.abort(new Error('not now'));
    const error = await clock.failure(waitForAll(adapter, ['a', 'b'], { signal }));
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).toMatchObject({ taskId: 'a', attempts: 0, cause: new Error('not now') });
    const settled = await waitForAllSettled(adapter, ['a', 'b'], { signal });
    expect(settled.map((r) => r.status === 'rejected' && r.reason.code)).toEqual(['TASK_ABORTED', 'TASK_ABORTED']);
    expect(server.seen).toEqual([]);
  });
});

describe('waitForAny', () => {
  it('resolves with the first success and stops the others', async () => {
    const server = taskServer(BASE, { a: { end: 'never' }, b: { polls: 2 }, c: { polls: 1, end: 'failed' } });
    const adapter = taskAdapter(BASE, clock);
    const first = await clock.settle(waitForAny(adapter, ['a', 'b', 'c'], EVERY_SECOND));
    expect(first.taskId).toBe('b');
    const requests = server.seen.length;
    await idle(10_000);
    expect(server.seen).toHaveLength(requests);
    expect(unhandled).toEqual([]);
  });

  it('rejects with an AggregateError of every failure, in input order, when all fail; [] rejects too', async () => {
    taskServer(BASE, { a: { polls: 3, end: 'failed' }, b: { end: 'cancelled' } });
    const adapter = taskAdapter(BASE, clock);
    const error = await clock.failure(waitForAny(adapter, ['a', 'b'], EVERY_SECOND));
    expect(error).toBeInstanceOf(AggregateError);
    const errors = (error as AggregateError).errors as TaskFailedError[];
    expect(errors.map((e) => [e.taskId, e.status.state])).toEqual([
      ['a', 'failed'],
      ['b', 'cancelled'],
    ]);
    const empty = await clock.failure(waitForAny(adapter, []));
    expect(empty).toBeInstanceOf(AggregateError);
    expect((empty as AggregateError).errors).toEqual([]);
  });
});

describe('asCompleted', () => {
  it('yields each ending in completion order, with its ref and index', async () => {
    taskServer(BASE, { a: { polls: 3 }, b: { polls: 1, end: 'failed' }, c: { polls: 0 } });
    const adapter = taskAdapter(BASE, clock);
    const seen: [string, number, string][] = [];
    const loop = (async () => {
      for await (const ending of asCompleted(adapter, ['a', 'b', 'c'], EVERY_SECOND)) {
        seen.push([ending.ref, ending.index, ending.error ? ending.error.code : ending.status.state]);
      }
    })();
    await clock.settle(loop);
    expect(seen).toEqual([
      ['c', 2, 'succeeded'],
      ['b', 1, 'TASK_FAILED'],
      ['a', 0, 'succeeded'],
    ]);
  });

  it('leaving the loop early stops the rest: no request after it, no timer left, nothing unhandled', async () => {
    const server = taskServer(BASE, { a: { end: 'never' }, b: { polls: 1 }, c: { end: 'never' }, d: {} });
    const adapter = taskAdapter(BASE, clock);
    const loop = (async () => {
      for await (const ending of asCompleted(adapter, ['a', 'b', 'c', 'd'], { ...EVERY_SECOND, concurrency: 3 })) {
        return ending;
      }
      return undefined;
    })();
    const first = await clock.settle(loop);
    expect(first?.ref).toBe('b');
    expect(vi.getTimerCount()).toBe(0);
    const requests = server.seen.length;
    await idle(10_000);
    expect(server.seen).toHaveLength(requests);
    expect(unhandled).toEqual([]);
  });
});
