/** The largest delay `setTimeout` accepts; longer values fire at once, so every delay is clamped to it. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * Leaves neither a timer nor an abort listener behind, whichever way it ends.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Rejects with `signal.reason` when `signal` aborts, whether or not `promise` listens to the signal:
 * an adapter that ignores its signal still cannot hold the poller past a deadline or an abort.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A child AbortController that aborts when any parent does; `dispose()` removes every listener. */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  dispose(): void;
}

/**
 * Links a new controller to `parents` (undefined entries are skipped) and optionally aborts it after
 * `timeoutMs` with the reason `onTimeout()` builds. Unlike `AbortSignal.any`, it frees its listeners
 * and timer at once on `dispose()`, so thousands of short-lived links leave nothing behind.
 */
export function linkAbort(
  parents: readonly (AbortSignal | undefined)[],
  timeout?: { ms: number; reason: () => unknown },
): LinkedAbort {
  const controller = new AbortController();
  const links: { parent: AbortSignal; listener: () => void }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dispose = (): void => {
    for (const { parent, listener } of links) parent.removeEventListener('abort', listener);
    links.length = 0;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const abort = (reason: unknown): void => {
    if (controller.signal.aborted) return;
    dispose();
    controller.abort(reason);
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      return { signal: controller.signal, abort, dispose };
    }
    const listener = (): void => abort(parent.reason);
    parent.addEventListener('abort', listener, { once: true });
    links.push({ parent, listener });
  }
  if (timeout && Number.isFinite(timeout.ms)) {
    timer = setTimeout(() => abort(timeout.reason()), Math.min(Math.max(0, timeout.ms), MAX_TIMER_MS));
  }
  return { signal: controller.signal, abort, dispose };
}
