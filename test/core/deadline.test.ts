import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskTimeoutError, defineAdapter, pollTask, waitForTask } from '../../src/index.js';
import { settle } from '../helpers/fake-timers.js';
import { scripted } from '../helpers/scripted.js';

/**
 * The `deadline` wait option: an instant instead of `timeoutMs`, kept exactly in snapshots and errors;
 * one already past ends the wait with no request. Fake time; the wall clock (`Date`) may be stepped
 * apart from the monotonic one, as NTP does.
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

describe('the deadline option', () => {
  it('an instant (Date or epoch ms) instead of timeoutMs: the wait ends there, the snapshot keeps it exactly', async () => {
    for (const deadline of [new Date(START + 4500), START + 4500]) {
      vi.setSystemTime(START);
      const { adapter, calls } = scripted([{ state: 'running' }]);
      const snapshots: (number | null)[] = [];
      const { error } = await settle(
        waitForTask(adapter, 't', {
          ...schedule,
          deadline,
          onProgress: (_s, info) => void snapshots.push(info.snapshot.deadline),
        }),
      );
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(error).toMatchObject({ deadline: START + 4500, timeoutMs: 4500 });
      expect(calls.length).toBeGreaterThan(1);
      expect(new Set(snapshots)).toEqual(new Set([START + 4500]));
    }
  });

  it('already past: TaskTimeoutError at once, no request', async () => {
    const { adapter, calls } = scripted([{ state: 'succeeded' }]);
    const { error } = await settle(waitForTask(adapter, 't', { deadline: START - 1 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ deadline: START - 1, timeoutMs: 0, attempts: 0 });
    expect(calls).toHaveLength(0);
  });

  it('a wall clock stepped forward between polls does not end the wait early: the deadline is converted once', async () => {
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'test.clock',
      async getStatus() {
        polls += 1;
        vi.setSystemTime(Date.now() + 3_600_000);
        return polls < 3
          ? { state: 'running' as const, providerState: 'r' }
          : { state: 'succeeded' as const, providerState: 'd' };
      },
    });
    const { value } = await settle(waitForTask(adapter, 't', { ...schedule, deadline: START + 30 * 60_000 }));
    expect(value?.state).toBe('succeeded');
  });

  it.each<[string, Record<string, unknown>, ErrorConstructor | RangeErrorConstructor, string]>([
    [
      'with timeoutMs',
      { deadline: START + 1, timeoutMs: 5 },
      TypeError,
      'give timeoutMs or deadline, not both (timeoutMs counts from the start, deadline is an instant)',
    ],
    [
      'an invalid Date',
      { deadline: new Date(Number.NaN) },
      TypeError,
      'deadline must be a Date or epoch ms (a finite number), got an invalid Date',
    ],
    [
      'a string',
      { deadline: '2026-03-01' },
      TypeError,
      'deadline must be a Date or epoch ms (a finite number), got "2026-03-01"',
    ],
    [
      'Infinity',
      { deadline: Number.POSITIVE_INFINITY },
      TypeError,
      'deadline must be a Date or epoch ms (a finite number), got Infinity',
    ],
    [
      'beyond a timer',
      { deadline: START + 2 ** 31 },
      RangeError,
      'deadline must be at most 2147483647 ms (about 24.8 days) ahead, got 2147483648 ms ahead',
    ],
  ])('refused: %s', (_name, options, type, message) => {
    const { adapter } = scripted([{ state: 'succeeded' }]);
    expect(() => pollTask(adapter, 't', options as never)).toThrow(type);
    expect(() => pollTask(adapter, 't', options as never)).toThrow(message);
  });
});
