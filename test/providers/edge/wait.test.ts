import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import { edgeLogDump, EDGE_DEFAULTS, type EdgeLogDump, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import {
  AuthenticationError,
  HttpError,
  ProviderError,
  ResponseValidationError,
  TaskFailedError,
  TaskNotFoundError,
  waitForTask,
  type TaskStatus,
} from '../../../src/index.js';
import { useNockHarness } from '../../helpers/nock-harness.js';

const BASE = 'https://mef.test:30035';
const TASK_PATH = '/edgemanager/v1/logmgmt/dump/task';
const ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
const SEED_ID = 'dumpMultiNodesLog.eca14a007f930e5689652a30';
const CREATED = '2023-08-23T17:06:56.28075167Z';

const fixtureText = (name: string): string => readFileSync(new URL(`../../fixtures/edge/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): Record<string, unknown> => JSON.parse(fixtureText(name)) as Record<string, unknown>;

/** A query answer for task {@link ID} in MEF's envelope. */
const task = (status: string, extra: Record<string, unknown> = {}) => ({
  status: '00000000',
  msg: 'success',
  data: { taskId: ID, status, progress: 0, reason: '', createdAt: CREATED, startedAt: null, finishedAt: null, data: null, ...extra },
});
const envelopeError = (code: string, msg: string) => ({ status: code, msg, data: null });
const query = (id = ID) => nock(BASE).get(TASK_PATH).query({ taskId: id });

const harness = useNockHarness(new Date('2026-01-01T00:00:00Z'));
function make(options: Partial<EdgeLogDumpOptions> = {}): EdgeLogDump {
  const edge = edgeLogDump({ baseURL: BASE, ...options });
  harness.track(edge);
  return edge;
}

const realSetTimeout = globalThis.setTimeout; // captured before any test fakes it

/** Settles `promise` under fake timers: lets real I/O (nock) run, then moves the fake clock on. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  let done = false;
  void outcome.then(() => {
    done = true;
  });
  for (let turn = 0; turn < 2000 && !done; turn += 1) {
    // A real millisecond per turn lets nock's answers land before fake time moves on (under load,
    // moving fake time by turns alone could outrun an answer and fire the request's time limit).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => realSetTimeout(resolve, 1));
    if (!done) await vi.advanceTimersByTimeAsync(25);
  }
  if (!done) throw new Error('settle: the promise did not settle');
  return outcome;
}

const signal = () => new AbortController().signal;



describe('edgeLogDump options', () => {
  it('makes an adapter named edge.logDump with no cancel (MEF has no cancel call)', () => {
    const edge = make();
    expect(edge.provider).toBe('edge.logDump');
    expect(edge.cancel).toBeUndefined();
    expect(typeof edge.submit).toBe('function');
    expect(typeof edge.download).toBe('function');
    expect(EDGE_DEFAULTS.pacing).toEqual({ maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 100 });
    expect(EDGE_DEFAULTS.downloadTimeoutMs).toBe(2 * 60 * 60 * 1000);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'https://mef.test', /options must be an object/],
    ['an unknown option', { baseURL: BASE, rejectUnauthorized: false }, /unknown option "rejectUnauthorized"/],
    ['no baseURL', {}, /baseURL must be a URL string/],
    ['a baseURL with a query', { baseURL: `${BASE}/?x=1` }, /must not have a query/],
    ['tls and httpsAgent together', { baseURL: BASE, tls: {}, httpsAgent: new HttpsAgent() }, /either tls or httpsAgent/],
    ['tls with an http baseURL', { baseURL: 'http://mef.test', tls: {} }, /baseURL must use https when tls is given/],
    ['httpsAgent with an http baseURL', { baseURL: 'http://mef.test', httpsAgent: new HttpsAgent() }, /must use https when httpsAgent/],
    ['an httpsAgent that is not one', { baseURL: BASE, httpsAgent: {} }, /httpsAgent must be an https.Agent/],
    [
      'an httpsAgent that does not verify the server',
      { baseURL: BASE, httpsAgent: new HttpsAgent({ rejectUnauthorized: false }) },
      /rejectUnauthorized: false; the MEF server certificate is always verified/,
    ],
    ['tls that is not an object', { baseURL: BASE, tls: 'pem' }, /tls must be an object/],
    ['tls.rejectUnauthorized', { baseURL: BASE, tls: { rejectUnauthorized: false } }, /unknown tls option "rejectUnauthorized": the server certificate is always verified/],
    ['a bad downloadTimeoutMs', { baseURL: BASE, downloadTimeoutMs: 0 }, /downloadTimeoutMs must be from 1/],
    ['a bad maxDownloadBytes', { baseURL: BASE, maxDownloadBytes: -1 }, /maxDownloadBytes must be from 1/],
    ['a bad requestTimeoutMs', { baseURL: BASE, requestTimeoutMs: 'soon' }, /requestTimeoutMs must be a number/],
    ['bad pacing', { baseURL: BASE, pacing: { maxConcurrency: 0 } }, /pacing.maxConcurrency/],
  ])('rejects %s with a TypeError or RangeError', (_name, options, message) => {
    let thrown: unknown;
    try {
      edgeLogDump(options as EdgeLogDumpOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });

  it('accepts an http baseURL without tls (plain text: simulator or TLS-terminating sidecar), and pacing: false', async () => {
    const edge = make({ baseURL: 'http://127.0.0.1:9', pacing: false, maxDownloadBytes: Number.POSITIVE_INFINITY });
    const scope = nock('http://127.0.0.1:9').get(TASK_PATH).query({ taskId: ID }).reply(200, task('processing'));
    const { value } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(value?.state).toBe('running');
    scope.done();
  });
});

describe('input checks before any request', () => {
  const badIds: [string, unknown][] = [
    ['another prefix', 'dumpOneNodeLog.abc'],
    ['nothing after the prefix', 'dumpMultiNodesLog'],
    ['129 characters after the prefix', `dumpMultiNodesLog${'a'.repeat(129)}`],
    ['a slash', 'dumpMultiNodesLog.a/../b'],
    ['a space', 'dumpMultiNodesLog.a b'],
    ['a query character', 'dumpMultiNodesLog.a&taskId=x'],
    ['a newline', 'dumpMultiNodesLog.a\n'],
    ['lower-case prefix', 'dumpmultinodeslog.abc'],
    ['a number', 42],
    ['undefined', undefined],
  ];

  it.each(badIds)('task id with %s → TypeError from taskId, getStatus, waitForTask and download', async (_name, id) => {
    const edge = make();
    const scope = nock(BASE).get(/.*/).reply(500);
    expect(() => edge.taskId(id as string)).toThrow(TypeError);
    expect(() => edge.taskId(id as string)).toThrow(/must (match|be a string)/);
    await expect(edge.getStatus(id as string, { signal: signal() })).rejects.toThrow(TypeError);
    await expect(waitForTask(edge, id as string)).rejects.toThrow(TypeError);
    await expect(edge.download(id as string, new (await import('node:stream')).PassThrough())).rejects.toThrow(TypeError);
    expect(scope.isDone()).toBe(false);
  });

  it('accepts the longest valid id (128 characters after the prefix) and the documented example', () => {
    const edge = make();
    const longest = `dumpMultiNodesLog.${'a'.repeat(127)}`;
    expect(edge.taskId(longest)).toBe(longest);
    expect(edge.taskId(SEED_ID)).toBe(SEED_ID);
    expect(edge.taskId('dumpMultiNodesLog-_.Z9')).toBe('dumpMultiNodesLog-_.Z9');
  });

  it.each<[string, unknown, ErrorConstructor, RegExp]>([
    ['no input', undefined, TypeError, /submit needs an object/],
    ['an array', [2], TypeError, /submit needs an object/],
    ['an unknown field', { edgeNodes: [2], module: 'other' }, TypeError, /unknown submit field "module"/],
    ['no edgeNodes', {}, TypeError, /edgeNodes must be an array/],
    ['no nodes', { edgeNodes: [] }, RangeError, /1 to 100 node ids, got 0/],
    ['101 nodes', { edgeNodes: Array.from({ length: 101 }, (_, i) => i + 1) }, RangeError, /got 101/],
    ['node 0', { edgeNodes: [0] }, RangeError, /edgeNodes\[0\] must be from 1 to 4294967295, got 0/],
    ['a negative node', { edgeNodes: [1, -3] }, RangeError, /edgeNodes\[1\]/],
    ['node 2^32', { edgeNodes: [2 ** 32] }, RangeError, /got 4294967296/],
    ['a fraction', { edgeNodes: [1.5] }, TypeError, /whole number/],
    ['NaN', { edgeNodes: [Number.NaN] }, TypeError, /whole number/],
    ['a string', { edgeNodes: ['3'] }, TypeError, /whole number, got a string of length 1/],
    ['a duplicate', { edgeNodes: [2, 3, 2] }, TypeError, /unique; 2 appears more than once/],
  ])('submit with %s → %o before any request', async (_name, input, type, message) => {
    const edge = make();
    const scope = nock(BASE).post(/.*/).reply(500);
    const error = await edge.submit(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(scope.isDone()).toBe(false);
  });

  it('submit with a bad signal or an unknown option → TypeError', async () => {
    const edge = make();
    await expect(edge.submit({ edgeNodes: [2] }, { signal: 'stop' as never })).rejects.toThrow(/signal must be an AbortSignal/);
    await expect(edge.submit({ edgeNodes: [2] }, { timeoutMs: 5 } as never)).rejects.toThrow(/unknown submit option "timeoutMs"/);
  });
});

describe('submit', () => {
  it('POST {module: "edgeNode", edgeNodes} → the task id', async () => {
    const edge = make();
    let sent: unknown;
    const scope = nock(BASE)
      .post(TASK_PATH, (body: unknown) => {
        sent = body;
        return true;
      })
      .matchHeader('content-type', 'application/json')
      .reply(200, fixtureText('submit-ok.json'), { 'content-type': 'application/json' });
    const { value } = await settle(edge.submit({ edgeNodes: [2, 4294967295] }));
    expect(value).toBe(ID);
    expect(sent).toEqual({ module: 'edgeNode', edgeNodes: [2, 4294967295] });
    scope.done();
  });

  it('accepts 100 nodes', async () => {
    const edge = make();
    const nodes = Array.from({ length: 100 }, (_, i) => i + 1);
    const scope = nock(BASE).post(TASK_PATH, { module: 'edgeNode', edgeNodes: nodes }).reply(200, fixture('submit-ok.json'));
    expect((await settle(edge.submit({ edgeNodes: nodes }))).value).toBe(ID);
    scope.done();
  });

  it.each([
    ['40051002', 'node (7) not found'],
    ['40052002', 'count task failed or has reached maximum number'],
    ['40052001', 'log dump is busy'],
    ['00001006', 'check request failed, edgeNodes invalid'],
  ])('HTTP 400 with %s → ProviderError carrying the code (never TaskNotFoundError), not retried', async (code, msg) => {
    const edge = make();
    const scope = nock(BASE).post(TASK_PATH).reply(400, envelopeError(code, msg));
    const { error } = await settle(edge.submit({ edgeNodes: [7] }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: code, httpStatus: 400, transient: false, provider: 'edge.logDump' });
    expect((error as Error).message).toBe(`edge.logDump: POST ${TASK_PATH} answered HTTP 400, code ${code}: ${msg}`);
    scope.done();
  });

  it('HTTP 429 → a transient HttpError with Retry-After, not retried by submit itself', async () => {
    const edge = make();
    const scope = nock(BASE).post(TASK_PATH).reply(429, '<html>429 Too Many Requests</html>', { 'retry-after': '1' });
    const { error } = await settle(edge.submit({ edgeNodes: [2] }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 429, transient: true, retryAfterMs: 1000 });
    scope.done();
  });

  it('an answer without a valid task id → ResponseValidationError', async () => {
    const edge = make();
    const scope = nock(BASE).post(TASK_PATH).reply(200, { status: '00000000', msg: 'success', data: { taskId: 'job-1' } });
    const { error } = await settle(edge.submit({ edgeNodes: [2] }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['data', 'taskId']);
    scope.done();
  });

  it('an aborted signal rejects with its reason and sends nothing', async () => {
    const edge = make();
    const scope = nock(BASE).post(TASK_PATH).reply(200, fixture('submit-ok.json'));
    const reason = new Error('stop');
    await expect(edge.submit({ edgeNodes: [2] }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(scope.isDone()).toBe(false);
  });
});

describe('status', () => {
  it("parses the seed's example response verbatim (mefapiref_0043)", async () => {
    const edge = make();
    const scope = query(SEED_ID).reply(200, fixtureText('seed-query-succeed.json'), { 'content-type': 'application/json' });
    const { value: status } = await settle(edge.getStatus(SEED_ID, { signal: signal() }));
    expect(status).toEqual({
      provider: 'edge.logDump',
      taskId: SEED_ID,
      state: 'succeeded',
      terminal: true,
      providerState: 'succeed',
      progress: 100,
      message: 'task succeeded',
      createdAt: new Date('2023-08-23T17:06:56.280Z'),
      startedAt: new Date('2023-08-23T17:06:56.280Z'),
      finishedAt: new Date('2023-08-23T17:07:05.677Z'),
      result: { fileName: 'edgeNodes.tar.gz' },
      raw: fixture('seed-query-succeed.json'),
    });
    scope.done();
  });

  it.each([
    ['waiting', 'queued', false],
    ['processing', 'running', false],
    ['aborting', 'cancelling', false],
    ['succeed', 'succeeded', true],
    ['partiallyFailed', 'partial', true],
    ['failed', 'failed', true],
    ['paused', 'unknown', false],
    ['SUCCEED', 'unknown', false],
    ['succeeded', 'unknown', false],
  ] as const)('state table: data.status %s → %s (terminal %s), the word kept verbatim', async (word, state, terminal) => {
    const edge = make();
    const scope = query().reply(200, task(word, { data: { fileName: 'edgeNodes.tar.gz' } }));
    const { value: status } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(status).toMatchObject({ state, terminal, providerState: word });
    expect('result' in (status as object)).toBe(state === 'succeeded' || state === 'partial');
    scope.done();
  });

  it('null times are left out; an empty reason is no message; progress is kept', async () => {
    const edge = make();
    const scope = query().reply(200, fixture('query-waiting.json'));
    const { value: status } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(status).toMatchObject({ state: 'queued', providerState: 'waiting', progress: 0, createdAt: new Date(CREATED) });
    for (const key of ['startedAt', 'finishedAt', 'message', 'result'] as const) expect(status).not.toHaveProperty(key);
    scope.done();
  });

  it('a succeed answer without data.data names the fixed archive', async () => {
    const edge = make();
    const scope = query().reply(200, task('succeed', { progress: 100, data: null }));
    expect((await settle(edge.getStatus(ID, { signal: signal() }))).value?.result).toEqual({ fileName: 'edgeNodes.tar.gz' });
    scope.done();
  });

  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['progress over 100', { progress: 101 }, ['data', 'progress']],
    ['progress as text', { progress: '50' }, ['data', 'progress']],
    ['a time without an offset', { startedAt: '2023-08-23 17:06:56' }, ['data', 'startedAt']],
    ['a status that is not a string', { status: 3 }, ['data', 'status']],
    ['a fileName that is not a string', { data: { fileName: 7 } }, ['data', 'data', 'fileName']],
  ])('a body with %s → ResponseValidationError naming the field', async (_name, extra, path) => {
    const edge = make();
    const scope = query().reply(200, task('processing', extra));
    const { error } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(path);
    scope.done();
  });

  it('an answer about another task → ResponseValidationError', async () => {
    const edge = make();
    const scope = query().reply(200, task('processing', { taskId: SEED_ID }));
    const { error } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['data', 'taskId']);
    scope.done();
  });

  it('a 2xx answer whose envelope carries an error code → ProviderError', async () => {
    const edge = make();
    const scope = query().reply(200, envelopeError('00001002', 'get result failed'));
    const { error } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '00001002', httpStatus: 200, taskId: ID });
    scope.done();
  });
});

describe('edge.logDump conversations', () => {
  it('submit → waiting → processing(25) → processing(50) → succeed: typed result via waitForTask', async () => {
    const edge = make();
    const scope = nock(BASE)
      .post(TASK_PATH, { module: 'edgeNode', edgeNodes: [2, 3] })
      .reply(200, fixture('submit-ok.json'))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, fixture('query-waiting.json'))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('processing', { progress: 25, reason: 'receiving (1/2) files', startedAt: CREATED }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('processing', { progress: 50, reason: 'start to create tar gz', startedAt: CREATED }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('succeed', { progress: 100, reason: 'task succeeded', startedAt: CREATED, finishedAt: CREATED, data: { fileName: 'edgeNodes.tar.gz' } }));

    const { value: taskId } = await settle(edge.submit({ edgeNodes: [2, 3] }));
    const seen: [string, number | undefined, string | undefined][] = [];
    const { value: done } = await settle(
      waitForTask(edge, taskId as string, {
        onProgress: (status) => {
          seen.push([status.state, status.progress, status.message]);
        },
      }),
    );
    expect(seen).toEqual([
      ['queued', 0, undefined],
      ['running', 25, 'receiving (1/2) files'],
      ['running', 50, 'start to create tar gz'],
      ['succeeded', 100, 'task succeeded'],
    ]);
    expect(done?.state).toBe('succeeded');
    const fileName: string | undefined = done?.result?.fileName;
    expect(fileName).toBe('edgeNodes.tar.gz');
    scope.done();
  });

  it('processing → failed: TaskFailedError with the reason and the last status', async () => {
    const edge = make();
    const reason = 'failed to dump log for following nodes:(2)timeout;(3)timeout;';
    const scope = query().reply(200, task('processing', { progress: 10 })).get(TASK_PATH).query({ taskId: ID }).reply(200, task('failed', { progress: 10, reason }));
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status as TaskStatus;
    expect(status).toMatchObject({ state: 'failed', providerState: 'failed', message: reason });
    expect(status).not.toHaveProperty('result');
    expect((error as Error).message).toBe(`Task ${ID} ended failed (failed): ${reason}`);
    scope.done();
  });

  it('processing → partiallyFailed: rejected by default (TaskFailedError, state partial)', async () => {
    const edge = make();
    const scope = query().reply(200, task('processing', { progress: 40 })).get(TASK_PATH).query({ taskId: ID }).reply(200, fixture('query-partially-failed.json'));
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({
      state: 'partial',
      providerState: 'partiallyFailed',
      progress: 50,
      message: 'failed to dump log for following nodes:(3)node is offline;',
      result: { fileName: 'edgeNodes.tar.gz' },
    });
    scope.done();
  });

  it('processing → partiallyFailed: accepted with acceptPartial, result included', async () => {
    const edge = make();
    const scope = query().reply(200, task('processing')).get(TASK_PATH).query({ taskId: ID }).reply(200, fixture('query-partially-failed.json'));
    const { value: done } = await settle(waitForTask(edge, ID, { acceptPartial: true }));
    expect(done).toMatchObject({ state: 'partial', terminal: true, result: { fileName: 'edgeNodes.tar.gz' } });
    scope.done();
  });

  it('processing → aborting → failed (task timeout): cancelling is not terminal, the wait ends failed', async () => {
    const edge = make();
    const scope = query()
      .reply(200, task('processing', { progress: 20 }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('aborting', { progress: 20, reason: 'task execute timeout' }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('failed', { progress: 20, reason: 'task execute timeout' }));
    const states: string[] = [];
    const { error } = await settle(
      waitForTask(edge, ID, {
        onProgress: (status) => {
          states.push(`${status.state}/${status.providerState}/${String(status.terminal)}`);
        },
      }),
    );
    expect(states).toEqual(['running/processing/false', 'cancelling/aborting/false', 'failed/failed/true']);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status.message).toBe('task execute timeout');
    scope.done();
  });

  it('unknown task: HTTP 400 40052002 "failed to find task" → TaskNotFoundError at once, one request', async () => {
    const edge = make();
    const scope = query().reply(400, fixture('query-not-found.json'));
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ taskId: ID, provider: 'edge.logDump', transient: false });
    expect((error as Error).message).toBe(
      `edge.logDump: GET ${TASK_PATH} answered HTTP 400, code 40052002: failed to find task; task ${ID} was not found`,
    );
    scope.done();
  });

  it('40052002 with another message on the query → ProviderError (not guessed as not-found)', async () => {
    const edge = make();
    const scope = query().reply(400, envelopeError('40052002', 'database is locked'));
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '40052002', httpStatus: 400 });
    scope.done();
  });

  it('00001006 "invalid task Id" on the query (the TypeError should have prevented it) → ProviderError', async () => {
    const edge = make();
    const scope = query().reply(400, envelopeError('00001006', 'invalid task Id'));
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '00001006', httpStatus: 400, transient: false });
    scope.done();
  });

  it('429 with Retry-After: 2 → waits at least 2 s → processing → succeed', async () => {
    const edge = make();
    const at: number[] = [];
    const stamp = (body: Record<string, unknown>) => () => {
      at.push(Date.now());
      return body;
    };
    const scope = query()
      .reply(429, () => {
        at.push(Date.now());
        return '<html><center><h1>429 Too Many Requests</h1></center></html>';
      }, { 'retry-after': '2', 'content-type': 'text/html' })
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, stamp(task('processing', { progress: 30 })))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, stamp(task('succeed', { progress: 100, data: { fileName: 'edgeNodes.tar.gz' } })));
    const { value: done } = await settle(waitForTask(edge, ID));
    expect(done?.result).toEqual({ fileName: 'edgeNodes.tar.gz' });
    expect(at).toHaveLength(3);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(2000);
    scope.done();
  });

  it('503 → 502 → succeed: server errors are retried', async () => {
    const edge = make();
    const scope = query()
      .reply(503, 'Service Unavailable')
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(502, '<html>502 Bad Gateway</html>')
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('succeed', { progress: 100 }));
    const { value: done } = await settle(waitForTask(edge, ID));
    expect(done?.state).toBe('succeeded');
    scope.done();
  });

  it('5xx past the retry budget → HttpError, transient', async () => {
    const edge = make();
    const scope = query().times(3).reply(503, 'Service Unavailable');
    const { error } = await settle(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 503, transient: true });
    scope.done();
  });

  it('malformed JSON on 200 → retried (transient), then ResponseValidationError', async () => {
    const edge = make();
    const scope = query().times(3).reply(200, '{"status":"00000000","msg":"success","data":{', { 'content-type': 'application/json' });
    const { error } = await settle(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ transient: true });
    scope.done();
  });

  it('an HTML page on 200 → retried (transient), then ResponseValidationError (body is not JSON)', async () => {
    const edge = make();
    const scope = query().times(3).reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
    const { error } = await settle(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toMatch(/not JSON/);
    scope.done();
  });

  it('an envelope without data → ResponseValidationError', async () => {
    const edge = make();
    const scope = query().reply(200, { status: '00000000', msg: 'success' });
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['data']);
    scope.done();
  });

  it("nginx's 400 page for a missing client certificate → AuthenticationError, not retried", async () => {
    const edge = make();
    const page =
      '<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    const scope = query().reply(400, page, { 'content-type': 'text/html' });
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ httpStatus: 400, transient: false });
    expect((error as Error).message).toMatch(/did not accept the TLS client certificate/);
    scope.done();
  });

  it("nginx's 400 page for plain HTTP on the HTTPS port → HttpError that says so", async () => {
    const edge = make({ baseURL: 'http://mef.test:30035' });
    const page = '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>';
    const scope = nock('http://mef.test:30035').get(TASK_PATH).query({ taskId: ID }).reply(400, page, { 'content-type': 'text/html' });
    const { error } = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toMatch(/speaks https, but baseURL uses http/);
    scope.done();
  });

  it('401 from the gateway → AuthenticationError', async () => {
    const edge = make();
    const scope = query().reply(401, '');
    const { error } = await settle(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(AuthenticationError);
    scope.done();
  });
});
