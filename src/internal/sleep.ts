/**
 * The abortable `sleep` every wait in taskpoll goes through (the poller's delays, retry delays). Its
 * abort subscription goes through the fan-out of `abort.ts`, so thousands of sleeps on one caller
 * signal add one listener to it.
 *
 * @internal
 */
import { onAbort } from './abort.js';
import { MAX_TIMER_MS } from './clock.js';

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * Leaves neither a timer nor an abort subscription behind, whichever way it ends. A delay of 0 takes
 * the next turn of the event loop (`setImmediate`), not Node's 1 ms minimum timeout.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const delay = Math.min(Math.max(0, ms), MAX_TIMER_MS);
    const done = (): void => {
      unsubscribe?.();
      resolve();
    };
    // Node clamps a 0 ms timeout to 1 ms: a zero delay takes the next turn of the event loop instead.
    const timer = delay > 0 ? setTimeout(done, delay) : setImmediate(done);
    const unsubscribe = signal
      ? onAbort(signal, () => {
          if (delay > 0) clearTimeout(timer as ReturnType<typeof setTimeout>);
          else clearImmediate(timer as ReturnType<typeof setImmediate>);
          reject(signal.reason);
        })
      : undefined;
  });
}
