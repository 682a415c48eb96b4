import { beforeEach, describe, expect, it, vi } from 'vitest';
import { waitForTask } from '../../../src/index.js';
import { GUANCE_DEFAULT_PACING, type GuanceLogmine } from '../../../src/providers/guance/index.js';
import { JSON_TYPE, QUERY, RUNNING, SEED_RESPONSE, api, clock, make, useGuanceNock } from './harness.js';

useGuanceNock();

describe('pacing (20 requests a minute per API key, api-limit.md)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });

  /** query_task answers `count` polls (the first `running` ones with RUNNING, then the seed); returns their start times. */
  function recordPolls(count: number, running = count): number[] {
    const times: number[] = [];
    api()
      .get(QUERY)
      .query(true)
      .times(count)
      .reply(() => {
        times.push(Date.now());
        return [200, times.length > running ? SEED_RESPONSE : RUNNING, JSON_TYPE];
      });
    return times;
  }

  /** `count` getStatus calls at once on one adapter, each with its own signal. */
  const concurrently = (logmine: GuanceLogmine, count: number) =>
    clock.settle(
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          logmine.getStatus(`task-${i}`, { signal: new AbortController().signal }),
        ),
      ),
    );

  /** True when no window of `windowMs` holds more than `limit` of `times`. */
  const withinBudget = (times: number[], limit: number, windowMs: number): boolean =>
    [...times]
      .sort((a, b) => a - b)
      .every((t, i, sorted) => i + limit >= sorted.length || sorted[i + limit]! - t >= windowMs);

  it('25 concurrent getStatus calls on one adapter: never more than 20 starts in any 60 s window', async () => {
    const times = recordPolls(25);
    // A request time limit above the pacing wait: the client's limit also runs while a request waits for its slot.
    const statuses = await concurrently(make({ requestTimeoutMs: 120_000, axios: clock.axios() }), 25);
    expect(statuses.every((s) => s.state === 'running')).toBe(true);
    expect(times).toHaveLength(25);
    expect(withinBudget(times, 20, 60_000)).toBe(true);
    const start = times[0]!;
    expect(times.filter((t) => t - start < 60_000)).toHaveLength(20);
    // The 21st waits out the default window with its arrival-skew margin.
    expect(Math.min(...times.slice(20)) - start).toBeGreaterThanOrEqual(GUANCE_DEFAULT_PACING.intervalMs);
  });

  it('waits share the budget: two waits on one adapter stay within it', async () => {
    const times = recordPolls(61, 60);
    const logmine = make({ requestTimeoutMs: 120_000, axios: clock.axios() });
    const options = { initialDelayMs: 100, maxDelayMs: 100, requestTimeoutMs: 120_000, timeoutMs: 3_600_000 };
    await clock.settle(Promise.allSettled([waitForTask(logmine, 'a', options), waitForTask(logmine, 'b', options)]));
    expect(times.length).toBeGreaterThanOrEqual(60);
    expect(withinBudget(times, 20, 60_000)).toBe(true);
  });

  it("pacing keys merge over the default: { requestsPerInterval: 2 } keeps the 60 s window (and the pacer's margin)", async () => {
    const times = recordPolls(3);
    await concurrently(
      make({ pacing: { requestsPerInterval: 2 }, requestTimeoutMs: 120_000, axios: clock.axios() }),
      3,
    );
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(60_000);
  });

  it('pacing: false turns it off', async () => {
    const times = recordPolls(25);
    await concurrently(make({ pacing: false, axios: clock.axios() }), 25);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(1000);
  });
});
