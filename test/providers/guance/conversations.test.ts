import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  HttpError,
  ProviderError,
  ResponseValidationError,
  TaskFailedError,
  TaskNotFoundError,
  TaskTimeoutError,
  pollTask,
  waitForTask,
  type TaskState,
  type TaskStatus,
} from '../../../src/index.js';
import {
  GUANCE_DEFAULT_PACING,
  GUANCE_SITES,
  guanceLogmine,
  guanceTaskState,
  parseClusterMessage,
  type GuanceLogmine,
  type GuanceLogmineOptions,
  type GuanceLogmineResult,
} from '../../../src/providers/guance/index.js';
import { nockClock } from '../../helpers/nock-clock.js';

const API_KEY = 'df-canary-7f3e91c2b4a85d60';
const BASE = 'https://openapi.guance.com';
const SEND = '/api/v1/logmine/send_task';
const QUERY = '/api/v1/logmine/query_task';
const TASK_ID = 'logminetaskchcbedk24lokg5cqfdb0';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/guance/${name}`, import.meta.url)), 'utf8');
const SEED_RESPONSE = fixture('query_task.seed-000.json');
const SEND_OK = fixture('send_task.ok.json');
const RUNNING = fixture('query_task.running.json');
const SEED_FILE = '/work/shared/seeds/000_faa5ca62913e583d.txt';

/** A query_task answer with `taskStatus` set to `word` (and no clusters). */
function statusBody(word: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
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
function errorBody(code: number, errorCode: string, message = ''): Record<string, unknown> {
  return { code, content: null, errorCode, message, success: false, traceId: '2' };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const adapters: GuanceLogmine[] = [];
const clock = nockClock();

function make(options: Partial<GuanceLogmineOptions> = {}): GuanceLogmine {
  const adapter = guanceLogmine({ apiKey: API_KEY, ...options } as GuanceLogmineOptions);
  adapters.push(adapter);
  return adapter;
}

/** The API, answering only requests that carry the key. */
const api = (base = BASE) => nock(base, { reqheaders: { 'DF-API-KEY': API_KEY } });

/** Fast wait options for real-timer tests. */
const FAST = { initialDelayMs: 1, maxDelayMs: 1, jitter: 0, retry: { minDelayMs: 1, maxDelayMs: 1 } } as const;

/** query_task answers every poll (up to 5) with `body`; returns how many polls came. */
function everyPoll(status: number, body: unknown, headers: Record<string, string> = {}): () => number {
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

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Every way an error can be looked at must be free of the key. */
function expectNoKey(error: unknown): void {
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

describe('guance.logmine conversations', () => {
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

  it('query_task → failed: TaskFailedError with the word kept and the message as reason', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, statusBody('failed', { message: 'analysis field missing' }));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(TaskFailedError);
    const { status } = error as TaskFailedError;
    expect(status).toMatchObject({ state: 'failed', providerState: 'failed', terminal: true, message: 'analysis field missing' });
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
    expect((error as TaskTimeoutError).lastStatus).toMatchObject({ state: 'unknown', providerState: 'rebalancing', terminal: false });
  });

  it('query_task → HTTP 200 with success:false envelope: ProviderError with the code, not retried', async () => {
    const scope = api()
      .get(QUERY)
      .query({ taskId: TASK_ID })
      .reply(200, errorBody(400, 'ft.LogmineTaskError', 'task could not run'));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
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
    api().get(QUERY).query({ taskId: TASK_ID }).reply(200, statusBody('ok', { errorCode: 'ft.Odd' }));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'ft.Odd', httpStatus: 200 });
  });

  it('query_task → HTTP 200, success:false with an empty errorCode: ProviderError named by the envelope code', async () => {
    api().get(QUERY).query({ taskId: TASK_ID }).reply(200, errorBody(400, ''));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '400', httpStatus: 200 });
  });

  it('query_task → 403 ft.InvalidAPIKey: AuthenticationError after exactly one request', async () => {
    const polls = everyPoll(403, errorBody(403, 'ft.InvalidAPIKey', 'invalid api key'));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.InvalidAPIKey', httpStatus: 403, transient: false });
    expect(polls()).toBe(1);
  });

  it('query_task → HTTP 200 carrying ft.InvalidAPIKey: still an AuthenticationError', async () => {
    api().get(QUERY).query(true).reply(200, errorBody(403, 'ft.InvalidAPIKey'));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.InvalidAPIKey', httpStatus: 200 });
  });

  it('query_task → 401 with another code: AuthenticationError, one request', async () => {
    const polls = everyPoll(401, errorBody(401, 'ft.Unauthorized'));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.Unauthorized', httpStatus: 401 });
    expect(polls()).toBe(1);
  });

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
    const error = await rejection(waitForTask(make(), TASK_ID, { retry: false }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'ft.TriggerApiAkCurrentLimiting', httpStatus: 401, transient: true, retryAfterMs: 7000 });
  });

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

  it('query_task → 404 with the Guance envelope: TaskNotFoundError at once', async () => {
    const polls = everyPoll(404, errorBody(404, '', 'not found'));
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ taskId: TASK_ID, provider: 'guance.logmine' });
    expect(polls()).toBe(1);
  });

  it('query_task → bare 404 (no envelope, e.g. a wrong baseURL): HttpError, not TaskNotFoundError', async () => {
    api().get(QUERY).query(true).reply(404, 'not here', { 'content-type': 'text/plain' });
    const error = await rejection(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false });
  });

  describe('malformed bodies: ResponseValidationError', () => {
    const cases: [string, string | Record<string, unknown>, string][] = [
      ['taskStatus missing', { ...statusBody('ok'), content: { data: [], docCount: 0 } }, 'content.taskStatus'],
      ['content null on success', { ...statusBody('ok'), content: null }, 'content'],
      ['success missing', (({ success: _s, ...rest }) => rest)(statusBody('running')), 'success'],
      ['traceId an object', statusBody('running', { traceId: {} }), 'traceId'],
      [
        'ok without docids',
        { ...statusBody('ok'), content: { taskStatus: 'ok', docCount: 1, data: [{ count: 1, message: 'x' }] } },
        'content.data.0.docids',
      ],
      ['ok with data null', { ...statusBody('ok'), content: { taskStatus: 'ok', docCount: 1, data: null } }, 'content.data'],
      ['ok with a negative count', { ...statusBody('ok'), content: { taskStatus: 'ok', docCount: 1, data: [{ count: -1, docids: [], message: '' }] } }, 'content.data.0.count'],
      ['not JSON', '{"code":200,', ''],
    ];
    it.each(cases)('query_task → %s', async (_name, body, path) => {
      const polls = everyPoll(200, typeof body === 'string' ? body : JSON.stringify(body), JSON_TYPE);
      const error = await rejection(waitForTask(make(), TASK_ID, FAST));
      expect(error).toBeInstanceOf(ResponseValidationError);
      if (path !== '') expect((error as ResponseValidationError).issues.map((i) => i.path.join('.'))).toContain(path);
      // A body that is not JSON is transient: retried (4 retries by default) before it ends the wait.
      expect(polls()).toBe(path === '' ? 5 : 1);
    });

    it('query_task → extra fields are tolerated and kept in raw', async () => {
      api()
        .get(QUERY)
        .query(true)
        .reply(200, statusBody('running', { pageInfo: { count: 0 }, content: { taskStatus: 'running', data: null, extra: 1 } }));
      const status = await make().getStatus(TASK_ID, { signal: new AbortController().signal });
      expect(status.state).toBe('running');
      expect(status.raw).toMatchObject({ pageInfo: { count: 0 }, content: { extra: 1 } });
    });

    it('send_task → content without taskId: ResponseValidationError', async () => {
      api().post(SEND).reply(200, { ...JSON.parse(SEND_OK), content: {} });
      const error = await rejection(make().submit({ analysisField: 'message' }));
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect((error as ResponseValidationError).issues[0]?.path).toEqual(['content', 'taskId']);
    });
  });
});

describe('the seed example (seeds/000, querytask.md)', () => {
  it('the fixture is the seed example, byte for byte', () => {
    if (!existsSync(SEED_FILE)) return; // the seeds live outside the repository
    const seed = readFileSync(SEED_FILE, 'utf8');
    const block = /## 响应\s*```shell\n([\s\S]*?)\n```/.exec(seed)?.[1];
    expect(block).toBe(SEED_RESPONSE);
  });

  it('parses verbatim into the typed result, every message JSON', async () => {
    api().get(QUERY).query({ taskId: 'task_xxxxxx' }).reply(200, SEED_RESPONSE, JSON_TYPE);
    const status = await make().getStatus('task_xxxxxx', { signal: new AbortController().signal });
    expect(status).toMatchObject({ provider: 'guance.logmine', taskId: 'task_xxxxxx', state: 'succeeded', providerState: 'ok', terminal: true });
    expect(status).not.toHaveProperty('message');
    expect(status.raw).toMatchObject({ traceId: '12356904931261224598', code: 200, success: true });
    const result = status.result!;
    expect(result.docCount).toBe(3);
    expect(result.clusters).toHaveLength(2);
    const parsed = result.clusters.map((c) => parseClusterMessage(c.message));
    expect(parsed[0]).toMatchObject({ kind: 'json', value: { caller: 'traceutil/trace.go:171', msg: 'trace[93927413] transaction', step_count: 2 } });
    expect(parsed[1]).toMatchObject({ kind: 'json', value: { msg: 'trace[1571945896] range', duration: '270.428986ms' } });
  });
});

describe('parseClusterMessage', () => {
  it.each<[string, ReturnType<typeof parseClusterMessage>]>([
    ['{"level":"info","n":1}', { kind: 'json', value: { level: 'info', n: 1 } }],
    ['  [1, "a"]', { kind: 'json', value: [1, 'a'] }],
    ['GET /healthz 200 3ms', { kind: 'text', value: 'GET /healthz 200 3ms' }],
    ['{read_only:false; revision:1}', { kind: 'text', value: '{read_only:false; revision:1}' }],
    ['404', { kind: 'text', value: '404' }],
    ['true', { kind: 'text', value: 'true' }],
    ['"quoted"', { kind: 'text', value: '"quoted"' }],
    ['', { kind: 'text', value: '' }],
  ])('%j', (message, expected) => {
    expect(parseClusterMessage(message)).toEqual(expected);
  });

  it('drops __proto__ keys of JSON messages', () => {
    const parsed = parseClusterMessage('{"__proto__":{"polluted":1},"a":1}');
    expect(parsed).toEqual({ kind: 'json', value: { a: 1 } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('the state mapping (DESIGN.md, guance column)', () => {
  const table: [word: string, state: TaskState][] = [
    ['ok', 'succeeded'],
    ['OK', 'succeeded'],
    ['queued', 'queued'],
    ['queueing', 'queued'],
    ['queuing', 'queued'],
    ['waiting', 'queued'],
    ['running', 'running'],
    ['Running', 'running'],
    ['pending', 'running'],
    ['processing', 'running'],
    ['in_progress', 'running'],
    ['in-progress', 'running'],
    ['In Progress', 'running'],
    ['started', 'running'],
    ['executing', 'running'],
    ['failed', 'failed'],
    ['FAILED', 'failed'],
    ['fail', 'failed'],
    ['failure', 'failed'],
    ['error', 'failed'],
    ['errored', 'failed'],
    ['timeout', 'failed'],
    ['timed_out', 'failed'],
    ['', 'unknown'],
    ['success', 'unknown'],
    ['done', 'unknown'],
    ['finished', 'unknown'],
    ['cancelled', 'unknown'],
    ['rebalancing', 'unknown'],
    ['okay', 'unknown'],
    ['0', 'unknown'],
  ];
  it.each(table)('%j → %s', (word, state) => {
    expect(guanceTaskState(word)).toBe(state);
  });

  it.each(table)('query_task taskStatus %j → state %s, providerState verbatim', async (word, state) => {
    const body = word.toLowerCase() === 'ok' ? { ...JSON.parse(SEED_RESPONSE), content: { ...JSON.parse(SEED_RESPONSE).content, taskStatus: word } } : statusBody(word);
    api().get(QUERY).query(true).reply(200, body);
    const status = await make().getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(status.state).toBe(state);
    expect(status.providerState).toBe(word);
    expect(status.terminal).toBe(state === 'succeeded' || state === 'failed');
    expect('result' in status).toBe(state === 'succeeded');
  });
});

describe('options are checked before any request', () => {
  let requests = 0;
  beforeEach(() => {
    requests = 0;
    const count = () => {
      requests += 1;
      return [200, SEND_OK] as const;
    };
    for (const base of [BASE, ...Object.values(GUANCE_SITES)]) {
      nock(base).persist().post(/.*/).reply(count).get(/.*/).reply(count);
    }
  });
  afterEach(() => {
    expect(requests).toBe(0);
  });

  const badFactoryOptions: [string, unknown, ErrorConstructor, RegExp][] = [
    ['no options', undefined, TypeError, /options must be an object/],
    ['apiKey missing', {}, TypeError, /apiKey must be a non-empty string, got undefined/],
    ['apiKey empty', { apiKey: '' }, TypeError, /apiKey must be a non-empty string/],
    ['apiKey a number', { apiKey: 42 }, TypeError, /apiKey must be a non-empty string, got 42/],
    ['apiKey with CRLF', { apiKey: `${API_KEY}\r\nX-Evil: 1` }, TypeError, /control characters/],
    ['apiKey with NUL', { apiKey: `${API_KEY}\u0000` }, TypeError, /control characters/],
    ['apiKey non-ASCII', { apiKey: `${API_KEY}é` }, TypeError, /printable ASCII/],
    ['apiKey padded', { apiKey: ` ${API_KEY} ` }, TypeError, /whitespace/],
    ['site and baseURL', { apiKey: API_KEY, site: 'cn1', baseURL: 'https://openapi.example.com' }, TypeError, /site or baseURL, not both/],
    ['unknown site', { apiKey: API_KEY, site: 'cn3' }, RangeError, /site must be one of cn1, cn2, cn4, cn5, cn6, us1, eu1, ap1, za1, id1/],
    ['site "toString"', { apiKey: API_KEY, site: 'toString' }, RangeError, /site must be one of/],
    ['site a number', { apiKey: API_KEY, site: 1 }, TypeError, /site must be a string/],
    ['baseURL not a URL', { apiKey: API_KEY, baseURL: 'openapi.guance.com' }, TypeError, /baseURL must be an absolute/],
    ['baseURL with credentials', { apiKey: API_KEY, baseURL: 'https://u:p@openapi.example.com' }, TypeError, /credentials/],
    ['unknown option', { apiKey: API_KEY, region: 'cn1' }, TypeError, /unknown option "region"/],
    ['requestTimeoutMs negative', { apiKey: API_KEY, requestTimeoutMs: -1 }, RangeError, /requestTimeoutMs/],
    ['pacing a string', { apiKey: API_KEY, pacing: 'fast' }, TypeError, /pacing must be false or an object/],
    ['pacing with a bad key', { apiKey: API_KEY, pacing: { perMinute: 20 } }, TypeError, /Unknown pacing option "perMinute"/],
    ['pacing zero', { apiKey: API_KEY, pacing: { requestsPerInterval: 0 } }, RangeError, /requestsPerInterval/],
    ['axios not an instance', { apiKey: API_KEY, axios: {} }, TypeError, /axios must be an axios instance/],
  ];
  it.each(badFactoryOptions)('guanceLogmine: %s', (_name, options, type, message) => {
    let error: unknown;
    try {
      guanceLogmine(options as GuanceLogmineOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expectNoKey(error);
  });

  const badInputs: [string, unknown, ErrorConstructor, RegExp][] = [
    ['no input', undefined, TypeError, /submit input must be an object/],
    ['analysisField missing', {}, TypeError, /analysisField must be a non-empty string/],
    ['analysisField blank', { analysisField: '  ' }, TypeError, /analysisField/],
    ['unknown field', { analysisField: 'message', filter: 'x' }, TypeError, /unknown submit input "filter"/],
    ['unknown namespace', { analysisField: 'message', namespace: 'logs' }, RangeError, /namespace must be one of object, object_history/],
    ['query empty', { analysisField: 'message', query: '' }, TypeError, /query must be a non-empty DQL string/],
    ['conditions a number', { analysisField: 'message', conditions: 1 }, TypeError, /conditions must be a string/],
    ['highlight a string', { analysisField: 'message', highlight: 'yes' }, TypeError, /highlight must be a boolean/],
    ['timeRange not a pair', { analysisField: 'message', timeRange: [1] }, TypeError, /timeRange must be a \[start, end\] pair/],
    ['timeRange three items', { analysisField: 'message', timeRange: [1, 2, 3] }, TypeError, /pair/],
    ['timeRange start after end', { analysisField: 'message', timeRange: [2000, 1000] }, RangeError, /start \(2000\) must not be after its end \(1000\)/],
    ['timeRange Dates reversed', { analysisField: 'message', timeRange: [new Date(2000), new Date(1000)] }, RangeError, /must not be after/],
    ['timeRange invalid Date', { analysisField: 'message', timeRange: [new Date('nope'), 1] }, RangeError, /timeRange\[0\] \(start\) is an invalid Date/],
    ['timeRange in seconds with a fraction', { analysisField: 'message', timeRange: [1.5, 2] }, RangeError, /whole number of epoch milliseconds/],
    ['timeRange negative', { analysisField: 'message', timeRange: [-1, 2] }, RangeError, /epoch milliseconds/],
    ['timeRange a string', { analysisField: 'message', timeRange: ['2023-05-08', 2] }, TypeError, /Date or epoch milliseconds/],
    ['timeRange NaN end', { analysisField: 'message', timeRange: [1, Number.NaN] }, TypeError, /timeRange\[1\] \(end\)/],
  ];
  it.each(badInputs)('submit: %s', async (_name, input, type, message) => {
    const error = await rejection(make().submit(input as never));
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('submit: a signal that is not an AbortSignal, or an unknown option', async () => {
    await expect(make().submit({ analysisField: 'message' }, { signal: {} as AbortSignal })).rejects.toThrow(TypeError);
    await expect(make().submit({ analysisField: 'message' }, { timeoutMs: 1 } as never)).rejects.toThrow(/unknown submit option "timeoutMs"/);
  });

  it.each<[string, unknown]>([
    ['an empty task id', ''],
    ['a task id with a newline', 'task\nid'],
    ['a number', 42.5],
    ['".."', '..'],
  ])('waitForTask / pollTask with %s: TypeError', async (_name, ref) => {
    await expect(waitForTask(make(), ref as string)).rejects.toThrow(TypeError);
    expect(() => pollTask(make(), ref as string)).toThrow(TypeError);
  });
});

describe('sites and base URLs', () => {
  it.each(Object.entries(GUANCE_SITES))('site %s → %s', async (site, url) => {
    const scope = api(url).get(QUERY).query({ taskId: TASK_ID }).reply(200, RUNNING, JSON_TYPE);
    await make({ site: site as keyof typeof GUANCE_SITES }).getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(scope.isDone()).toBe(true);
  });

  it('no site: cn1 (https://openapi.guance.com)', async () => {
    const scope = api().get(QUERY).query(true).reply(200, RUNNING, JSON_TYPE);
    await make().getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(scope.isDone()).toBe(true);
  });

  it('a private deployment baseURL keeps its path prefix; the task id is query-encoded', async () => {
    const scope = api('https://guance.corp.example')
      .get(`/openapi${QUERY}`)
      .query({ taskId: 'a&b=c d' })
      .reply(200, RUNNING, JSON_TYPE);
    await make({ baseURL: 'https://guance.corp.example/openapi/' }).getStatus('a&b=c d', { signal: new AbortController().signal });
    expect(scope.isDone()).toBe(true);
  });
});

describe('submit', () => {
  it('sends only the given fields, analysisField last; a 500 is not retried', async () => {
    let body: unknown;
    let requests = 0;
    api()
      .post(SEND)
      .times(3)
      .reply((_uri, sent) => {
        requests += 1;
        body = sent;
        return [500, errorBody(500, 'ft.InternalError')];
      });
    const error = await rejection(make().submit({ analysisField: 'message', query: 'L::`*`:(`__docid`, `message`){}' }));
    expect(body).toEqual({ query: 'L::`*`:(`__docid`, `message`){}', analysisField: 'message' });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'ft.InternalError', transient: true, httpStatus: 500 });
    expect(requests).toBe(1);
  });

  it('a 403 ft.InvalidAPIKey: AuthenticationError', async () => {
    api().post(SEND).reply(403, errorBody(403, 'ft.InvalidAPIKey'));
    await expect(make().submit({ analysisField: 'message' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('an aborted signal stops it before the request', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(make().submit({ analysisField: 'message' }, { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('the api key never leaks', () => {
  it('not in errors of options, envelopes, validation, auth, rate limits or the network', async () => {
    const errors: unknown[] = [];
    for (const apiKey of [`${API_KEY}\n`, `${API_KEY}é`, ` ${API_KEY}`]) {
      try {
        guanceLogmine({ apiKey });
      } catch (error) {
        errors.push(error);
      }
    }
    try {
      guanceLogmine({ apiKey: API_KEY, site: API_KEY as never });
    } catch (error) {
      errors.push(error);
    }
    // A provider that echoes the key in its message text.
    const echo = `invalid key ${API_KEY}`;
    api()
      .get(QUERY)
      .query(true)
      .reply(403, errorBody(403, 'ft.InvalidAPIKey', echo))
      .get(QUERY)
      .query(true)
      .reply(200, errorBody(400, 'ft.Bad', echo))
      .get(QUERY)
      .query(true)
      .reply(401, errorBody(401, 'ft.TriggerApiAkCurrentLimiting', echo))
      .get(QUERY)
      .query(true)
      .reply(200, { ...statusBody('failed'), message: echo })
      .get(QUERY)
      .query(true)
      .reply(200, { nope: API_KEY })
      .get(QUERY)
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    // A fresh adapter each time: the rate-limit answer pauses the adapter that received it.
    for (let i = 0; i < 6; i += 1) errors.push(await rejection(waitForTask(make(), TASK_ID, { ...FAST, retry: false })));
    expect(errors).toHaveLength(10);
    expect((errors[7] as TaskFailedError).status.message).toContain('[redacted]');
    for (const error of errors) expectNoKey(error);
  });
});

describe('pacing (20 requests a minute per API key, api-limit.md)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });

  /** query_task answers `count` polls (the first `running` ones with RUNNING, then the seed); returns their start times. */
  function recordPolls(count: number, running = count): number[] {
    const times: number[] = [];
    api()
      .get(QUERY)
      .query(true)
      .times(count)
      .reply(() => {
        times.push(Date.now());
        return [200, times.length > running ? SEED_RESPONSE : RUNNING, JSON_TYPE];
      });
    return times;
  }

  /** `count` getStatus calls at once on one adapter, each with its own signal. */
  const concurrently = (logmine: GuanceLogmine, count: number) =>
    clock.settle(Promise.all(Array.from({ length: count }, (_, i) => logmine.getStatus(`task-${i}`, { signal: new AbortController().signal }))));

  /** True when no window of `windowMs` holds more than `limit` of `times`. */
  const withinBudget = (times: number[], limit: number, windowMs: number): boolean =>
    [...times].sort((a, b) => a - b).every((t, i, sorted) => i + limit >= sorted.length || sorted[i + limit]! - t >= windowMs);

  it('25 concurrent getStatus calls on one adapter: never more than 20 starts in any 60 s window', async () => {
    const times = recordPolls(25);
    // A request time limit above the pacing wait: the client's limit also runs while a request waits for its slot.
    const statuses = await concurrently(make({ requestTimeoutMs: 120_000, axios: clock.axios() }), 25);
    expect(statuses.every((s) => s.state === 'running')).toBe(true);
    expect(times).toHaveLength(25);
    expect(withinBudget(times, 20, 60_000)).toBe(true);
    const start = times[0]!;
    expect(times.filter((t) => t - start < 60_000)).toHaveLength(20);
    // The 21st waits out the default window with its arrival-skew margin.
    expect(Math.min(...times.slice(20)) - start).toBeGreaterThanOrEqual(GUANCE_DEFAULT_PACING.intervalMs);
  });

  it('waits share the budget: two waits on one adapter stay within it', async () => {
    const times = recordPolls(61, 60);
    const logmine = make({ requestTimeoutMs: 120_000, axios: clock.axios() });
    const options = { initialDelayMs: 100, maxDelayMs: 100, requestTimeoutMs: 120_000, timeoutMs: 3_600_000 };
    await clock.settle(Promise.allSettled([waitForTask(logmine, 'a', options), waitForTask(logmine, 'b', options)]));
    expect(times.length).toBeGreaterThanOrEqual(60);
    expect(withinBudget(times, 20, 60_000)).toBe(true);
  });

  it('pacing keys merge over the default: { requestsPerInterval: 2 } keeps the 62 s window', async () => {
    const times = recordPolls(3);
    await concurrently(make({ pacing: { requestsPerInterval: 2 }, requestTimeoutMs: 120_000, axios: clock.axios() }), 3);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(62_000);
  });

  it('pacing: false turns it off', async () => {
    const times = recordPolls(25);
    await concurrently(make({ pacing: false, axios: clock.axios() }), 25);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(1000);
  });
});
