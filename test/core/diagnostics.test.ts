import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ProviderError,
  TaskTimeoutError,
  pollTask,
  waitForTask,
  type PacingMessage,
  type PollContext,
  type RetryMessage,
  type StatusMessage,
  type WaitContext,
  type WaitSnapshot,
} from '../../src/index.js';
import {
  JSON_TYPE,
  QUERY,
  RUNNING,
  SEND,
  SEND_OK,
  TASK_ID,
  api,
  clock,
  errorBody,
  make,
  statusBody,
  useGuanceNock,
} from '../providers/guance/harness.js';
import { messages, names, record } from './diagnostics-harness.js';

/**
 * The diagnostics channels through a real factory (guanceLogmine over nock) in fake time: every event
 * of a wait with a retry after Retry-After, a rate-limit pause, time queued for pacing, a timeout, and
 * the traceparent a subscriber gives a wait, carried by its snapshots to the wait resumed from them.
 */

useGuanceNock();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  vi.setSystemTime(0);
});

const schedule = { initialDelayMs: 1000, jitter: 0, progressAware: false } as const;
/** Every status of a `pollTask` iteration. */
async function drain<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('a wait with a retry after a 429 with Retry-After', () => {
  it('publishes the wait and each request of the poll as traces, the pause, the retry with its delay, the status and the ending', async () => {
    api().get(QUERY).query(true).reply(429, errorBody(429, 'ft.TooManyRequests'), { 'Retry-After': '2' });
    api().get(QUERY).query(true).reply(200, statusBody('ok'), JSON_TYPE);
    const events = record();
    const done = await clock.settle(waitForTask(make({ axios: clock.axios() }), TASK_ID, schedule));
    expect(done.state).toBe('succeeded');

    expect(names(events)).toEqual([
      'wait.start',
      'poll.start',
      'poll.end',
      'wait.end',
      'pacing.publish',
      'poll.error',
      'poll.asyncStart',
      'poll.asyncEnd',
      'retry.publish',
      'poll.start',
      'poll.end',
      'poll.asyncStart',
      'poll.asyncEnd',
      'status.publish',
      'wait.asyncStart',
      'wait.asyncEnd',
    ]);
    const wait = messages(events, 'wait', 'start')[0] as unknown as WaitContext;
    // One context object from start to end, its end fields set before it settled.
    expect(messages(events, 'wait', 'asyncEnd')[0]).toBe(wait);
    expect(wait).toMatchObject({
      provider: 'guance.logmine',
      taskId: TASK_ID,
      resumedFrom: undefined,
      outcome: 'succeeded',
      state: 'succeeded',
      attempts: 1,
      elapsedMs: 2000,
      queuedMs: 0,
      result: done,
    });
    // The options given, and the defaults for the rest.
    expect(wait.options).toEqual({
      timeoutMs: 1_800_000,
      deadline: 1_800_000,
      initialDelayMs: 1000,
      maxDelayMs: 120_000,
      factor: 1.13,
      jitter: 0,
      progressAware: false,
      requestTimeoutMs: 10_000,
      retries: 4,
      acceptPartial: false,
      cancelOnAbort: false,
    });
    const polls = messages(events, 'poll', 'start') as unknown as PollContext[];
    expect(polls.map(({ attempt, retry, wait: w }) => ({ attempt, retry, same: w === wait }))).toEqual([
      { attempt: 1, retry: 0, same: true },
      { attempt: 1, retry: 1, same: true },
    ]);
    expect(polls[0]?.error).toBeInstanceOf(ProviderError);
    expect(polls[1]?.result).toBe(done);
    expect(messages(events, 'pacing')).toEqual([
      { kind: 'pause', provider: 'guance.logmine', pauseMs: 2000, until: 2000 } satisfies PacingMessage,
    ]);
    const [retry] = messages(events, 'retry') as unknown as RetryMessage[];
    expect(retry).toMatchObject({
      provider: 'guance.logmine',
      taskId: TASK_ID,
      attempt: 1,
      retry: 1,
      delayMs: 2000,
      retryAfter: true,
    });
    expect(retry?.wait).toBe(wait);
    expect(retry?.error).toBe(polls[0]?.error);
    expect(retry?.error.code).toBe('PROVIDER_ERROR');
    const [status] = messages(events, 'status') as unknown as StatusMessage[];
    expect(status?.status).toBe(done);
    expect(status?.info).toMatchObject({ attempt: 1, elapsedMs: 2000, queuedMs: 0, nextDelayMs: undefined });
  });
});

describe('a wait with a retry after a 503 without Retry-After', () => {
  it('a retry whose delay is the schedule, not Retry-After, says so', async () => {
    api().get(QUERY).query(true).reply(503, errorBody(503, 'ft.Unavailable'));
    api().get(QUERY).query(true).reply(200, statusBody('ok'), JSON_TYPE);
    const events = record();
    await clock.settle(
      waitForTask(make({ axios: clock.axios() }), TASK_ID, { ...schedule, retry: { minDelayMs: 300 } }),
    );
    expect(messages(events, 'retry')).toMatchObject([{ retry: 1, delayMs: 300, retryAfter: false }]);
    expect(messages(events, 'pacing')).toEqual([]);
  });
});

