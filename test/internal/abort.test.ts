import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { defineAdapter, waitForTask } from '../../src/index.js';
import { linkAbort, onAbort } from '../../src/internal/abort.js';

describe('abort fan-out', () => {
  it('a subscriber removed while the abort is dispatched is not called (as with EventTarget listeners)', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let unsubscribeSecond: () => void = () => undefined;
    onAbort(controller.signal, () => {
      calls.push('first');
      unsubscribeSecond();
    });
    unsubscribeSecond = onAbort(controller.signal, () => calls.push('second'));
    controller.abort();
    expect(calls).toEqual(['first']);
  });

  it("subscriptions to a link's own signal add no EventTarget listener, and still fire once it aborts", () => {
    const link = linkAbort([]);
    for (let i = 0; i < 100; i += 1) onAbort(link.signal, () => undefined)();
    const seen: boolean[] = [];
    onAbort(link.signal, () => seen.push(link.signal.aborted));
    const child = linkAbort([link.signal]);
    expect(getEventListeners(link.signal, 'abort')).toHaveLength(0);
    link.abort(new Error('done'));
    expect(seen).toEqual([true]);
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toEqual(new Error('done'));
  });

  it('a link on a reused controller times out and follows its parents like a new one', async () => {
    const first = linkAbort([], { ms: 10_000, reason: () => new Error('first timed out') });
    expect(first.reusableController()).toBeUndefined(); // not disposed yet
    first.dispose();
    const controller = first.reusableController();
    expect(controller).toBeInstanceOf(AbortController);
    expect(first.reusableController()).toBeUndefined(); // handed over once
    first.abort(new Error('late')); // the old link can no longer abort it
    expect(controller?.signal.aborted).toBe(false);

    const parent = new AbortController();
    const second = linkAbort(
      [parent.signal],
      { ms: 20, reason: () => new Error('second timed out') },
      false,
      controller,
    );
    expect(second.signal).toBe(controller?.signal);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(second.signal.reason).toEqual(new Error('second timed out'));
    expect(second.reusableController()).toBeUndefined(); // aborted: never reused

    const fresh = linkAbort([], { ms: 10_000, reason: () => new Error('x') });
    fresh.dispose();
    const third = linkAbort([parent.signal], undefined, false, fresh.reusableController());
    parent.abort(new Error('caller'));
    expect(third.signal.reason).toEqual(new Error('caller'));
  });

  it('200 back-to-back polls of one wait: one listener on the caller signal while it runs, none after', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'bench.local',
      async getStatus(_id: string, { signal }) {
        polls += 1;
        seen.push(getEventListeners(controller.signal, 'abort').length);
        expect(getEventListeners(signal, 'abort')).toHaveLength(0);
        return polls < 200
          ? { state: 'running', providerState: 'running' }
          : { state: 'succeeded', providerState: 'done' };
      },
    });
    const done = await waitForTask(adapter, 'task', {
      initialDelayMs: 0,
      maxDelayMs: 0,
      factor: 1,
      jitter: 0,
      signal: controller.signal,
    });
    expect(done.state).toBe('succeeded');
    expect(polls).toBe(200);
    expect(Math.max(...seen)).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
