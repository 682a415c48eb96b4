import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachCallContext, QueueMeter, type CallKind } from '../../src/internal/call-context.js';
import { createPacer } from '../../src/internal/pacing.js';
import { URGENCY_HORIZON_MS } from '../../src/internal/pacing-queue.js';

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

  it('2000 queued calls of every kind, a quarter aborted: served calls and cancels first in arrival order, then polls by rank (deadline, capped at the horizon), ties in arrival order', async () => {
    const pacer = createPacer({ maxConcurrency: 1 });
    const first = await pacer.acquire();
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const queued: { i: number; group: number; rank: number; controller: AbortController }[] = [];
    const served: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const controller = new AbortController();
      const pick = random();
      let group = 0;
      let rank = 0;
      if (pick < 0.8) {
        // Deadlines from now to twice the horizon, some equal, some none.
        const deadline = pick < 0.1 ? Number.POSITIVE_INFINITY : Math.floor(random() * 20) * (URGENCY_HORIZON_MS / 10);
        const kind: CallKind = 'poll';
        attachCallContext(controller.signal, { kind, deadline, queue: new QueueMeter() });
        group = 1;
        rank = Math.min(deadline, URGENCY_HORIZON_MS);
      } else if (pick < 0.9) {
        attachCallContext(controller.signal, { kind: 'cancel', deadline: 1, queue: new QueueMeter() });
      }
      queued.push({ i, group, rank, controller });
      all.push(
        pacer.acquire(controller.signal).then(
          (release) => {
            served.push(i);
            release();
          },
          () => undefined,
        ),
      );
    }
    expect(pacer.stats.queued.polls + pacer.stats.queued.calls + pacer.stats.queued.cancels).toBe(2000);
    const aborted = queued.filter(() => random() < 0.25);
    for (const entry of aborted) entry.controller.abort();
    expect(pacer.stats.waiting).toBe(2000 - aborted.length);
    first();
    await Promise.all(all);
    const expected = queued
      .filter((entry) => !entry.controller.signal.aborted)
      .sort((a, b) => a.group - b.group || a.rank - b.rank || a.i - b.i)
      .map((entry) => entry.i);
    expect(served).toEqual(expected);
    expect(pacer.stats.queued).toEqual({ polls: 0, calls: 0, cancels: 0 });
  });

  it('rejects bad options', () => {
    expect(() => createPacer({ requestsPerInterval: 0 })).toThrow(RangeError);
    expect(() => createPacer({ maxConcurrency: 1.5 })).toThrow(RangeError);
    expect(() => createPacer({ intervalMs: -1 })).toThrow(RangeError);
  });
});
