import { describe, expect, it } from 'vitest';
import {
  PROGRESS_MODEL,
  estimateFinish,
  fitToDeadline,
  nextPollDelay,
  progressDelay,
  retryDelay,
  scheduleDelay,
  type BackoffPolicy,
  type ProgressSample,
} from '../../src/core/backoff.js';
import { WAIT_DEFAULTS, normalizeWaitOptions } from '../../src/core/options.js';

const policy: BackoffPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0 };

/** Poll times of the plain schedule for instant polls, with a pinned random. */
function pollTimes(p: BackoffPolicy, count: number, random = 0): number[] {
  const times = [0];
  for (let n = 1; times.length < count; n += 1) {
    const now = times[times.length - 1] as number;
    times.push(now + scheduleDelay(p, { pollsDone: n, elapsedMs: now, random }));
  }
  return times;
}

const samples = (...pairs: [number, number][]): ProgressSample[] =>
  pairs.map(([elapsedMs, progress]) => ({ elapsedMs, progress }));

describe('scheduleDelay: the delay grows with the time already waited', () => {
  it('without jitter it is the classic initialDelayMs × factor^(n−1) for instant polls', () => {
    expect(pollTimes(policy, 6)).toEqual([0, 1000, 3000, 7000, 15_000, 31_000]);
  });

  it('is initialDelayMs + (factor − 1) × elapsed, capped by maxDelayMs', () => {
    expect(scheduleDelay(policy, { pollsDone: 1, elapsedMs: 0, random: 0 })).toBe(1000);
    expect(scheduleDelay(policy, { pollsDone: 9, elapsedMs: 10_000, random: 0 })).toBe(11_000);
    expect(scheduleDelay(policy, { pollsDone: 9, elapsedMs: 10_000_000, random: 0 })).toBe(60_000);
  });

  it('depends on the elapsed time, not on the poll count: a slow poll or retries do not shift it', () => {
    const a = scheduleDelay(policy, { pollsDone: 2, elapsedMs: 5000, random: 0 });
    const b = scheduleDelay(policy, { pollsDone: 7, elapsedMs: 5000, random: 0 });
    expect(a).toBe(b);
  });

  it('factor 1 is a fixed interval of initialDelayMs', () => {
    expect(pollTimes({ ...policy, factor: 1 }, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('jitter randomizes away up to that fraction of the delay', () => {
    const p = { ...policy, jitter: 0.5 };
    expect(scheduleDelay(p, { pollsDone: 3, elapsedMs: 3000, random: 0 })).toBe(4000);
    expect(scheduleDelay(p, { pollsDone: 3, elapsedMs: 3000, random: 0.5 })).toBe(3000);
    expect(scheduleDelay(p, { pollsDone: 3, elapsedMs: 3000, random: 0.999_999 })).toBe(2000);
  });

  it('keeps the lag a near-constant fraction of the time waited (the reason for the shape)', () => {
    const p = { ...WAIT_DEFAULTS, progressAware: undefined } as unknown as BackoffPolicy;
    const times = pollTimes({ initialDelayMs: p.initialDelayMs, maxDelayMs: 10 ** 9, factor: p.factor, jitter: 0 }, 60);
    for (let i = 20; i < times.length - 1; i += 1) {
      const ratio = ((times[i + 1] as number) - (times[i] as number)) / (times[i] as number);
      expect(ratio).toBeGreaterThan(WAIT_DEFAULTS.factor - 1);
      expect(ratio).toBeLessThan(WAIT_DEFAULTS.factor - 1 + 0.02);
    }
  });
});

describe('retryDelay', () => {
  const retry: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 8000, factor: 2, jitter: 0 };
  it('doubles per retry up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(retry, n, 0, undefined))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000,
    ]);
  });
  it('a longer Retry-After wins, a shorter one does not', () => {
    expect(retryDelay(retry, 1, 0, 30_000)).toBe(30_000);
    expect(retryDelay(retry, 3, 0, 10)).toBe(2000);
  });
  it('the wait options give retries a doubling backoff whatever the wait factor', () => {
    const opts = normalizeWaitOptions({ factor: 1.05, jitter: 0 });
    expect(opts.retry !== false && opts.retry.backoff.factor).toBe(2);
  });
});

