import { AsyncLocalStorage } from 'node:async_hooks';
import { Channel, tracingChannel } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DIAGNOSTIC_CHANNELS,
  NetworkError,
  defineAdapter,
  pollTask,
  waitForAll,
  waitForTask,
  type TaskAdapter,
  type TaskStatus,
  type WaitContext,
} from '../../src/index.js';
import { settle } from '../helpers/fake-timers.js';
import { messages, names, record } from './diagnostics-harness.js';

/**
 * The `taskpoll:wait` trace per wait (exactly one start per `waitForTask`, per `pollTask` iteration,
 * per wait of a group), a subscriber's bound store seen by the adapter, and nothing published (nor
 * any payload built) while nobody subscribes. In fake time, with adapters that answer from a script.
 */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const FAST = { initialDelayMs: 100, jitter: 0, retry: { minDelayMs: 50 } } as const;

/** An adapter whose every task is running for `runningPolls` polls, then succeeded. */
function scripted(runningPolls = 1) {
  const seen = new Map<string, number>();
  return defineAdapter({
    provider: 'diag.local',
    async getStatus(id: string) {
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      return n > runningPolls
        ? { state: 'succeeded' as const, providerState: 'done', result: id }
        : { state: 'running' as const, providerState: 'busy', progress: 50 };
    },
  });
}

