import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskTimeoutError, waitForTask } from '../../src/index.js';
import {
  JSON_TYPE,
  QUERY,
  RUNNING,
  SEED_RESPONSE,
  SEND,
  SEND_OK,
  api,
  clock,
  make,
  useGuanceNock,
} from '../providers/guance/harness.js';

/**
 * Who gets a slot when the budget is short, through the public API: a real `guanceLogmine` over nock
 * in fake time, many waits sharing its pacer.
 */
useGuanceNock();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});

/** Every query_task answers RUNNING until the task's end (by id), then the finished seed. */
function tasks(endOf: (taskId: string) => number): string[] {
  const polled: string[] = [];
  api()
    .get(QUERY)
    .query(true)
    .reply((uri) => {
      const taskId = new URL(uri, 'http://x').searchParams.get('taskId') ?? '';
      polled.push(taskId);
      return [200, Date.now() >= endOf(taskId) ? SEED_RESPONSE : RUNNING, JSON_TYPE];
    })
    .persist();
  return polled;
}

/** The outcome of a wait: its state, or the error's name. */
const outcome = (wait: Promise<{ state: string }>): Promise<string> =>
  wait.then(
    (status) => status.state,
    (error: unknown) => (error instanceof TaskTimeoutError ? 'timed out' : String(error)),
  );

describe('deadline-first slots', () => {
  it('urgent waits started behind 20 long ones on 2 requests/s: none is lost (their tasks end at 1 s, timeoutMs 8000)', async () => {
    const t0 = Date.now();
    tasks((id) => t0 + (id.startsWith('urgent') ? 1000 : 20_000));
    const logmine = make({ axios: clock.axios(), pacing: { requestsPerInterval: 2, intervalMs: 1000 } });
    const long = Array.from({ length: 20 }, (_, i) => outcome(waitForTask(logmine, `long-${i}`)));
    const urgent = Array.from({ length: 5 }, (_, i) =>
      outcome(waitForTask(logmine, `urgent-${i}`, { timeoutMs: 8000 })),
    );
    const ends = await clock.settle(Promise.all([Promise.all(urgent), Promise.all(long)]));
    // First come, first served, the urgent waits' first polls would queue 10 s behind the long ones'.
    expect(ends[0]).toEqual(Array(5).fill('succeeded'));
    expect(ends[1]).toEqual(Array(20).fill('succeeded'));
  });

  it("a submit queued behind waits' polls is sent next", async () => {
    const polled = tasks(() => Number.POSITIVE_INFINITY);
    const order: string[] = [];
    api()
      .post(SEND)
      .reply(() => {
        order.push(`submit after ${polled.length} polls`);
        return [200, SEND_OK, JSON_TYPE];
      });
    const logmine = make({ axios: clock.axios(), pacing: { requestsPerInterval: 1, intervalMs: 1000 } });
    const controller = new AbortController();
    const waits = Array.from({ length: 5 }, (_, i) =>
      waitForTask(logmine, `task-${i}`, { signal: controller.signal }).catch(() => undefined),
    );
    const submitted = await clock.settle(logmine.submit({ analysisField: 'message' }));
    expect(typeof submitted).toBe('string');
    // One poll took the free slot; the four others were queued before the submit, which still went first.
    expect(order).toEqual(['submit after 1 polls']);
    expect(logmine.pacerStats()?.queued.polls).toBe(4);
    controller.abort();
    await clock.settle(Promise.all(waits));
  });

  it('a wait with a far deadline is not starved by a steady stream of urgent waits filling the budget', async () => {
    const t0 = Date.now();
    tasks((id) => (id === 'late' ? t0 : Number.POSITIVE_INFINITY));
    const logmine = make({ axios: clock.axios(), pacing: { requestsPerInterval: 1, intervalMs: 1000 } });
    // Two urgent waits a second for 150 s, on a budget of one request a second: always more urgent
    // polls queued than slots, each with an earlier deadline than the late wait's.
    const urgent: Promise<string>[] = [];
    let streaming = true;
    const stream = (i: number): void => {
      if (!streaming) return;
      urgent.push(outcome(waitForTask(logmine, `urgent-${i}`, { timeoutMs: 8000 })));
      setTimeout(() => stream(i + 1), 500);
    };
    stream(0);
    setTimeout(() => (streaming = false), 150_000);
    let lateEndedAt = Number.NaN;
    await clock.settle(new Promise((resolve) => setTimeout(resolve, 5000)));
    const late = waitForTask(logmine, 'late', { timeoutMs: Number.POSITIVE_INFINITY }).then((status) => {
      lateEndedAt = Date.now() - t0;
      return status.state;
    });
    // The stream fills the budget: urgent polls already queue for a slot when the late wait starts.
    expect(logmine.pacerStats()?.queued.polls).toBeGreaterThan(5);
    expect(await clock.settle(late)).toBe('succeeded');
    // Its poll ranks as due 60 s after it queued: served by then and the few polls ranked before it,
    // while the stream still runs.
    expect(lateEndedAt).toBeLessThan(5000 + 60_000 + 10_000);
    expect(streaming).toBe(true);
    streaming = false;
    await clock.settle(Promise.all(urgent));
  });
});
