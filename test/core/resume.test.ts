import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CallbackError,
  HttpError,
  TaskAbortedError,
  TaskTimeoutError,
  defineAdapter,
  pollTask,
  waitForTask,
  type ProgressInfo,
  type WaitSnapshot,
} from '../../src/index.js';
import { settle } from '../helpers/fake-timers.js';
import { scripted, type Step } from '../helpers/scripted.js';

/**
 * Resumable waits in one process, in fake time: what a snapshot holds after each poll, and how a wait
 * resumed from it goes on (its deadline, its poll count, its schedule, its next poll time). The
 * cross-process run is resume-process.test.ts.
 */

const START = Date.UTC(2026, 2, 1, 12);
/** Delays 1000, then 1000 + elapsed (factor 2), without jitter, up to a minute. */
const schedule = { jitter: 0, initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, progressAware: false } as const;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs a wait for `polls` polls and returns the snapshot after the last of them; the wait is then aborted. */
async function snapshotAfter(
  polls: number,
  steps: Step<string>[],
  options: Parameters<typeof waitForTask>[2] = {},
): Promise<WaitSnapshot> {
  const { adapter } = scripted<string>(steps);
  const stop = new AbortController();
  let snapshot: WaitSnapshot | undefined;
  const wait = waitForTask(adapter, 'task-1', {
    ...schedule,
    ...options,
    signal: stop.signal,
    onProgress: (_status, info) => {
      snapshot = info.snapshot;
      if (info.attempt === polls) stop.abort(new Error('process stopped'));
    },
  });
  const { error } = await settle(wait);
  expect(error).toBeInstanceOf(TaskAbortedError);
  return snapshot as WaitSnapshot;
}

describe('the snapshot after each poll', () => {
  it('holds the wait as JSON-safe data: start, deadline, polls, next poll, last status; never the result', async () => {
    const { adapter } = scripted<string>([
      { state: 'queued', providerState: 'QUEUED' },
      { state: 'running', providerState: 'RUNNING', progress: 40 },
      { state: 'succeeded', providerState: 'DONE', result: 'the-result-payload' },
    ]);
    const seen: WaitSnapshot[] = [];
    await settle(
      waitForTask(adapter, 'task-1', {
        ...schedule,
        timeoutMs: 60_000,
        onProgress: (_s, info) => void seen.push(info.snapshot),
      }),
    );
    expect(seen[0]).toEqual({
      version: 1,
      provider: 'test.scripted',
      taskId: 'task-1',
      ref: 'task-1',
      startedAt: START,
      deadline: START + 60_000,
      attempts: 1,
      nextPollAt: START + 1000,
      last: { state: 'queued', providerState: 'QUEUED', progress: null },
      progressSamples: [],
      latenciesMs: [0],
      queuedMs: 0,
    });
    expect(seen[1]).toMatchObject({ attempts: 2, nextPollAt: START + 3000, last: { progress: 40 } });
    // After the terminal status no poll is planned; the result stays out of it.
    expect(seen[2]).toMatchObject({ attempts: 3, nextPollAt: null, last: { state: 'succeeded' } });
    for (const snapshot of seen) {
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
      expect(JSON.stringify(snapshot)).not.toContain('the-result-payload');
      expect(snapshot.deadline).toBe(START + 60_000);
    }
  });

  it('keeps progress samples for the progress-aware schedule, and a plain-object ref as a frozen copy', async () => {
    const adapter = defineAdapter<{ job: string; n: number[] }>({
      provider: 'test.refs',
      taskId: (ref) => ref.job,
      async getStatus() {
        return { state: 'running', providerState: 'R', progress: 10 };
      },
    });
    const ref = { job: 'j-1', n: [1, 2] };
    const iterator = pollTask(adapter, ref, { ...schedule, progressAware: true });
    expect(iterator.snapshot()).toBeUndefined();
    await iterator.next();
    const snapshot = iterator.snapshot() as WaitSnapshot;
    await iterator.return?.();
    expect(snapshot.ref).toEqual(ref);
    expect(Object.isFrozen(snapshot.ref)).toBe(true);
    ref.n.push(3); // the caller's ref changing later does not change the snapshot
    expect(snapshot.ref).toEqual({ job: 'j-1', n: [1, 2] });
    expect(snapshot.progressSamples).toEqual([{ elapsedMs: 0, progress: 10 }]);
  });

  it('timeoutMs: Infinity has no deadline: null', async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running' }], { timeoutMs: Number.POSITIVE_INFINITY });
    expect(snapshot.deadline).toBeNull();
  });

  it('a ref that is not JSON-safe: the wait runs as before, and asking for a snapshot is a TypeError naming the part', async () => {
    const adapter = defineAdapter<{ id: string; at: Date }>({
      provider: 'test.refs',
      taskId: (ref) => ref.id,
      async getStatus() {
        return { state: 'succeeded', providerState: 'done' };
      },
    });
    const ref = { id: 'x', at: new Date(START) };
    const notRead = await settle(waitForTask(adapter, ref, { onProgress: () => undefined }));
    expect(notRead.value?.state).toBe('succeeded');

    const read = await settle(waitForTask(adapter, ref, { onProgress: (_s, info) => void info.snapshot }));
    expect(read.error).toBeInstanceOf(CallbackError);
    const cause = (read.error as CallbackError).cause as Error;
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toMatch(
      /^the wait cannot be snapshotted: ref\.at is a Date, not a plain object; a ref must be JSON-safe/,
    );

    const iterator = pollTask(adapter, ref);
    await iterator.next();
    expect(() => iterator.snapshot()).toThrow(/ref\.at is a Date/);
  });

  it('is not an own field of the info: logs and equality checks of the info are as before', async () => {
    const { adapter } = scripted([{ state: 'succeeded' }]);
    const infos: ProgressInfo[] = [];
    await settle(waitForTask(adapter, 't', { onProgress: (_s, info) => void infos.push(info) }));
    expect(Object.keys(infos[0] as object)).toEqual(['attempt', 'elapsedMs', 'queuedMs', 'nextDelayMs']);
    expect(infos[0]?.snapshot.attempts).toBe(1);
  });
});

