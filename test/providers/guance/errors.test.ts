import { describe, expect, it, vi } from 'vitest';
import { AuthenticationError, HttpError, ProviderError, TaskNotFoundError, waitForTask } from '../../../src/index.js';
import {
  FAST,
  JSON_TYPE,
  QUERY,
  SEED_RESPONSE,
  TASK_ID,
  api,
  clock,
  errorBody,
  everyPoll,
  make,
  statusBody,
  useGuanceNock,
} from './harness.js';

useGuanceNock();

describe('query_task error envelopes on HTTP 200: the envelope decides', () => {
  it('query_task → HTTP 200 with success:false envelope: ProviderError with the code, not retried', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, errorBody(400, 'ft.LogmineTaskError', 'task could not run'));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      providerCode: 'ft.LogmineTaskError',
      httpStatus: 200,
      transient: false,
      provider: 'guance.logmine',
      taskId: TASK_ID,
    });
    expect((error as Error).message).toContain('task could not run');
    expect(scope.isDone()).toBe(true);
  });

  it('query_task → HTTP 200, success:true but a non-empty errorCode: ProviderError', async () => {
    api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, statusBody('ok', { errorCode: 'ft.Odd' }));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'ft.Odd', httpStatus: 200 });
  });

  it('query_task → HTTP 200, success:false with an empty errorCode: ProviderError named by the envelope code', async () => {
    api().get(QUERY).query({ taskId: TASK_ID }).reply(200, errorBody(400, ''));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '400', httpStatus: 200 });
  });
});

describe('query_task refused keys: AuthenticationError, not retried', () => {
  it('query_task → 403 ft.InvalidAPIKey: AuthenticationError after exactly one request', async () => {
    const polls = everyPoll(403, errorBody(403, 'ft.InvalidAPIKey', 'invalid api key'));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.InvalidAPIKey', httpStatus: 403, transient: false });
    expect(polls()).toBe(1);
  });

  it('query_task → HTTP 200 carrying ft.InvalidAPIKey: still an AuthenticationError', async () => {
    api().get(QUERY).query(true).reply(200, errorBody(403, 'ft.InvalidAPIKey'));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.InvalidAPIKey', httpStatus: 200 });
  });

  it('query_task → 401 with another code: AuthenticationError, one request', async () => {
    const polls = everyPoll(401, errorBody(401, 'ft.Unauthorized'));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.Unauthorized', httpStatus: 401 });
    expect(polls()).toBe(1);
  });
});

describe('query_task rate limits: transient, never an auth failure', () => {
  it.each(['ft.TriggerApiAkCurrentLimiting', 'ft.TriggerApiWorkspaceCurrentLimiting'])(
    'query_task → 401 %s (rate limit) → ok: retried after a pause, never an auth failure',
    async (code) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
      const times: number[] = [];
      const scope = api()
        .get(QUERY)
        .query({ taskId: TASK_ID })
        .reply(() => {
          times.push(Date.now());
          return [401, errorBody(401, code, 'too many requests')];
        })
        .get(QUERY)
        .query({ taskId: TASK_ID })
        .reply(() => {
          times.push(Date.now());
          return [200, SEED_RESPONSE, JSON_TYPE];
        });
      const done = await clock.settle(waitForTask(make({ axios: clock.axios() }), TASK_ID));
      expect(done.result?.docCount).toBe(3);
      expect(scope.isDone()).toBe(true);
      // The retry waited out the rate-limit pause (3 s without Retry-After).
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3000);
    },
  );

  it('query_task → 401 rate limit with retry off: a transient ProviderError carrying the pause', async () => {
    api().get(QUERY).query(true).reply(401, errorBody(401, 'ft.TriggerApiAkCurrentLimiting'), { 'Retry-After': '7' });
    const error = await clock.failure(waitForTask(make(), TASK_ID, { retry: false }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      providerCode: 'ft.TriggerApiAkCurrentLimiting',
      httpStatus: 401,
      transient: true,
      retryAfterMs: 7000,
    });
  });
});

describe('query_task 404s: an unknown task, or a wrong URL', () => {
  it('query_task → 404 with the Guance envelope: TaskNotFoundError at once', async () => {
    const polls = everyPoll(404, errorBody(404, '', 'not found'));
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ taskId: TASK_ID, provider: 'guance.logmine' });
    expect(polls()).toBe(1);
  });

  it('query_task → bare 404 (no envelope, e.g. a wrong baseURL): HttpError, not TaskNotFoundError', async () => {
    api().get(QUERY).query(true).reply(404, 'not here', { 'content-type': 'text/plain' });
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false });
  });
});
