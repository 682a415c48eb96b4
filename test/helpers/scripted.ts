import { defineAdapter, type StatusReport, type TaskState } from '../../src/index.js';

/** One step of a scripted conversation: a status to report, an error to throw, or a hang. */
export type Step<T> =
  | { state: TaskState; providerState?: string; result?: T; progress?: number; message?: string; pollAfterMs?: number }
  | { throws: unknown }
  | { hang: true };

/**
 * A defineAdapter-built adapter that plays `steps` in order (the last one repeats) and records every
 * call with the fake clock's time, so tests can assert how many polls happened and when.
 */
export function scripted<T = unknown>(
  steps: Step<T>[],
  options: { provider?: string; cancel?: () => Promise<void> } = {},
) {
  const calls: { at: number; signal: AbortSignal }[] = [];
  let index = 0;
  const adapter = defineAdapter<string, T>({
    provider: options.provider ?? 'test.scripted',
    async getStatus(_ref, { signal }): Promise<StatusReport<T>> {
      calls.push({ at: Date.now(), signal });
      const step = steps[Math.min(index, steps.length - 1)] as Step<T>;
      index += 1;
      if ('throws' in step) throw step.throws;
      if ('hang' in step) return new Promise<never>(() => undefined);
      const { providerState, ...rest } = step;
      return { providerState: providerState ?? step.state, ...rest };
    },
    ...(options.cancel ? { cancel: options.cancel } : {}),
  });
  return { adapter, calls };
}