describe('resumeFrom', () => {
  it('goes on: the same deadline, polls counted on, no poll before nextPollAt, the schedule from the time waited', async () => {
    // Polls at 0, 1000 and 3000; the next is due at 7000 (1000 + 3000 elapsed).
    const snapshot = await snapshotAfter(3, [{ state: 'running' }], { timeoutMs: 600_000 });
    expect(snapshot).toMatchObject({ attempts: 3, nextPollAt: START + 7000, deadline: START + 600_000 });
    vi.setSystemTime(START + 5000); // the new process comes up 2 s before the poll was due
    const { adapter, calls } = scripted<string>([{ state: 'running' }, { state: 'running' }, { state: 'succeeded' }]);
    const infos: { attempt: number; elapsedMs: number; nextDelayMs: number | undefined; deadline: number | null }[] =
      [];
    const { value } = await settle(
      waitForTask(adapter, 'task-1', {
        ...schedule,
        resumeFrom: JSON.parse(JSON.stringify(snapshot)) as WaitSnapshot,
        onProgress: (_s, info) => {
          const { attempt, elapsedMs, nextDelayMs } = info;
          infos.push({ attempt, elapsedMs, nextDelayMs, deadline: info.snapshot.deadline });
        },
      }),
    );
    expect(value?.state).toBe('succeeded');
    expect(calls.map((c) => c.at - START)).toEqual([7000, 15_000, 31_000]);
    expect(infos).toEqual([
      { attempt: 4, elapsedMs: 7000, nextDelayMs: 8000, deadline: START + 600_000 },
      { attempt: 5, elapsedMs: 15_000, nextDelayMs: 16_000, deadline: START + 600_000 },
      { attempt: 6, elapsedMs: 31_000, nextDelayMs: undefined, deadline: START + 600_000 },
    ]);
  });

  it("honours the server's pollAfterMs (Retry-After) across the restart", async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running', pollAfterMs: 30_000 }]);
    expect(snapshot.nextPollAt).toBe(START + 30_000);
    vi.setSystemTime(START + 1000);
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    await settle(waitForTask(adapter, 'task-1', { resumeFrom: snapshot }));
    expect(calls.map((c) => c.at - START)).toEqual([30_000]);
  });

  it('with the deadline already past: TaskTimeoutError at once, no request, the original deadline on it', async () => {
    const snapshot = await snapshotAfter(2, [{ state: 'running', providerState: 'RUNNING' }], { timeoutMs: 10_000 });
    vi.setSystemTime(START + 60_000);
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    const { error } = await settle(waitForTask(adapter, 'task-1', { resumeFrom: snapshot }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    const timeout = error as TaskTimeoutError;
    expect(calls).toHaveLength(0);
    expect(timeout).toMatchObject({ deadline: START + 10_000, timeoutMs: 10_000, attempts: 2, elapsedMs: 60_000 });
    expect(timeout.message).toBe(
      'Task task-1 did not finish within 10000 ms, by 2026-03-01T12:00:10.000Z ' +
        '(2 polls; last state running (RUNNING), seen before the wait was resumed)',
    );
    // Its snapshot is the one it resumed from: late, but nothing lost.
    expect(timeout.snapshot).toMatchObject({ attempts: 2, deadline: START + 10_000, last: { state: 'running' } });
  });

  it('a next poll due at or past the deadline ends the wait at once', async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running', pollAfterMs: 30_000 }], { timeoutMs: 40_000 });
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    const { error } = await settle(waitForTask(adapter, 'task-1', { resumeFrom: snapshot, deadline: START + 20_000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(calls).toHaveLength(0);
    expect(Date.now()).toBe(START); // ended now, not at the deadline
  });

  it('a new timeoutMs counts from the first start; a new deadline replaces the old one', async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running' }], { timeoutMs: 10_000 });
    vi.setSystemTime(START + 5000);
    const { adapter } = scripted([{ state: 'running' }]);
    const longer = await settle(
      waitForTask(adapter, 'task-1', { ...schedule, resumeFrom: snapshot, timeoutMs: 20_000 }),
    );
    expect(longer.error).toMatchObject({ deadline: START + 20_000, timeoutMs: 20_000 });
    vi.setSystemTime(START + 5000);
    const moved = await settle(
      waitForTask(adapter, 'task-1', { ...schedule, resumeFrom: snapshot, deadline: new Date(START + 30_000) }),
    );
    expect(moved.error).toMatchObject({ deadline: START + 30_000, timeoutMs: 30_000 });
    vi.setSystemTime(START + 5000);
    const none = pollTask(adapter, 'task-1', {
      ...schedule,
      resumeFrom: snapshot,
      timeoutMs: Number.POSITIVE_INFINITY,
    });
    const first = none.next();
    await vi.advanceTimersByTimeAsync(1000);
    await first;
    expect(none.snapshot()?.deadline).toBeNull();
    await none.return?.();
  });

  it('a wall clock stepped forward after the resume does not end the wait early', async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running' }], { timeoutMs: 30 * 60_000 });
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'test.scripted',
      async getStatus() {
        polls += 1;
        vi.setSystemTime(Date.now() + 3_600_000);
        return polls < 3
          ? { state: 'running' as const, providerState: 'r' }
          : { state: 'succeeded' as const, providerState: 'd' };
      },
    });
    const { value } = await settle(waitForTask(adapter, 'task-1', { ...schedule, resumeFrom: snapshot }));
    expect(value?.state).toBe('succeeded');
  });
});

