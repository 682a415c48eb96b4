import { inspect } from 'node:util';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, TaskFailedError, waitForTask } from '../../src/index.js';
import { expectNoSecrets } from '../reliability/helpers.js';
import {
  API_KEY,
  JSON_TYPE,
  QUERY,
  SEND,
  SEND_OK,
  TASK_ID,
  api,
  clock,
  errorBody,
  make,
  statusBody,
  useGuanceNock,
} from '../providers/guance/harness.js';
import { record, type DiagEvent } from './diagnostics-harness.js';

/**
 * No credential reaches any diagnostics message, on any channel, however it is printed: a canary API
 * key, echoed by the provider in every answer (error bodies, a rate-limit answer, statuses), through
 * the real Guance factory over nock.
 */

useGuanceNock();
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  vi.setSystemTime(0);
});

const schedule = { initialDelayMs: 1000, jitter: 0, retry: { minDelayMs: 100 } } as const;

/** Every way a subscriber might print a message: deep inspection (hidden fields too) and a JSON line. */
function expectClean(events: readonly DiagEvent[]): void {
  expect(events.length).toBeGreaterThan(0);
  for (const { message } of events) {
    expectNoSecrets(message, [API_KEY]);
    expect(inspect(message, { depth: 30, showHidden: true, getters: true })).not.toContain(API_KEY);
    const line = JSON.stringify(message, (_key, value: unknown) =>
      value instanceof Error ? { ...value, name: value.name, message: value.message, stack: value.stack } : value,
    );
    expect(line).not.toContain(API_KEY);
  }
}

describe('canary credentials never reach a diagnostics message', () => {
  it('a wait through 503, 429 with Retry-After, a queued poll and a failed task, every answer echoing the key', async () => {
    const echo = `key ${API_KEY} rejected`;
    api().post(SEND).reply(200, SEND_OK, JSON_TYPE);
    api()
      .get(QUERY)
      .query(true)
      .reply(503, errorBody(503, 'ft.Unavailable', echo));
    api()
      .get(QUERY)
      .query(true)
      .reply(429, errorBody(429, 'ft.TooManyRequests', echo), { 'Retry-After': '2' });
    api()
      .get(QUERY)
      .query(true)
      .reply(200, statusBody('running', { message: echo }), JSON_TYPE);
    api()
      .get(QUERY)
      .query(true)
      .reply(200, statusBody('failed', { message: echo }), JSON_TYPE);
    const logmine = make({ pacing: { requestsPerInterval: 2, intervalMs: 1000 }, axios: clock.axios() });
    const events = record((context) => {
      context.traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    });
    await clock.settle(logmine.submit({ analysisField: 'message' }));
    const error = await clock.failure(waitForTask(logmine, TASK_ID, schedule));
    expect(error).toBeInstanceOf(TaskFailedError);
    const kinds = new Set(events.map((e) => e.channel));
    expect([...kinds].sort()).toEqual(['pacing', 'poll', 'retry', 'status', 'wait']);
    expectClean(events);
  });

  it('a key the provider refuses, echoed back: the AuthenticationError on the poll and wait traces', async () => {
    api()
      .get(QUERY)
      .query(true)
      .reply(401, errorBody(401, 'ft.AuthFailed', `bad key ${API_KEY}`));
    const events = record();
    const error = await clock.failure(waitForTask(make({ axios: clock.axios() }), TASK_ID, schedule));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(events.map((e) => `${e.channel}.${e.event}`)).toContain('wait.error');
    expectClean(events);
  });
});
