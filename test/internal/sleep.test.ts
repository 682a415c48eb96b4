import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { raceAbort } from '../../src/internal/abort.js';
import { sleep } from '../../src/internal/sleep.js';

/** The active handles of one kind (process.getActiveResourcesInfo). */
const handles = (kind: string): number => process.getActiveResourcesInfo().filter((name) => name === kind).length;

describe('sleep', () => {
  it('a 0 ms sleep takes the next turn of the event loop, not a 1 ms timer', async () => {
    const timeouts = handles('Timeout');
    const pending = sleep(0);
    expect(handles('Immediate')).toBeGreaterThanOrEqual(1);
    expect(handles('Timeout')).toBe(timeouts);
    await pending;
  });

  it('a 0 ms sleep is still abortable, and an aborted one leaves nothing behind', async () => {
    const controller = new AbortController();
    const pending = sleep(0, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('sleep and raceAbort on a caller signal leave no listener on it once settled', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    await raceAbort(Promise.resolve(1), controller.signal);
    await expect(raceAbort(Promise.reject(new Error('no')), controller.signal)).rejects.toThrow('no');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
