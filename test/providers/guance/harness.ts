import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { guanceLogmine, type GuanceLogmine, type GuanceLogmineOptions } from '../../../src/providers/guance/index.js';
import { nockClock } from '../../helpers/nock-clock.js';

/**
 * What the Guance logmine tests share: the key, paths and fixtures, Guance's answer bodies, the API
 * scripted with nock, an adapter factory, and the set-up ({@link useGuanceNock}, called once at the
 * top of each test file). Tests in fake time settle through {@link clock} (test/helpers/nock-clock.ts).
 */

/** A key long enough to be masked wherever it shows. */
export const API_KEY = 'df-canary-7f3e91c2b4a85d60';
export const BASE = 'https://openapi.guance.com';
export const SEND = '/api/v1/logmine/send_task';
export const QUERY = '/api/v1/logmine/query_task';
export const TASK_ID = 'logminetaskchcbedk24lokg5cqfdb0';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/guance/${name}`, import.meta.url)), 'utf8');
/** The documented `query_task` example (querytask.md), byte for byte. */
export const SEED_RESPONSE = fixture('query_task.seed-000.json');
export const SEND_OK = fixture('send_task.ok.json');
export const RUNNING = fixture('query_task.running.json');

/** A query_task answer with `taskStatus` set to `word` (and no clusters). */
export function statusBody(word: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: 200,
    content: { data: [], docCount: 0, taskStatus: word },
    errorCode: '',
    message: '',
    success: true,
    traceId: '1',
    ...extra,
  };
}

/** A Guance error envelope. */
export function errorBody(code: number, errorCode: string, message = ''): Record<string, unknown> {
  return { code, content: null, errorCode, message, success: false, traceId: '2' };
}

export const JSON_TYPE = { 'content-type': 'application/json' };

/** Moves fake time only while no request is in flight; with real timers, `failure` just awaits. */
export const clock = nockClock();

const adapters: GuanceLogmine[] = [];

/** An adapter with the test key, closed after the test. */
export function make(options: Partial<GuanceLogmineOptions> = {}): GuanceLogmine {
  const adapter = guanceLogmine({ apiKey: API_KEY, ...options } as GuanceLogmineOptions);
  adapters.push(adapter);
  return adapter;
}

/** The API, answering only requests that carry the key. */
export const api = (base = BASE) => nock(base, { reqheaders: { 'DF-API-KEY': API_KEY } });

/** Fast wait options for real-timer tests. */
export const FAST = { initialDelayMs: 1, maxDelayMs: 1, jitter: 0, retry: { minDelayMs: 1, maxDelayMs: 1 } } as const;

/** query_task answers every poll (up to 5) with `body`; returns how many polls came. */
export function everyPoll(status: number, body: unknown, headers: Record<string, string> = {}): () => number {
  let polls = 0;
  api()
    .get(QUERY)
    .query(true)
    .times(5)
    .reply(() => {
      polls += 1;
      return [status, body, headers];
    });
  return () => polls;
}

/** Every way an error can be looked at must be free of the key. */
export function expectNoKey(error: unknown): void {
  const views = [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    JSON.stringify((error as { toJSON?: () => unknown }).toJSON?.() ?? null),
    inspect(error, { depth: 10 }),
    inspect((error as Error).cause, { depth: 10 }),
  ];
  for (const view of views) expect(view).not.toContain(API_KEY);
}

/**
 * No real network during a test; after it, the adapters made through {@link make} closed, nock's
 * interceptors cleared, and real timers back.
 */
export function useGuanceNock(): void {
  beforeEach(() => {
    nock.disableNetConnect();
  });

  afterEach(() => {
    for (const adapter of adapters.splice(0)) adapter.close();
    clock.reset();
    nock.cleanAll();
    nock.enableNetConnect();
    vi.useRealTimers();
  });
}