describe('pacing', () => {
  it('a poll queued for its slot: the time it queued, as the wait reports it at its end', async () => {
    api().post(SEND).reply(200, SEND_OK, JSON_TYPE);
    api().get(QUERY).query(true).reply(200, statusBody('ok'), JSON_TYPE);
    const logmine = make({ pacing: { requestsPerInterval: 1, intervalMs: 5000 }, axios: clock.axios() });
    const events = record();
    await clock.settle(logmine.submit({ analysisField: 'message' }));
    await clock.settle(waitForTask(logmine, TASK_ID, schedule));
    // The submit got its slot at once (nothing published); the poll waited 5 s plus the least margin.
    expect(messages(events, 'pacing')).toEqual([
      { kind: 'queued', provider: 'guance.logmine', taskId: TASK_ID, call: 'poll', queuedMs: 5100, aborted: false },
    ]);
    expect(messages(events, 'wait', 'asyncEnd')[0]).toMatchObject({ queuedMs: 5100, elapsedMs: 5100 });
  });

  it('a call of the adapter that queued, and a poll that gave up its place when the wait timed out', async () => {
    api().post(SEND).times(2).reply(200, SEND_OK, JSON_TYPE);
    const logmine = make({ pacing: { requestsPerInterval: 1, intervalMs: 5000 }, axios: clock.axios() });
    const events = record();
    await clock.settle(logmine.submit({ analysisField: 'message' }));
    await clock.settle(logmine.submit({ analysisField: 'message' }));
    const error = await clock.failure(waitForTask(logmine, TASK_ID, { ...schedule, timeoutMs: 2000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(messages(events, 'pacing')).toEqual([
      { kind: 'queued', provider: 'guance.logmine', taskId: undefined, call: 'call', queuedMs: 5100, aborted: false },
      { kind: 'queued', provider: 'guance.logmine', taskId: TASK_ID, call: 'poll', queuedMs: 2000, aborted: true },
    ]);
  });
});

describe('a timeout', () => {
  it('ends the wait trace with error: the TaskTimeoutError, outcome timeout, no state', async () => {
    api()
      .get(QUERY)
      .query(true)
      .times(10)
      .reply(() => [200, RUNNING, JSON_TYPE]);
    const events = record();
    const error = await clock.failure(
      waitForTask(make({ axios: clock.axios() }), TASK_ID, { ...schedule, timeoutMs: 2500 }),
    );
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(names(events).slice(-3)).toEqual(['wait.error', 'wait.asyncStart', 'wait.asyncEnd']);
    const wait = messages(events, 'wait', 'error')[0] as unknown as WaitContext;
    expect(wait.error).toBe(error);
    expect(wait).toMatchObject({
      outcome: 'timeout',
      attempts: (error as TaskTimeoutError).attempts,
      elapsedMs: (error as TaskTimeoutError).elapsedMs,
    });
    expect(wait.state).toBeUndefined();
    expect(messages(events, 'status').length).toBe(wait.attempts);
  });
});

describe('traceparent: a subscriber gives the wait one at start, its snapshots carry it, a resume reports it', () => {
  it('waitForTask → onProgress snapshot → resumed wait', async () => {
    api()
      .get(QUERY)
      .query(true)
      .reply(() => [200, RUNNING, JSON_TYPE]);
    api().get(QUERY).query(true).reply(200, statusBody('ok'), JSON_TYPE);
    const logmine = make({ axios: clock.axios() });
    let snapshot: WaitSnapshot | undefined;
    const first = new AbortController();
    const events = record((context) => {
      if (context.resumedFrom === undefined) context.traceparent = TRACEPARENT;
    });
    await clock.failure(
      waitForTask(logmine, TASK_ID, {
        ...schedule,
        signal: first.signal,
        onProgress: (_status, info) => {
          snapshot = info.snapshot;
          first.abort(new Error('handing over'));
        },
      }),
    );
    expect(snapshot?.traceparent).toBe(TRACEPARENT);
    // The snapshot goes through JSON and back, as it would between processes.
    const stored = JSON.parse(JSON.stringify(snapshot)) as WaitSnapshot;
    const resumed = pollTask(logmine, TASK_ID, { ...schedule, resumeFrom: stored });
    const statuses = await clock.settle(drain(resumed));
    expect(statuses.map((s) => s.state)).toEqual(['succeeded']);
    // The resumed wait's subscriber gave none: its snapshots carry the first wait's on.
    expect(resumed.snapshot()?.traceparent).toBe(TRACEPARENT);
    const [, second] = messages(events, 'wait', 'start') as unknown as WaitContext[];
    expect(second?.resumedFrom).toEqual({ attempts: 1, traceparent: TRACEPARENT });
    expect(second?.traceparent).toBeUndefined();
    expect(second).toMatchObject({ outcome: 'succeeded', attempts: 2 });
  });

  it('a traceparent not of the W3C shape is left out of the snapshots; a snapshot carrying one is refused', async () => {
    api().get(QUERY).query(true).reply(200, statusBody('ok'), JSON_TYPE);
    record((context) => {
      context.traceparent = 'not-a-traceparent';
    });
    const iterator = pollTask(make({ axios: clock.axios() }), TASK_ID, schedule);
    await clock.settle(iterator.next());
    const snapshot = iterator.snapshot() as WaitSnapshot;
    expect(snapshot).not.toHaveProperty('traceparent');
    const bad = { ...snapshot, traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' };
    expect(() => pollTask(make(), TASK_ID, { resumeFrom: bad })).toThrow(TypeError);
    expect(() => pollTask(make(), TASK_ID, { resumeFrom: bad })).toThrow(
      'resumeFrom.traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got "00-0000',
    );
    expect(() => pollTask(make(), TASK_ID, { resumeFrom: { ...snapshot, traceparent: TRACEPARENT } })).not.toThrow();
  });
});
