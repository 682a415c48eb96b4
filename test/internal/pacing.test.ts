import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPacer } from '../../src/internal/pacing.js';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Max number of starts inside any window of `windowMs`. */
function maxInWindow(starts: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < starts.length; i += 1) {
    const inside = starts.filter((t) => t >= (starts[i] as number) && t < (starts[i] as number) + windowMs).length;
    best = Math.max(best, inside);
  }
  return best;
}

describe('createPacer', () => {
  it('20 requests a minute: 50 callers never put more than 20 starts in any 60 s window, FIFO', async () => {
    const pacer = createPacer({ requestsPerInterval: 20, intervalMs: 60_000 });
    const starts: number[] = [];
    const order: number[] = [];
    const all = Array.from({ length: 50 }, (_, i) =>
      pacer.acquire().then((release) => {
        starts.push(Date.now());
        order.push(i);
        release();
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);
    expect(starts).toHaveLength(50);
    expect(maxInWindow(starts, 60_000)).toBe(20);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Each slot is reused a window plus the least margin (2 % of 60 s: these requests answer at once) after.
    expect(starts.at(-1)).toBe(2 * 61_200);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('maxConcurrency 1 makes calls serial', async () => {
    const pacer = createPacer({ maxConcurrency: 1 });
    let inFlight = 0;
    let peak = 0;
    const work = async () => {
      const release = await pacer.acquire();
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight -= 1;
      release();
    };
    const all = Promise.all(Array.from({ length: 5 }, work));
    await vi.runAllTimersAsync();
    await all;
    expect(peak).toBe(1);
    expect(pacer.stats).toMatchObject({ started: 5, waiting: 0, inFlight: 0 });
  });

  it('an aborted waiter leaves the queue at once with the signal reason, and the rest go on', async () => {
    const pacer = createPacer({ maxConcurrency: 1 });
    const first = await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    const next = pacer.acquire();
    controller.abort(new Error('bye'));
    await expect(waiting).rejects.toThrow('bye');
    first();
    const release = await next;
    release();
    expect(pacer.stats.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('pauseFor holds every request until the pause ends (Retry-After shared by all waits)', async () => {
    const pacer = createPacer({ requestsPerInterval: 100, intervalMs: 1000 });
    pacer.pauseFor(5000);
    let startedAt = -1;
    const p = pacer.acquire().then((release) => {
      startedAt = Date.now();
      release();
    });
    await vi.runAllTimersAsync();
    await p;
    expect(startedAt).toBe(5000);
  });

  it('a released slot is given back once only', async () => {
    const pacer = createPacer({ maxConcurrency: 1 });
    const release = await pacer.acquire();
    release();
    release();
    expect(pacer.stats.inFlight).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => createPacer({ requestsPerInterval: 0 })).toThrow(RangeError);
    expect(() => createPacer({ maxConcurrency: 1.5 })).toThrow(RangeError);
    expect(() => createPacer({ intervalMs: -1 })).toThrow(RangeError);
  });
});