describe('a snapshot that cannot be resumed is refused before any request, saying why', () => {
  const good = (): WaitSnapshot => ({
    version: 1,
    provider: 'test.scripted',
    taskId: 'task-1',
    ref: 'task-1',
    startedAt: START,
    deadline: START + 60_000,
    attempts: 2,
    nextPollAt: START + 3000,
    last: { state: 'running', providerState: 'running', progress: null },
    progressSamples: [],
    latenciesMs: [5],
  });
  const cases: [string, unknown, ErrorConstructor | RangeErrorConstructor, string][] = [
    ['not an object', 'snapshot', TypeError, 'resumeFrom must be a wait snapshot object, got a string of length 8'],
    [
      'another version',
      { ...good(), version: 2 },
      RangeError,
      'resumeFrom.version is 2: this version of taskpoll reads wait snapshots of version 1 only',
    ],
    ['no version', { ...good(), version: undefined }, TypeError, 'resumeFrom.version must be 1, got undefined'],
    [
      'another provider',
      { ...good(), provider: 'edge.logDump' },
      TypeError,
      `resumeFrom is a snapshot of a "edge.logDump" wait; this adapter's provider is "test.scripted"`,
    ],
    [
      'another task',
      { ...good(), taskId: 'task-2' },
      TypeError,
      'resumeFrom is a snapshot of task "task-2"; the ref names task "task-1"',
    ],
    [
      'a field missing',
      { ...good(), startedAt: undefined },
      TypeError,
      'resumeFrom.startedAt must be epoch ms (a finite number), got undefined',
    ],
    [
      'NaN',
      { ...good(), nextPollAt: Number.NaN },
      TypeError,
      'resumeFrom.nextPollAt must be epoch ms (a finite number) or null, got NaN',
    ],
    ['an unknown field', { ...good(), result: 1 }, TypeError, 'resumeFrom has an unknown field "result"'],
    [
      'attempts not whole',
      { ...good(), attempts: 1.5 },
      RangeError,
      'resumeFrom.attempts must be a whole number ≥ 0, got 1.5',
    ],
    [
      'a ref that is not JSON-safe',
      { ...good(), ref: { id: 1n } },
      TypeError,
      "resumeFrom.ref.id is a bigint: a snapshot's ref must be JSON-safe",
    ],
    [
      'a bad last state',
      { ...good(), last: { state: 'done', providerState: 'x', progress: null } },
      TypeError,
      'resumeFrom.last.state must be a TaskState, got "done"',
    ],
    [
      'a sample out of range',
      { ...good(), progressSamples: [{ elapsedMs: 1, progress: 101 }] },
      TypeError,
      'resumeFrom.progressSamples[0].progress must be a number from 0 to 100, got 101',
    ],
  ];

  it.each(cases)('%s', async (_name, resumeFrom, type, message) => {
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    const options = { resumeFrom: resumeFrom as WaitSnapshot };
    expect(() => pollTask(adapter, 'task-1', options)).toThrow(type);
    expect(() => pollTask(adapter, 'task-1', options)).toThrow(message);
    await expect(waitForTask(adapter, 'task-1', options)).rejects.toThrow(message);
    expect(calls).toHaveLength(0);
  });

  it('the good one is resumed', async () => {
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    const { value } = await settle(waitForTask(adapter, 'task-1', { resumeFrom: good() }));
    expect(value?.state).toBe('succeeded');
    expect(calls.map((c) => c.at - START)).toEqual([3000]);
  });
});