describe('exactly one taskpoll:wait trace per wait', () => {
  it('waitForTask: one start, one end, one asyncEnd, around all its polls', async () => {
    const events = record();
    await settle(waitForTask(scripted(2), 'a', FAST));
    const waits = names(events).filter((n) => n.startsWith('wait.'));
    expect(waits).toEqual(['wait.start', 'wait.end', 'wait.asyncStart', 'wait.asyncEnd']);
    expect(messages(events, 'poll', 'start')).toHaveLength(3);
  });

  it('pollTask: the start comes with the first next(), not the call; the trace ends with the iteration', async () => {
    const events = record();
    const iterator = pollTask(scripted(1), 'a', FAST);
    expect(events).toEqual([]);
    const { value } = await settle(
      (async () => {
        const statuses: TaskStatus<unknown>[] = [];
        for await (const status of iterator) statuses.push(status);
        return statuses;
      })(),
    );
    expect(value?.map((s) => s.state)).toEqual(['running', 'succeeded']);
    const waits = names(events).filter((n) => n.startsWith('wait.'));
    expect(waits).toEqual(['wait.start', 'wait.end', 'wait.asyncStart', 'wait.asyncEnd']);
    const context = messages(events, 'wait', 'asyncEnd')[0] as unknown as WaitContext;
    expect(context).toMatchObject({ outcome: 'succeeded', state: 'succeeded', attempts: 2 });
    expect(context.result).toBe(value?.[1]);
  });

  it('pollTask left early (break): the trace ends once, outcome stopped, no error', async () => {
    const events = record();
    const { value } = await settle(
      (async () => {
        for await (const status of pollTask(scripted(5), 'a', FAST)) return status;
        return undefined;
      })(),
    );
    expect(value?.state).toBe('running');
    expect(names(events).filter((n) => n.startsWith('wait.'))).toEqual([
      'wait.start',
      'wait.end',
      'wait.asyncStart',
      'wait.asyncEnd',
    ]);
    expect(messages(events, 'wait', 'asyncEnd')[0]).toMatchObject({ outcome: 'stopped', attempts: 1 });
    expect(messages(events, 'wait', 'asyncEnd')[0]?.state).toBeUndefined();
  });

  it('pollTask left before its first next(): nothing at all', async () => {
    const events = record();
    const iterator = pollTask(scripted(), 'a', FAST);
    await iterator.return?.();
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    expect(events).toEqual([]);
  });

  it('a group: one trace per wait, each with its task id', async () => {
    const events = record();
    await settle(waitForAll(scripted(1), ['a', 'b', 'c'], FAST));
    const starts = messages(events, 'wait', 'start');
    expect(starts.map((c) => c.taskId)).toEqual(['a', 'b', 'c']);
    expect(messages(events, 'wait', 'asyncEnd').map((c) => c.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});

describe('a store bound to the start of taskpoll:wait or taskpoll:poll is active in the adapter', () => {
  /** An adapter that records the store of `als` at each getStatus. */
  function storeReader(als: AsyncLocalStorage<unknown>, polls: number) {
    const stores: unknown[] = [];
    const adapter = defineAdapter({
      provider: 'diag.local',
      async getStatus() {
        stores.push(als.getStore());
        // A real adapter awaits I/O before it answers; the store must survive it.
        await Promise.resolve();
        return stores.length >= polls
          ? { state: 'succeeded' as const, providerState: 'done' }
          : { state: 'running' as const, providerState: 'busy' };
      },
    });
    return { adapter, stores };
  }

  it('waitForTask, every poll', async () => {
    const als = new AsyncLocalStorage<unknown>();
    const start = tracingChannel(DIAGNOSTIC_CHANNELS.wait).start;
    start.bindStore(als, (context) => ({ span: (context as WaitContext).taskId }));
    try {
      const { adapter, stores } = storeReader(als, 3);
      await settle(waitForTask(adapter, 'task-1', FAST));
      expect(stores).toEqual([{ span: 'task-1' }, { span: 'task-1' }, { span: 'task-1' }]);
      expect(als.getStore()).toBeUndefined();
    } finally {
      start.unbindStore(als);
    }
  });

  it('pollTask, every poll (a generator resumes in its caller’s context otherwise)', async () => {
    const als = new AsyncLocalStorage<unknown>();
    const start = tracingChannel(DIAGNOSTIC_CHANNELS.wait).start;
    start.bindStore(als, (context) => ({ span: (context as WaitContext).taskId }));
    try {
      const { adapter, stores } = storeReader(als, 3);
      await settle(
        (async () => {
          for await (const _status of pollTask(adapter, 'task-2', FAST));
        })(),
      );
      expect(stores).toEqual([{ span: 'task-2' }, { span: 'task-2' }, { span: 'task-2' }]);
    } finally {
      start.unbindStore(als);
    }
  });

  it('taskpoll:poll: each request its own', async () => {
    const als = new AsyncLocalStorage<unknown>();
    const start = tracingChannel(DIAGNOSTIC_CHANNELS.poll).start;
    start.bindStore(als, (context) => {
      const { attempt, retry } = context as { attempt: number; retry: number };
      return `${attempt}.${retry}`;
    });
    try {
      const stores: unknown[] = [];
      let calls = 0;
      const adapter = defineAdapter({
        provider: 'diag.local',
        async getStatus() {
          stores.push(als.getStore());
          calls += 1;
          if (calls === 2) throw new NetworkError('reset', { transient: true });
          return calls === 3
            ? { state: 'succeeded' as const, providerState: 'done' }
            : { state: 'running' as const, providerState: 'busy' };
        },
      });
      await settle(waitForTask(adapter, 'task-3', FAST));
      expect(stores).toEqual(['1.0', '2.0', '2.1']);
    } finally {
      start.unbindStore(als);
    }
  });
});

describe('nobody subscribes: nothing is published, and no payload is built', () => {
  /**
   * A hand-written adapter whose `provider` is a getter that counts its reads: every message and the
   * wait context read it, so a wait with a subscriber reads it more often than one without.
   */
  function counting(): { adapter: TaskAdapter<string, string>; reads: () => number } {
    let reads = 0;
    let calls = 0;
    const adapter: TaskAdapter<string, string> = {
      get provider() {
        reads += 1;
        return 'diag.counting';
      },
      taskId: (id) => id,
      async getStatus(id) {
        calls += 1;
        if (calls % 3 === 1) throw new NetworkError('reset', { transient: true, retryAfterMs: 100 });
        const done = calls % 3 === 0;
        return done
          ? {
              provider: 'diag.counting',
              taskId: id,
              state: 'succeeded',
              terminal: true,
              providerState: 'done',
              raw: {},
              result: 'r',
            }
          : {
              provider: 'diag.counting',
              taskId: id,
              state: 'running',
              terminal: false,
              providerState: 'busy',
              raw: {},
            };
      },
    };
    return { adapter, reads: () => reads };
  }

  it('no publish, no runStores, no tracePromise; the provider read fewer times than with a subscriber', async () => {
    const traced = Object.getPrototypeOf(tracingChannel(DIAGNOSTIC_CHANNELS.wait)) as {
      tracePromise: (...args: unknown[]) => unknown;
    };
    const publish = vi.spyOn(Channel.prototype, 'publish');
    const runStores = vi.spyOn(Channel.prototype, 'runStores');
    const tracePromise = vi.spyOn(traced, 'tracePromise');
    const quiet = counting();
    await settle(waitForTask(quiet.adapter, 'a', FAST));
    const ours = (spy: typeof publish | typeof runStores) =>
      spy.mock.contexts.filter((c) => String((c as Channel).name).startsWith('taskpoll:'));
    expect(ours(publish)).toEqual([]);
    expect(ours(runStores)).toEqual([]);
    expect(tracePromise).not.toHaveBeenCalled();

    record();
    const observed = counting();
    await settle(waitForTask(observed.adapter, 'a', FAST));
    expect(observed.reads()).toBeGreaterThan(quiet.reads());
  });
});
