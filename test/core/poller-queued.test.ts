import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskAbortedError, TaskTimeoutError, waitForTask, type ProgressInfo } from '../../src/index.js';
import {
  JSON_TYPE,
  QUERY,
  RUNNING,
  SEND,
  SEND_OK,
  TASK_ID,
  api,
  clock,
  make,
  useGuanceNock,
} from '../providers/guance/harness.js';

/**
 * Time a wait spends queued for its adapter's pacing (`queuedMs`): what `onProgress` and the timeout
 * and abort errors report, through a real factory (guanceLogmine over nock) in fake time. The budget
 * here is one request per 5 s, so a submit leaves the wait's first poll queued for 5 s.
 */

useGuanceNock();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  vi.setSystemTime(0);
});

const ONE_PER_5S = { requestsPerInterval: 1, intervalMs: 5000 } as const;
const schedule = { initialDelayMs: 1000, jitter: 0, progressAware: false } as const;

/** query_task answers `running` to every poll; returns the (fake) times they arrived. */
function runningPolls(): number[] {
  const times: number[] = [];
  api()
    .get(QUERY)
    .query(true)
    .times(10)
    .reply(() => {
      times.push(Date.now());
      return [200, RUNNING, JSON_TYPE];
    });
  return times;
}

/** An adapter with `pacing` whose budget a submit has just spent. */
async function afterSubmit(pacing: typeof ONE_PER_5S | false) {
  api().post(SEND).reply(200, SEND_OK, JSON_TYPE);
  const logmine = make({ pacing, axios: clock.axios() });
  await clock.settle(logmine.submit({ analysisField: 'message' }));
  return logmine;
}

describe('queuedMs: time a wait spends queued for the adapter pacing', () => {
  it('a poll whose pacing slot is 5 s away with the deadline 8 s away is still sent; the timeout then reports the time queued, the queue wait cut by the deadline included, and says what to change', async () => {
    const logmine = await afterSubmit(ONE_PER_5S);
    const polls = runningPolls();
    const infos: ProgressInfo[] = [];
    const error = await clock.failure(
      waitForTask(logmine, TASK_ID, { ...schedule, timeoutMs: 8000, onProgress: (_s, info) => void infos.push(info) }),
    );
    // The first poll waited for the slot the submit had taken (5 s, plus the pacer's least margin of
    // 2 % of the window), then went out and answered.
    expect(polls).toEqual([5100]);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ attempt: 1, elapsedMs: 5100, queuedMs: 5100 });
    // The next poll (planned 1663 ms later, at 6763) queued for the next slot until the deadline.
    expect(error).toBeInstanceOf(TaskTimeoutError);
    const timeout = error as TaskTimeoutError;
    expect(timeout).toMatchObject({ attempts: 2, elapsedMs: 8000, queuedMs: 5100 + 1237, timeoutMs: 8000 });
    expect(timeout.lastStatus?.state).toBe('running');
    expect(timeout.message).toContain('It spent 6337 of its 8000 ms queued for the adapter');
    for (const word of ['`pacing`', '`concurrency`', '`timeoutMs`', 'pacerStats()'])
      expect(timeout.message).toContain(word);
    expect(timeout.toJSON()).toMatchObject({ queuedMs: 6337 });
  });

  it('an abort while the first poll is queued: TaskAbortedError reports the time queued so far, with the hint', async () => {
    const logmine = await afterSubmit(ONE_PER_5S);
    const polls = runningPolls();
    const caller = new AbortController();
    setTimeout(() => caller.abort(new Error('shutting down')), 3000);
    const error = await clock.failure(waitForTask(logmine, TASK_ID, { ...schedule, signal: caller.signal }));
    expect(polls).toEqual([]);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(error).toMatchObject({ attempts: 1, elapsedMs: 3000, queuedMs: 3000 });
    expect((error as Error).message).toContain('It spent 3000 of its 3000 ms queued');
    expect((error as Error).message).toContain('let the wait run longer before aborting it');
  });

  it('without pacing nothing queues: onProgress and the timeout report 0, and the message has no hint', async () => {
    const logmine = await afterSubmit(false);
    const polls = runningPolls();
    const queued: number[] = [];
    const error = await clock.failure(
      waitForTask(logmine, TASK_ID, {
        ...schedule,
        timeoutMs: 8000,
        onProgress: (_s, i) => void queued.push(i.queuedMs),
      }),
    );
    expect(polls.length).toBeGreaterThan(2);
    expect(queued).toEqual(polls.map(() => 0));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).queuedMs).toBe(0);
    expect((error as Error).message).not.toContain('queued');
  });
});

describe('the queued-time hint in the error messages', () => {
  const report = { lastStatus: undefined, attempts: 1, elapsedMs: 15_000, timeoutMs: 15_000 };

  it('appears when queued time is more than half the wait, not otherwise', () => {
    expect(new TaskTimeoutError({ ...report, queuedMs: 7500 }).message).not.toContain('queued');
    expect(new TaskTimeoutError({ ...report, queuedMs: 14_990 }).message).toBe(
      'Task  did not finish within 15000 ms (1 polls; no poll answered). It spent 14990 of its 15000 ms queued ' +
        "for the adapter's request budget (the provider's rate limit, shared by every call and wait of the " +
        'adapter; its pacerStats() shows the queue): give the adapter a larger `pacing` if the provider allows ' +
        'it, wait on fewer tasks at once (`concurrency` of the group helpers), or allow a longer `timeoutMs` or a later `deadline`',
    );
  });

  it('a report without queuedMs (an error built by hand) reads 0', () => {
    const error = new TaskAbortedError({ lastStatus: undefined, attempts: 0, elapsedMs: 10 });
    expect(error.queuedMs).toBe(0);
    expect(error.message).toBe('Wait for task  was aborted after 0 polls');
  });
});
