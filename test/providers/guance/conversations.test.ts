import { describe, expect, it, vi } from 'vitest';
import { TaskFailedError, TaskTimeoutError, pollTask, waitForTask, type TaskStatus } from '../../../src/index.js';
import type { GuanceLogmineResult } from '../../../src/providers/guance/index.js';
import {
  FAST,
  JSON_TYPE,
  QUERY,
  RUNNING,
  SEED_RESPONSE,
  SEND,
  SEND_OK,
  TASK_ID,
  api,
  clock,
  errorBody,
  make,
  statusBody,
  useGuanceNock,
} from './harness.js';

useGuanceNock();

describe('guance.logmine conversation: submit, then wait for the clusters', () => {
  it('submit → queued → running → ok: typed clusters through waitForTask', async () => {
    const scope = api()
      .post(SEND, {
        namespace: 'logging',
        highlight: true,
        conditions: 'index in [`default`]',
        timeRange: [1683534635416, 1683535535416],
        analysisField: 'message',
      })
      .matchHeader('content-type', /application\/json/)
      .reply(200, SEND_OK, JSON_TYPE)
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, statusBody('queued'))
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, RUNNING, JSON_TYPE)
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, SEED_RESPONSE, JSON_TYPE);
    const logmine = make();

    const taskId = await logmine.submit({
      namespace: 'logging',
      highlight: true,
      conditions: 'index in [`default`]',
      timeRange: [new Date(1683534635416), 1683535535416],
      analysisField: 'message',
    });
    expect(taskId).toBe(TASK_ID);

    const seen: TaskStatus<GuanceLogmineResult>[] = [];
    const done = await waitForTask(logmine, taskId, { ...FAST, onProgress: (status) => void seen.push(status) });

    expect(seen.map((s) => [s.state, s.providerState, s.terminal])).toEqual([
      ['queued', 'queued', false],
      ['running', 'running', false],
      ['succeeded', 'ok', true],
    ]);
    expect(done.provider).toBe('guance.logmine');
    expect(done.taskId).toBe(TASK_ID);
    // Without acceptPartial the wait resolves only on 'succeeded', whose result is typed.
    if (done.state !== 'succeeded') throw new Error('expected succeeded');
    const result: GuanceLogmineResult = done.result;
    expect(result.docCount).toBe(3);
    expect(result.clusters.map((c) => [c.count, c.docIds])).toEqual([
      [2, ['L_1683535329738_chcbbp44c5rvac7jvckg', 'L_1683535036487_chcb9gk4c5rvac7iebag']],
      [1, ['L_1683534719215_chcb70k4c5rvac7hdi60']],
    ]);
    expect(result.clusters[0]).not.toHaveProperty('docids');
    expect(scope.isDone()).toBe(true);
  });
});

describe('guance.logmine conversations past the happy path: failure, unknown words, the deadline', () => {
  it('query_task → failed: TaskFailedError with the word kept and the message as reason', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, statusBody('failed', { message: 'analysis field missing' }));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(TaskFailedError);
    const { status } = error as TaskFailedError;
    expect(status).toMatchObject({
      state: 'failed',
      providerState: 'failed',
      terminal: true,
      message: 'analysis field missing',
    });
    expect(status).not.toHaveProperty('result');
    expect(scope.isDone()).toBe(true);
  });

  it('query_task → "rebalancing" (unknown word) → ok: unknown is never terminal', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .times(2)
      .reply(200, statusBody('rebalancing'))
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, SEED_RESPONSE, JSON_TYPE);
    const seen: TaskStatus<GuanceLogmineResult>[] = [];
    for await (const status of pollTask(make(), TASK_ID, FAST)) seen.push(status);
    expect(seen.map((s) => [s.state, s.providerState, s.terminal])).toEqual([
      ['unknown', 'rebalancing', false],
      ['unknown', 'rebalancing', false],
      ['succeeded', 'ok', true],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('query_task → "rebalancing" until the deadline: TaskTimeoutError, last status unknown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    api().get(QUERY).query({ taskId: TASK_ID }).times(100).reply(200, statusBody('rebalancing'));
    const error = await clock.failure(waitForTask(make({ axios: clock.axios() }), TASK_ID, { timeoutMs: 20_000 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).lastStatus).toMatchObject({
      state: 'unknown',
      providerState: 'rebalancing',
      terminal: false,
    });
  });
});

describe('guance.logmine conversations through server errors, retried', () => {
  it('query_task → 502 → 503 → ok: 5xx retried', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' })
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(503, errorBody(503, ''))
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, SEED_RESPONSE, JSON_TYPE);
    const done = await waitForTask(make(), TASK_ID, FAST);
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
  });

  it('query_task → 500 with an error code → ok: a transient ProviderError, retried', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(500, errorBody(500, 'ft.InternalError'))
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, SEED_RESPONSE, JSON_TYPE);
    const done = await waitForTask(make(), TASK_ID, FAST);
    expect(done.result?.clusters).toHaveLength(2);
    expect(scope.isDone()).toBe(true);
  });
});
