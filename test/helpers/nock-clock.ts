import axios, { type AxiosInstance } from 'axios';
import { vi } from 'vitest';

const realSetTimeout = globalThis.setTimeout; // captured at import, before any test fakes it

/**
 * Drives vitest's fake timers under nock without racing it. nock answers through real event-loop
 * turns (often 10 to 50 ms of real time), so moving fake time by fixed steps while a request is in
 * flight can fire the request's own timeout. The tracker counts requests in flight through the axios
 * instances it hands out, and `settle` moves fake time only while none is: then it jumps straight to
 * the next fake timer (the sleep of the code under test). Use with
 * `vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })`.
 */
export interface NockClock {
  /** A new axios instance (pass it as the adapter's `axios`) whose requests are counted. */
  axios(): AxiosInstance;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** Waits for `promise`, moving fake time only while no request is in flight. With real timers, just awaits it. */
  settle<T>(promise: Promise<T>): Promise<T>;
  /** The error `promise` rejects with, settled the same way; throws when it resolves. */
  failure(promise: Promise<unknown>): Promise<unknown>;
  /** Forgets requests left in flight by a test that ended early (call in `afterEach`). */
  reset(): void;
}

export function nockClock(): NockClock {
  let inFlight = 0;
  const clock: NockClock = {
    get inFlight() {
      return inFlight;
    },
    axios() {
      const instance = axios.create({ proxy: false });
      instance.interceptors.request.use((config) => {
        inFlight += 1;
        return config;
      });
      instance.interceptors.response.use(
        (response) => {
          inFlight -= 1;
          return response;
        },
        (error: unknown) => {
          inFlight -= 1;
          return Promise.reject(error);
        },
      );
      return instance;
    },
    async settle(promise) {
      if (!vi.isFakeTimers()) return promise;
      let done = false;
      promise.then(
        () => (done = true),
        () => (done = true),
      );
      // At most ~5000 real milliseconds of waiting for I/O, so a stuck conversation fails instead of hanging.
      for (let idle = 0; !done && idle < 5000; ) {
        await new Promise((resolve) => setImmediate(resolve)); // let microtasks (and request starts) run
        if (done) break;
        if (inFlight > 0 || vi.getTimerCount() === 0) {
          // Timers due now may belong to the transport (nock's replyWithError uses one): run them
          // without moving the clock, then give real I/O a millisecond.
          await vi.advanceTimersByTimeAsync(0);
          idle += 1;
          await new Promise((resolve) => realSetTimeout(resolve, 1));
        } else {
          await vi.advanceTimersToNextTimerAsync();
        }
      }
      return promise;
    },
    async failure(promise) {
      try {
        await clock.settle(promise);
      } catch (error) {
        return error;
      }
      throw new Error('expected a rejection');
    },
    reset() {
      inFlight = 0;
    },
  };
  return clock;
}
