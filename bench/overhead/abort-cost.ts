/** The cost, on this machine and Node, of a fresh AbortController with and without a first abort listener. */

/** Microseconds per operation, median of a few runs. */
export function abortSignalCost(): {
  controllerMicros: number;
  firstListenerMicros: number;
  reusedListenerMicros: number;
} {
  const n = 50_000;
  const keep: unknown[] = [];
  const time = (fn: () => unknown): number => {
    const runs: number[] = [];
    for (let r = 0; r < 5; r += 1) {
      const t0 = performance.now();
      for (let i = 0; i < n; i += 1) {
        keep.push(fn());
        if (keep.length > 100) keep.length = 0;
      }
      runs.push(((performance.now() - t0) * 1000) / n);
    }
    return runs.sort((a, b) => a - b)[2] as number;
  };
  const shared = new AbortController();
  const controllerMicros = time(() => new AbortController());
  const withListener = time(() => {
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => undefined);
    return controller;
  });
  const reusedListenerMicros = time(() => {
    const listener = (): void => undefined;
    shared.signal.addEventListener('abort', listener);
    shared.signal.removeEventListener('abort', listener);
  });
  return { controllerMicros, firstListenerMicros: withListener - controllerMicros, reusedListenerMicros };
}
