/**
 * Shared pieces of the reliability tests: a fake axios transport (no sockets, so fast-check can run
 * thousands of answers), checks of a TaskStatus, and a deep search for a secret in an error.
 */
import { setTimeout as realSetTimeout } from 'node:timers';
import { inspect } from 'node:util';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { expect } from 'vitest';
import { TASK_STATES, isTerminalState, type TaskState, type TaskStatus } from '../../src/index.js';

/** What the fake transport answers. */
export interface FakeAnswer {
  status: number;
  /** The body bytes (a Buffer is sent as is; a string as UTF-8). */
  body: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * An axios instance whose requests never leave the process: `answer` sees each request (method, URL,
 * headers) and says what comes back. `requests` records what was asked.
 */
export function fakeAxios(answer: (request: InternalAxiosRequestConfig) => FakeAnswer): AxiosInstance & {
  requests: { method: string; url: string; headers: Record<string, unknown> }[];
} {
  const requests: { method: string; url: string; headers: Record<string, unknown> }[] = [];
  const instance = axios.create({
    adapter: async (config) => {
      requests.push({
        method: String(config.method).toUpperCase(),
        url: String(config.url),
        headers: { ...config.headers },
      });
      if ((config.signal as AbortSignal | undefined)?.aborted) throw (config.signal as AbortSignal).reason;
      const given = answer(config);
      // responseType 'text' gives the body as a string, as the http adapter would (bytes read as UTF-8).
      const data = typeof given.body === 'string' ? given.body : given.body.toString('utf8');
      return {
        data,
        status: given.status,
        statusText: '',
        headers: given.headers ?? { 'content-type': 'application/json' },
        config,
        request: {},
      };
    },
  });
  return Object.assign(instance, { requests });
}

/** Checks everything the model promises about a status; returns it for further checks. */
export function expectValidStatus<T>(status: TaskStatus<T>, provider: string, taskId: string): TaskStatus<T> {
  expect(status.provider).toBe(provider);
  expect(status.taskId).toBe(taskId);
  expect(TASK_STATES).toContain(status.state);
  expect(status.terminal).toBe(isTerminalState(status.state as TaskState));
  expect(typeof status.providerState).toBe('string');
  if (status.progress !== undefined) {
    expect(Number.isFinite(status.progress)).toBe(true);
    expect(status.progress).toBeGreaterThanOrEqual(0);
    expect(status.progress).toBeLessThanOrEqual(100);
  }
  for (const date of [status.createdAt, status.startedAt, status.finishedAt, status.updatedAt]) {
    if (date !== undefined) {
      expect(date).toBeInstanceOf(Date);
      expect(Number.isNaN(date.getTime())).toBe(false);
    }
  }
  for (const sub of status.subtasks ?? []) {
    expect(typeof sub.id).toBe('string');
    expect(typeof sub.name).toBe('string');
    expect(TASK_STATES).toContain(sub.state);
    expect(typeof sub.providerState).toBe('string');
  }
  if (status.state === 'succeeded') expect(status.result).toBeDefined();
  return status;
}

/** Every text an error can show: message, stack, toJSON, util.inspect (deep), String(), for it and its causes. */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    texts.push(inspect(current, { depth: 20, showHidden: true, getters: false }));
    texts.push(inspect(current, { depth: 20, customInspect: false, showHidden: true }));
    if (typeof current === 'object' || typeof current === 'function') {
      const e = current as { message?: unknown; stack?: unknown; toJSON?: () => unknown };
      if (typeof e.message === 'string') texts.push(e.message);
      if (typeof e.stack === 'string') texts.push(e.stack);
      if (typeof e.toJSON === 'function') texts.push(JSON.stringify(e.toJSON()));
      try {
        texts.push(JSON.stringify(current));
      } catch {
        // circular: inspect above saw it all
      }
    }
    try {
      texts.push(String(current));
    } catch {
      // a null-prototype object
    }
    current = (current as { cause?: unknown }).cause;
  }
  return texts;
}

/** Fails when any secret shows up anywhere in the error (or its causes), in any form it can be printed. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const texts = errorTexts(error);
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    for (const text of texts) {
      if (text.includes(secret)) {
        throw new Error(
          `a secret (${secret.slice(0, 3)}…, ${secret.length} characters) leaked into: ${text.slice(0, 400)}`,
        );
      }
    }
  }
}

/** Signals for one call. */
export const signal = (): AbortSignal => new AbortController().signal;

/** Active handles by type (`process.getActiveResourcesInfo()`), as counts. */
export function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) out[type] = (out[type] ?? 0) + 1;
  return out;
}

/**
 * The handle types more numerous now than in `before` (sockets, servers, timers of ours), once closed
 * handles have had up to a second of real time to go (libuv closes sockets on a later turn).
 */
export async function newHandles(before: Record<string, number>): Promise<Record<string, number>> {
  let extra: Record<string, number> = {};
  for (let i = 0; i < 50; i += 1) {
    extra = {};
    for (const [type, count] of Object.entries(handles()))
      if (count > (before[type] ?? 0)) extra[type] = count - (before[type] ?? 0);
    if (Object.keys(extra).length === 0) return extra;
    await new Promise((resolve) => realSetTimeout(resolve, 20));
  }
  return extra;
}