describe('estimateFinish', () => {
  it('extrapolates linearly from the latest sample at no more than half the current progress', () => {
    const estimate = estimateFinish(samples([0, 0], [10_000, 10], [20_000, 20], [40_000, 40]));
    // Reference (20 s, 20): 20 points in 20 s → 60 points left → 60 s.
    expect(estimate?.remainingMs).toBeCloseTo(60_000, 6);
    const uncertainty = PROGRESS_MODEL.modelError * (60_000 / 20_000) + PROGRESS_MODEL.quantum / 20;
    expect(estimate?.uncertainty).toBeCloseTo(uncertainty, 9);
    expect(estimate?.earliestRemainingMs).toBeCloseTo(60_000 / (1 + uncertainty), 6);
  });

  it('is more certain near the end than early on', () => {
    const early = estimateFinish(samples([0, 0], [2000, 2])) as NonNullable<ReturnType<typeof estimateFinish>>;
    const late = estimateFinish(samples([0, 0], [45_000, 45], [90_000, 90])) as NonNullable<
      ReturnType<typeof estimateFinish>
    >;
    expect(early.uncertainty).toBeGreaterThan(5);
    expect(late.uncertainty).toBeLessThan(0.1);
  });

  it('gives nothing without progress, with one sample, or when progress went backwards', () => {
    expect(estimateFinish([])).toBeUndefined();
    expect(estimateFinish(samples([5000, 30]))).toBeUndefined();
    expect(estimateFinish(samples([0, 0], [5000, 0]))).toBeUndefined();
    expect(estimateFinish(samples([0, 50], [5000, 30]))).toBeUndefined();
  });
});

describe('progressDelay', () => {
  const p: BackoffPolicy = { initialDelayMs: 1500, maxDelayMs: 120_000, factor: 1.13, jitter: 0 };

  it('is undefined without progress samples (the plain schedule applies)', () => {
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 5000, random: 0 })).toBeUndefined();
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 5000, random: 0, progress: [] })).toBeUndefined();
  });

  it('warms up by doubling while the task reports progress 0', () => {
    expect(progressDelay(p, { pollsDone: 1, elapsedMs: 0, random: 0, progress: samples([0, 0]) })).toBe(1500);
    const s = samples([0, 0], [1500, 0], [4500, 0]);
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 4500, random: 0, progress: s })).toBe(6000);
  });

  it('aims just after the earliest plausible finish', () => {
    const s = samples([0, 0], [45_000, 45], [90_000, 90]);
    const estimate = estimateFinish(s) as NonNullable<ReturnType<typeof estimateFinish>>;
    const aim = (1 + PROGRESS_MODEL.lagFraction) * (90_000 + estimate.earliestRemainingMs) - 90_000;
    const delay = progressDelay(p, { pollsDone: 3, elapsedMs: 90_000, random: 0, progress: s }) as number;
    expect(delay).toBe(Math.round(aim));
    // A linear task ends at 100 s: the poll lands shortly after, well within 10 % of its duration.
    expect(90_000 + delay).toBeGreaterThan(100_000);
    expect(90_000 + delay).toBeLessThan(110_000);
  });

  it('far from the end it polls before the estimated finish, to learn more', () => {
    const s = samples([0, 0], [2000, 2]);
    const delay = progressDelay(p, { pollsDone: 2, elapsedMs: 2000, random: 0, progress: s }) as number;
    expect(2000 + delay).toBeLessThan(100_000 / 2);
    expect(delay).toBeGreaterThan(p.initialDelayMs);
  });

  it('falls back to the schedule after stallPolls polls without a change', () => {
    const moving = samples([0, 0], [10_000, 20], [20_000, 50]);
    const stalledOnce = samples([0, 0], [10_000, 20], [20_000, 50], [30_000, 50]);
    const stalled = samples([0, 0], [10_000, 20], [20_000, 50], [30_000, 50], [40_000, 50]);
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 20_000, random: 0, progress: moving })).toBeTypeOf('number');
    expect(progressDelay(p, { pollsDone: 4, elapsedMs: 30_000, random: 0, progress: stalledOnce })).toBeTypeOf(
      'number',
    );
    expect(progressDelay(p, { pollsDone: 5, elapsedMs: 40_000, random: 0, progress: stalled })).toBeUndefined();
    expect(nextPollDelay(p, { pollsDone: 5, elapsedMs: 40_000, random: 0, progress: stalled })).toBe(
      scheduleDelay(p, { pollsDone: 5, elapsedMs: 40_000, random: 0 }),
    );
  });

  it('falls back to the schedule when progress goes backwards', () => {
    const s = samples([0, 0], [10_000, 60], [20_000, 10]);
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 20_000, random: 0, progress: s })).toBeUndefined();
  });

  it('respects maxDelayMs, a floor of initialDelayMs / floorDivisor, and jitter', () => {
    const slow = samples([0, 0], [60_000, 1], [120_000, 2]);
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 120_000, random: 0, progress: slow })).toBe(120_000);
    const almost = samples([0, 0], [50_000, 50], [100_000, 99.99]);
    const floor = p.initialDelayMs / PROGRESS_MODEL.floorDivisor;
    expect(progressDelay(p, { pollsDone: 3, elapsedMs: 100_000, random: 0, progress: almost })).toBeGreaterThanOrEqual(
      floor,
    );
    const s = samples([0, 0], [45_000, 45], [90_000, 90]);
    const plain = progressDelay(p, { pollsDone: 3, elapsedMs: 90_000, random: 0.5, progress: s }) as number;
    const jittered = progressDelay(
      { ...p, jitter: 0.5 },
      { pollsDone: 3, elapsedMs: 90_000, random: 0.5, progress: s },
    ) as number;
    expect(Math.abs(jittered - plain * 0.75)).toBeLessThanOrEqual(1);
  });

  it('nextPollDelay prefers the progress delay when there is one', () => {
    const s = samples([0, 0], [45_000, 45], [90_000, 90]);
    const input = { pollsDone: 3, elapsedMs: 90_000, random: 0, progress: s };
    expect(nextPollDelay(p, input)).toBe(progressDelay(p, input));
    expect(nextPollDelay(p, { ...input, progress: undefined })).toBe(scheduleDelay(p, input));
  });
});

