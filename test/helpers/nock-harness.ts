import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

/**
 * The set-up every nock-scripted provider test shares: no real network, fake time (only what nock can
 * live with: setTimeout, clearTimeout, Date) starting at `start`, and every adapter made through
 * `track` closed after each test. Call once at the top level of a test file.
 */
export function useNockHarness(start: Date | number, afterEachTest?: () => void) {
  const adapters: { close(): void }[] = [];
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    vi.setSystemTime(start);
  });
  afterEach(() => {
    afterEachTest?.();
    for (const adapter of adapters.splice(0)) adapter.close();
    nock.cleanAll();
    vi.useRealTimers();
  });
  return {
    /** Registers an adapter to close after the test; returns it. */
    track<A extends { close(): void }>(adapter: A): A {
      adapters.push(adapter);
      return adapter;
    },
  };
}
