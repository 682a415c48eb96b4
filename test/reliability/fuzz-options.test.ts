import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineAdapter, isTaskPollError, pollTask, waitForTask } from '../../src/index.js';

/**
 * Arbitrary option objects: every one either throws a TypeError/RangeError at once (before any
 * request) or gives a working wait. Never a crash deep inside, never a hang.
 */
const adapter = defineAdapter({
  provider: 'fuzz',
  async getStatus() {
    return { state: 'succeeded' as const, providerState: 'ok', result: 1 };
  },
});

const optionValue = fc.oneof(
  fc.anything(),
  fc.double(),
  fc.integer({ min: -10, max: 10_000 }),
  fc.constantFrom(0, -1, 1, 0.5, 2, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, true, false, null, '', '100'),
);
const optionKey = fc.constantFrom(
  'timeoutMs',
  'signal',
  'initialDelayMs',
  'maxDelayMs',
  'factor',
  'jitter',
  'requestTimeoutMs',
  'retry',
  'onProgress',
  'acceptPartial',
  'cancelOnAbort',
  'cancelTimeoutMs',
  'bogus',
);
const options = fc.oneof(
  fc.dictionary(optionKey, optionValue, { maxKeys: 5 }),
  fc.record({
    retry: fc.oneof(
      fc.constant(false),
      fc.dictionary(fc.constantFrom('retries', 'minDelayMs', 'maxDelayMs', 'x'), optionValue),
    ),
  }),
  fc.anything(),
);

describe('fuzz: arbitrary wait options', () => {
  it('a clear TypeError/RangeError or a working wait, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(options, async (opts) => {
        let thrown: unknown;
        try {
          pollTask(adapter, 't', opts as never);
        } catch (error) {
          thrown = error;
        }
        if (thrown !== undefined) {
          expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
          expect((thrown as Error).message.length).toBeGreaterThan(10);
          return;
        }
        try {
          const done = await waitForTask(adapter, 't', opts as never);
          expect(done.state).toBe('succeeded');
        } catch (error) {
          // A valid option set may still end in a typed error (e.g. an already aborted signal, an onProgress that throws).
          expect(isTaskPollError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