describe('fitToDeadline', () => {
  it('shortens a delay that would cross the deadline and marks the last poll', () => {
    expect(fitToDeadline(5000, 0, Number.POSITIVE_INFINITY, 500)).toEqual({ delayMs: 5000, final: false });
    expect(fitToDeadline(5000, 0, 10_000, 500)).toEqual({ delayMs: 5000, final: false });
    expect(fitToDeadline(20_000, 0, 10_000, 500)).toEqual({ delayMs: 9500, final: true });
    expect(fitToDeadline(20_000, 9800, 10_000, 500)).toBeUndefined();
  });
});

describe('wait option defaults and progressAware validation', () => {
  it('has the documented schedule defaults', () => {
    const opts = normalizeWaitOptions(undefined);
    expect(opts.backoff).toEqual({ initialDelayMs: 1500, maxDelayMs: 120_000, factor: 1.13, jitter: 0.2 });
    expect(opts.progressAware).toBe(true);
  });
  it('rejects a non-boolean progressAware, showing the value (not a credential)', () => {
    expect(() => normalizeWaitOptions({ progressAware: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => normalizeWaitOptions({ progressAware: 'some-value' as unknown as boolean })).toThrow(
      /got "some-value"/,
    );
    expect(normalizeWaitOptions({ progressAware: false }).progressAware).toBe(false);
  });
});

describe('retryDelay with an unusable retryAfterMs', () => {
  // e.g. a custom adapter's `Number(retryAfterHeader) * 1000` on an HTTP-date Retry-After.
  it.each([Number.NaN, -5])('retryAfterMs %o keeps the scheduled delay instead of retrying at once', (retryAfterMs) => {
    const policy = { initialDelayMs: 500, maxDelayMs: 8000, factor: 2, jitter: 0 };
    expect(retryDelay(policy, 2, 0, retryAfterMs)).toBe(1000);
  });
});