describe('the snapshot a wait ends with', () => {
  it("an abort during a retry's Retry-After pause: the error's snapshot keeps it, and the resumed wait waits it out", async () => {
    const throttled = new HttpError('429 Too Many Requests', {
      httpStatus: 429,
      transient: true,
      retryAfterMs: 30_000,
      provider: 'test.scripted',
    });
    const { adapter } = scripted<string>([{ state: 'running' }, { throws: throttled }]);
    const stop = new AbortController();
    const wait = waitForTask(adapter, 'task-1', { ...schedule, signal: stop.signal });
    setTimeout(() => stop.abort(new Error('SIGTERM')), 2000); // the 429 came at 1 s; the retry is due at 31 s
    const { error } = await settle(wait);
    expect(error).toBeInstanceOf(TaskAbortedError);
    const snapshot = (error as TaskAbortedError).snapshot as WaitSnapshot;
    expect(snapshot).toMatchObject({ attempts: 2, nextPollAt: START + 31_000, last: { state: 'running' } });
    // The next process (2 s later) polls no sooner than the server asked.
    vi.setSystemTime(START + 4000);
    const resumed = scripted<string>([{ state: 'succeeded' }]);
    await settle(waitForTask(resumed.adapter, 'task-1', { resumeFrom: JSON.parse(JSON.stringify(snapshot)) }));
    expect(resumed.calls.map((c) => c.at - START)).toEqual([31_000]);
  });

  it('time queued for pacing counts on across a resume', async () => {
    const snapshot = await snapshotAfter(1, [{ state: 'running' }]);
    const infos: number[] = [];
    const { adapter } = scripted<string>([{ state: 'succeeded' }]);
    await settle(
      waitForTask(adapter, 'task-1', {
        resumeFrom: { ...snapshot, queuedMs: 5000 },
        onProgress: (_status, info) => void infos.push(info.queuedMs),
      }),
    );
    expect(infos).toEqual([5000]);
  });

  it('a timeout carries the snapshot to resume with a later deadline; a ref that is not JSON-safe leaves it out', async () => {
    const { adapter } = scripted<string>([{ state: 'running' }]);
    const { error } = await settle(waitForTask(adapter, 'task-1', { ...schedule, timeoutMs: 5000 }));
    expect((error as TaskTimeoutError).snapshot).toMatchObject({ deadline: START + 5000, last: { state: 'running' } });
    const objects = defineAdapter<{ id: string; at: Date }>({
      provider: 'test.objects',
      taskId: (ref) => ref.id,
      getStatus: async () => ({ state: 'running', providerState: 'RUNNING' }),
    });
    const late = await settle(waitForTask(objects, { id: 'x', at: new Date() }, { ...schedule, timeoutMs: 5000 }));
    expect(late.error).toBeInstanceOf(TaskTimeoutError);
    expect((late.error as TaskTimeoutError).snapshot).toBeUndefined();
  });
});
