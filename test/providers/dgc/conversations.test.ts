import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ProviderError,
  ResponseValidationError,
  TaskFailedError,
  TaskNotFoundError,
  pollTask,
  waitForTask,
  type TaskStatus,
} from '../../../src/index.js';
import {
  DGC_REGIONS,
  dgcSystemTasks,
  dgcTaskState,
  type DgcSystemTasks,
  type DgcSystemTasksOptions,
  type DgcTaskResult,
} from '../../../src/providers/dgc/index.js';
import { nockClock } from '../../helpers/nock-clock.js';
import { parseAuthorization, referenceSign } from './reference-signature.js';
import { useNockHarness } from '../../helpers/nock-harness.js';

const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const HOST = 'https://dayu-dlf.cn-north-4.myhuaweicloud.com';
const TASK = '008aae2e675d3bcb01675d3c66f20000';
const STATUS_PATH = `/v1/${PROJECT}/system-tasks/${TASK}`;
const TOKEN = 'MIIEXAMPLE-iam-token_value.with.dots';
const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'Secret/Key+Example=0123456789abcdefABCD';
const SECURITY_TOKEN = 'gQpjbi1ub3J0aC00temporary';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/dgc/${name}`, import.meta.url), 'utf8');

const clock = nockClock();
const { settle, failure } = clock;

/** An adapter on the counting transport, unpaced; `undefined` in `options` removes a default. */
function make(options: { [K in keyof DgcSystemTasksOptions]?: DgcSystemTasksOptions[K] | undefined } = {}): DgcSystemTasks {
  const dgc = dgcSystemTasks({
    region: 'cn-north-4',
    projectId: PROJECT,
    auth: { token: TOKEN },
    pacing: false,
    axios: clock.axios(),
    ...options,
  } as DgcSystemTasksOptions);
  harness.track(dgc);
  return dgc;
}

const api = () => nock(HOST);
const running = (subtasks: unknown[] = []) => ({ id: TASK, name: 'Import', status: 'RUNNING', startTime: 1543457499000, lastUpdate: 1543457500000, subtasks });
const successful = { id: TASK, name: 'Import', status: 'SUCCESSFUL', startTime: 1543457499000, endTime: 1543457514000, lastUpdate: 1543457514000, subtasks: [] };
const fastRetry = { retry: { minDelayMs: 100, maxDelayMs: 100 }, initialDelayMs: 1000, jitter: 0 } as const;

/**
 * A stand-in for the API Gateway's AK/SK check, for nock reply functions: it recomputes the signature
 * of what arrived with the independent reference (reference-signature.ts) and
 * answers `APIG.0303` unless it matches. nock hands the reply function a JSON body already parsed;
 * `JSON.stringify` gives back the exact bytes sent, because the adapter serializes with it too.
 */
function apigGateway(secretKey: string) {
  const verified: { signedHeaders: string[]; sdkDate: string }[] = [];
  const answer =
    (body: unknown) =>
    function (this: { req: { method: string; headers: Record<string, string> } }, uri: string, received: unknown): [number, unknown] {
      const { headers, method } = this.req;
      const auth = parseAuthorization(headers['authorization']);
      const sdkDate = headers['x-sdk-date'] ?? '';
      const [path = '', search = ''] = uri.split('?');
      const raw = typeof received === 'string' ? received : JSON.stringify(received);
      const expected =
        auth &&
        referenceSign({
          method,
          pathSegments: path.split('/').map(decodeURIComponent),
          query: [...new URLSearchParams(search)],
          headers: auth.signedHeaders.map((name): [string, string] => [name, headers[name] ?? '']),
          body: raw,
          sdkDate,
          secretKey,
        });
      const signsWhatMatters = auth !== undefined && ['host', 'x-sdk-date'].every((name) => auth.signedHeaders.includes(name));
      if (!auth || auth.access !== AK || !signsWhatMatters || expected?.signature !== auth.signature) {
        return [401, { error_code: 'APIG.0303', error_msg: 'Incorrect app authentication information: signature mismatch' }];
      }
      verified.push({ signedHeaders: auth.signedHeaders, sdkDate });
      return [200, body];
    };
  return { verified, answer };
}

const harness = useNockHarness(Date.UTC(2026, 0, 2, 3, 4, 5), () => clock.reset());

describe('dgc.systemTask: conversations', () => {
  it('importJobs → RUNNING → SUCCESSFUL: typed subtasks, end to end via waitForTask', async () => {
    const dgc = make();
    const importBody = {
      path: 'obs://aaaaa/job_batch.zip',
      params: { region: 'cn' },
      sameNamePolicy: 'OVERWRITE',
      jobsParam: [{ name: 'job_batch', params: { streamName: 'dis-AHTr' } }],
      executeUser: 'etl',
      targetStatus: 'SUBMITTED',
      approvers: [{ approverName: 'userName1' }],
    } as const;
    let sent: unknown;
    const scope = api()
      .post(`/v1/${PROJECT}/jobs/import`, (body) => ((sent = body), true))
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(200, running([{ id: 's1', name: 'Import job [job_batch].', status: 'RUNNING', lastUpdate: 1543457500000, taskId: TASK }]))
      .get(STATUS_PATH)
      // The Go SDK's spelling (subTasks) and its string-typed times.
      .reply(200, {
        id: TASK,
        name: 'Import the job from obs://aaaaa/job_batch.zip.',
        status: 'SUCCESSFUL',
        startTime: '1543457499000',
        endTime: '1543457514000',
        lastUpdate: '1543457514000',
        projectId: PROJECT,
        subTasks: [
          { id: 's1', name: 'Import job [job_batch].', status: 'SUCCESSFUL', startTime: '1543457500000', endTime: '1543457513000', lastUpdate: '1543457513000' },
          { id: 's2', name: 'Import job [job_stream].', status: 'SUCCESSFUL', lastUpdate: 1543457513000, message: 'ok' },
        ],
      });

    const taskId = await settle(dgc.importJobs({ ...importBody, jobsParam: [...importBody.jobsParam], approvers: [...importBody.approvers] }));
    expect(taskId).toBe(TASK);
    expect(sent).toEqual(importBody);
    const seen: TaskStatus<DgcTaskResult>[] = [];
    const done = await settle(waitForTask(dgc, taskId, { onProgress: (s) => void seen.push(s) }));

    expect(seen.map((s) => [s.state, s.providerState, s.progress])).toEqual([
      ['running', 'RUNNING', undefined],
      ['succeeded', 'SUCCESSFUL', 100],
    ]);
    expect(seen[0]).toMatchObject({ provider: 'dgc.systemTask', taskId: TASK, terminal: false, startedAt: new Date(1543457499000) });
    expect(seen[0]).not.toHaveProperty('finishedAt');
    expect(seen[0]!.subtasks).toEqual([
      { id: 's1', name: 'Import job [job_batch].', state: 'running', providerState: 'RUNNING', updatedAt: new Date(1543457500000) },
    ]);
    const subtasks = [
      {
        id: 's1',
        name: 'Import job [job_batch].',
        state: 'succeeded',
        providerState: 'SUCCESSFUL',
        startedAt: new Date(1543457500000),
        finishedAt: new Date(1543457513000),
        updatedAt: new Date(1543457513000),
      },
      { id: 's2', name: 'Import job [job_stream].', state: 'succeeded', providerState: 'SUCCESSFUL', updatedAt: new Date(1543457513000), message: 'ok' },
    ];
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ name: 'Import the job from obs://aaaaa/job_batch.zip.', subtasks });
    expect(done.subtasks).toEqual(subtasks);
    expect(done).toMatchObject({ startedAt: new Date(1543457499000), finishedAt: new Date(1543457514000), updatedAt: new Date(1543457514000) });
    expect((done.raw as { projectId: string }).projectId).toBe(PROJECT);
    expect(scope.isDone()).toBe(true);
  });

  it('importConnections → taskId → FAILED with the message: TaskFailedError carries the status', async () => {
    const dgc = make();
    const input = {
      path: 'obs://00zyx/2019-07-02/DLF_All_DataConnections.zip',
      sameNamePolicy: 'OVERWRITE' as const,
      params: [
        { name: 'DWS', type: 'DWS', params: { clusterName: 'cluster1' } },
        { name: 'hive', connectionType: 'Hive' },
      ],
    };
    let sent: unknown;
    const scope = api()
      .post(`/v1/${PROJECT}/connections/import`, (body) => ((sent = body), true))
      .reply(200, { taskId: '008aae2e675933c7016759418e870000' })
      .get(`/v1/${PROJECT}/system-tasks/008aae2e675933c7016759418e870000`)
      .reply(200, {
        id: '008aae2e675933c7016759418e870000',
        name: 'Import connections',
        status: 'FAILED',
        message: 'Fail to read OBS file.',
        startTime: 1543457631000,
        endTime: 1543457631000,
        lastUpdate: 1543457631000,
        subtasks: [{ id: 'c1', name: 'DWS', status: 'FAILED', lastUpdate: 1543457631000, message: 'no such cluster' }],
      });
    const taskId = await settle(dgc.importConnections(input));
    expect(sent).toEqual(input);
    const error = await failure(waitForTask(dgc, taskId));
    expect(error).toBeInstanceOf(TaskFailedError);
    const { status } = error as TaskFailedError<DgcTaskResult>;
    expect(status).toMatchObject({ state: 'failed', providerState: 'FAILED', message: 'Fail to read OBS file.', terminal: true });
    expect(status).not.toHaveProperty('result');
    expect(status).not.toHaveProperty('progress');
    expect(status.subtasks).toEqual([
      { id: 'c1', name: 'DWS', state: 'failed', providerState: 'FAILED', updatedAt: new Date(1543457631000), message: 'no such cluster' },
    ]);
    expect((error as Error).message).toContain('Fail to read OBS file.');
    expect(scope.isDone()).toBe(true);
  });

  it('RUNNING → WARNING: partial; TaskFailedError by default, resolved with the result under acceptPartial', async () => {
    const dgc = make();
    const warning = { ...successful, status: 'WARNING', message: 'some jobs were skipped', subtasks: [{ id: 's1', name: 'j', status: 'WARNING' }] };
    const scope = api().get(STATUS_PATH).reply(200, running()).get(STATUS_PATH).reply(200, warning).get(STATUS_PATH).reply(200, warning);

    const rejected = await failure(waitForTask(dgc, TASK));
    expect(rejected).toBeInstanceOf(TaskFailedError);
    expect((rejected as TaskFailedError).status.state).toBe('partial');

    const accepted = await settle(waitForTask(dgc, TASK, { acceptPartial: true }));
    expect(accepted).toMatchObject({ state: 'partial', providerState: 'WARNING', message: 'some jobs were skipped' });
    expect(accepted).not.toHaveProperty('progress');
    expect(accepted.result).toEqual({ name: 'Import', subtasks: [{ id: 's1', name: 'j', state: 'partial', providerState: 'WARNING' }] });
    expect(scope.isDone()).toBe(true);
  });

  it('RUNNING → an unknown word → SUCCESSFUL: unknown is not terminal and keeps the word verbatim', async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .reply(200, running())
      .get(STATUS_PATH)
      .reply(200, { ...running(), status: 'WAITING_APPROVAL' })
      .get(STATUS_PATH)
      .reply(200, successful);
    const states: string[] = [];
    await settle(
      (async () => {
        for await (const status of pollTask(dgc, TASK)) states.push(`${status.state}:${status.providerState}:${status.terminal}`);
      })(),
    );
    expect(states).toEqual(['running:RUNNING:false', 'unknown:WAITING_APPROVAL:false', 'succeeded:SUCCESSFUL:true']);
    expect(scope.isDone()).toBe(true);
  });

  it('DLF.0810 (the seed\'s error body, HTTP 400) → TaskNotFoundError after one request', async () => {
    const dgc = make();
    const scope = api().get(STATUS_PATH).once().reply(400, fixture('seed-002-error-DLF.0810.txt'), { 'Content-Type': 'application/json' });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ provider: 'dgc.systemTask', taskId: TASK, transient: false });
    expect((error as Error).message).toContain('DLF.0810: Task does not exist');
    expect(scope.isDone()).toBe(true);
  });

  it('DLF.20810 (the T-Systems docs\' code) → TaskNotFoundError after one request', async () => {
    const dgc = make();
    const scope = api().get(STATUS_PATH).once().reply(400, { error_code: 'DLF.20810', error_msg: `Task[${TASK}] does not exist` });
    expect(await failure(waitForTask(dgc, TASK))).toBeInstanceOf(TaskNotFoundError);
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [401, 'APIG.0301'],
    [401, 'APIGW.0301'],
    [401, 'APIG.0303'],
    [401, 'APIGW.0303'],
  ])('HTTP %i %s → AuthenticationError after one request', async (httpStatus, code) => {
    const dgc = make();
    const scope = api().get(STATUS_PATH).once().reply(httpStatus, { error_code: code, error_msg: 'Incorrect IAM authentication information: token expired' });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: code, httpStatus, transient: false });
    expect(scope.isDone()).toBe(true);
  });

  it('APIG.0308 (HTTP 429, Retry-After: 3) → retried no sooner than 3 s later → SUCCESSFUL', async () => {
    const dgc = make();
    const at: number[] = [];
    const scope = api()
      .get(STATUS_PATH)
      .reply(function () {
        at.push(Date.now());
        return [429, { error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' }, { 'Retry-After': '3' }];
      })
      .get(STATUS_PATH)
      .reply(function () {
        at.push(Date.now());
        return [200, successful];
      });
    const done = await settle(waitForTask(dgc, TASK, fastRetry));
    expect(done.state).toBe('succeeded');
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(3000);
    expect(scope.isDone()).toBe(true);
  });

  it('APIG.0308 without Retry-After → a transient ProviderError, retried on the poller\'s schedule → SUCCESSFUL', async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .reply(429, { error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' })
      .get(STATUS_PATH)
      .reply(200, successful);
    const done = await settle(waitForTask(dgc, TASK, fastRetry));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);

    // The same answer to a call nobody retries shows the error itself.
    api().post(`/v1/${PROJECT}/jobs/import`).reply(429, { error_code: 'APIG.0308', error_msg: 'throttled' });
    const error = await failure(dgc.importJobs({ path: 'obs://b/j.zip' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'APIG.0308', httpStatus: 429, transient: true });
  });

  it('503 → retried → SUCCESSFUL; 500 with a DLF error body → a transient ProviderError, retried → SUCCESSFUL', async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .reply(503, 'Service Unavailable', { 'Content-Type': 'text/plain' })
      .get(STATUS_PATH)
      .reply(500, { error_code: 'DLF.0100', error_msg: 'Internal error' })
      .get(STATUS_PATH)
      .reply(200, successful);
    const done = await settle(waitForTask(dgc, TASK, fastRetry));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
  });

  it('other error codes (HTTP 400 DLF.0803) → ProviderError, not retried', async () => {
    const dgc = make();
    const scope = api().get(STATUS_PATH).once().reply(400, { error_code: 'DLF.0803', error_msg: 'Invalid OBS path' });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'DLF.0803', httpStatus: 400, transient: false });
    expect(scope.isDone()).toBe(true);
  });

  it('an error envelope on a 2xx answer → ProviderError (not a validation error)', async () => {
    const dgc = make();
    api().post(`/v1/${PROJECT}/jobs/import`).reply(200, { error_code: 'DLF.0815', error_msg: 'Fail to read OBS file.' });
    const error = await failure(dgc.importJobs({ path: 'obs://b/j.zip' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'DLF.0815', httpStatus: 200 });
  });

  it.each([
    // Not JSON at all: transient, so 1 + 4 default retries; JSON of the wrong shape: one request.
    ['a body that is not JSON', 'not json at all {', { 'Content-Type': 'application/json' }, 5],
    ['an HTML page with status 200', '<html>gateway</html>', { 'Content-Type': 'text/html' }, 5],
    ['an empty body', '', {}, 5],
    ['JSON without status', JSON.stringify({ id: TASK, name: 'x' }), { 'Content-Type': 'application/json' }, 1],
    ['a status that is not a string', JSON.stringify({ id: TASK, status: 3 }), { 'Content-Type': 'application/json' }, 1],
    ['a time that is not epoch ms', JSON.stringify({ id: TASK, status: 'RUNNING', startTime: '2019-01-01' }), { 'Content-Type': 'application/json' }, 1],
    ['subtasks that are not a list', JSON.stringify({ id: TASK, status: 'RUNNING', subtasks: {} }), { 'Content-Type': 'application/json' }, 1],
  ])('malformed body (%s) → ResponseValidationError after %i request(s)', async (_name, body, headers, requests) => {
    const dgc = make();
    const scope = api().get(STATUS_PATH).times(requests).reply(200, body, headers);
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).transient).toBe(requests > 1);
    expect((error as ResponseValidationError).issues.length).toBeGreaterThan(0);
    expect(scope.isDone()).toBe(true);
  });

  it('importJobs: an answer without taskId → ResponseValidationError', async () => {
    const dgc = make();
    api().post(`/v1/${PROJECT}/jobs/import`).reply(200, { id: 'x' });
    const error = await failure(dgc.importJobs({ path: 'obs://b/j.zip' }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['taskId']);
  });
});

describe('dgc.systemTask: the seed document (002) examples, verbatim', () => {
  const getOnce = async (dgc: DgcSystemTasks, taskId: string, text: string) => {
    const scope = api().get(`/v1/${PROJECT}/system-tasks/${taskId}`).reply(200, text, { 'Content-Type': 'application/json' });
    try {
      return await settle(dgc.getStatus(taskId, { signal: new AbortController().signal }));
    } finally {
      expect(scope.isDone()).toBe(true);
    }
  };

  it('example 1 verbatim (a stray extra "{") is rejected as malformed JSON; its evident intent parses', async () => {
    const dgc = make();
    const verbatim = fixture('seed-002-example-1.txt');
    expect(verbatim).toMatch(/^\s*\{\s*\n\s*\{/);
    const error = await failure(getOnce(dgc, TASK, verbatim));
    expect(error).toBeInstanceOf(ResponseValidationError);

    // The document's evident intent: the same text with the stray second "{" (its second line) removed.
    const lines = verbatim.split('\n');
    expect(lines[1]?.trim()).toBe('{');
    const intended = [lines[0], ...lines.slice(2)].join('\n');
    const status = await getOnce(dgc, TASK, intended);
    expect(status).toMatchObject({
      state: 'succeeded',
      providerState: 'SUCCESSFUL',
      startedAt: new Date(1543457499000),
      finishedAt: new Date(1543457514000),
      updatedAt: new Date(1543457514000),
      progress: 100,
    });
    expect(status.result).toEqual({
      name: '从OBS路径[obs://aaaaa/traffic.zip]导入解决方案。',
      subtasks: [
        { id: '008aae2e675d3bcb01675d3c9f5f0002', name: '导入作业[job_batch]。', state: 'succeeded', providerState: 'SUCCESSFUL', updatedAt: new Date(1543457513000) },
        { id: '008aae2e675d3bcb01675d3c9fdc0003', name: '导入作业[job_stream]。', state: 'succeeded', providerState: 'SUCCESSFUL', updatedAt: new Date(1543457513000) },
      ],
    });
  });

  // Examples 2 to 4 write the request path as /systemTasks/; the URI format (/system-tasks/) is authoritative.
  it('example 2: FAILED, with the message and an empty subtask list', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d3e6b960004', fixture('seed-002-example-2.txt'));
    expect(status).toMatchObject({
      state: 'failed',
      terminal: true,
      providerState: 'FAILED',
      message: '读取OBS文件[obs://aaaaa/traffic2.zip]失败。',
      startedAt: new Date(1543457631000),
      finishedAt: new Date(1543457631000),
      subtasks: [],
    });
    expect(status).not.toHaveProperty('result');
  });

  it('example 3: FAILED with one failed subtask', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d40ab3f0005', fixture('seed-002-example-3.txt'));
    expect(status).toMatchObject({ state: 'failed', providerState: 'FAILED', finishedAt: new Date(1543457794000) });
    expect(status).not.toHaveProperty('message');
    expect(status.subtasks).toEqual([
      { id: '008aae2e675d3bcb01675d40e8560006', name: '启动作业[job_batch]', state: 'failed', providerState: 'FAILED', updatedAt: new Date(1543457794000) },
    ]);
  });

  it('example 4: SUCCESSFUL with one subtask (the document requests another id than it answers; the body is used as is)', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d40ab3f0005', fixture('seed-002-example-4.txt'));
    expect(status).toMatchObject({ state: 'succeeded', startedAt: new Date(1544777081000), finishedAt: new Date(1544777083000) });
    expect(status.result).toEqual({
      name: '从路径[obs://aaaaa/job_batch.zip]导入作业。',
      subtasks: [
        { id: '008aae2e67abe2ff0167abe3a7e70002', name: '导入作业[job_batch]。', state: 'succeeded', providerState: 'SUCCESSFUL', updatedAt: new Date(1544777083000) },
      ],
    });
  });
});

describe('dgc.systemTask: state mapping', () => {
  const table: [string, string, boolean][] = [
    ['RUNNING', 'running', false],
    ['SUCCESSFUL', 'succeeded', true],
    ['FAILED', 'failed', true],
    ['WARNING', 'partial', true],
    ['running', 'unknown', false],
    ['SUCCESS', 'unknown', false],
    ['', 'unknown', false],
    ['CANCELLED', 'unknown', false],
  ];

  it.each(table)('%j → %s', (word, state) => {
    expect(dgcTaskState(word)).toBe(state);
  });

  it('the same table through getStatus, for the task and its subtasks', async () => {
    const dgc = make();
    for (const [word, state, terminal] of table) {
      api()
        .get(STATUS_PATH)
        .reply(200, { id: TASK, name: 'n', status: word, subtasks: [{ id: 's', name: 's', status: word }] });
      const status = await settle(dgc.getStatus(TASK, { signal: new AbortController().signal }));
      expect([status.state, status.providerState, status.terminal]).toEqual([state, word, terminal]);
      expect(status.subtasks?.[0]).toMatchObject({ state, providerState: word });
    }
  });
});

describe('dgc.systemTask: headers and authentication', () => {
  it('workspace header is sent on polls and imports when set, and absent otherwise', async () => {
    const withWorkspace = make({ workspace: 'c8d7a3f2e1b04c9a9d6e5f4a3b2c1d0e' });
    const scope = nock(HOST, { reqheaders: { workspace: 'c8d7a3f2e1b04c9a9d6e5f4a3b2c1d0e' } })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(200, { taskId: TASK })
      .post(`/v1/${PROJECT}/connections/import`)
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(200, successful);
    await settle(withWorkspace.importJobs({ path: 'obs://b/j.zip' }));
    await settle(withWorkspace.importConnections({ path: 'obs://b/c.zip' }));
    await settle(waitForTask(withWorkspace, TASK));
    expect(scope.isDone()).toBe(true);

    const without = make();
    const plain = nock(HOST, { badheaders: ['workspace'] }).get(STATUS_PATH).reply(200, successful);
    await settle(waitForTask(without, TASK));
    expect(plain.isDone()).toBe(true);
  });

  it('token auth: X-Auth-Token on every request, no signature headers (default transport, real timers)', async () => {
    vi.useRealTimers();
    const dgc = make({ axios: undefined });
    const scope = nock(HOST, { reqheaders: { 'x-auth-token': TOKEN, accept: 'application/json' }, badheaders: ['authorization', 'x-sdk-date', 'x-project-id'] })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(200, successful);
    await settle(dgc.importJobs({ path: 'obs://b/j.zip' }));
    await settle(waitForTask(dgc, TASK));
    expect(scope.isDone()).toBe(true);
  });

  it('AK/SK: the server recomputes every signature independently (import with a non-ASCII body, then polls)', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: SK, securityToken: SECURITY_TOKEN }, workspace: 'ws-0001' });
    const gateway = apigGateway(SK);
    const scope = nock(HOST, {
      reqheaders: { 'x-project-id': PROJECT, 'x-security-token': SECURITY_TOKEN, workspace: 'ws-0001' },
      badheaders: ['x-auth-token'],
    })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(gateway.answer({ taskId: TASK }))
      .get(STATUS_PATH)
      .reply(gateway.answer(running()))
      .get(STATUS_PATH)
      .reply(gateway.answer(successful));

    const taskId = await settle(dgc.importJobs({ path: 'obs://bucket/作业 (1).zip', params: { 名称: 'ä ö ü', 'a&b': '=?' } }));
    const done = await settle(waitForTask(dgc, taskId, { initialDelayMs: 5000, jitter: 0 }));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
    expect(gateway.verified).toHaveLength(3);
    const [post, poll1, poll2] = gateway.verified;
    expect(post!.signedHeaders).toEqual(['accept', 'content-type', 'host', 'workspace', 'x-project-id', 'x-sdk-date', 'x-security-token']);
    expect(poll1!.signedHeaders).toEqual(['accept', 'host', 'workspace', 'x-project-id', 'x-sdk-date', 'x-security-token']);
    // X-Sdk-Date follows the (fake) clock: 2026-01-02 03:04:05 UTC, and the second poll 5 s later.
    expect([post!.sdkDate, poll1!.sdkDate, poll2!.sdkDate]).toEqual(['20260102T030405Z', '20260102T030405Z', '20260102T030410Z']);
  });

  it('AK/SK: the same gateway check refuses a request signed with another secret key → AuthenticationError after one request', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: `${SK}-other` } });
    const gateway = apigGateway(SK);
    const scope = api().get(STATUS_PATH).once().reply(gateway.answer(successful));
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'APIG.0303', httpStatus: 401 });
    expect(gateway.verified).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('AK/SK: a refused signature → AuthenticationError whose message, JSON and inspect output hold no secret or signature', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: SK, securityToken: SECURITY_TOKEN } });
    let signature = '';
    api()
      .get(STATUS_PATH)
      .reply(function () {
        signature = parseAuthorization(String(this.req.headers['authorization']))?.signature ?? '';
        // A gateway that echoes what it checked must not leak it through our error.
        return [401, { error_code: 'APIG.0303', error_msg: `signature ${signature} mismatch for key ${SK} token ${SECURITY_TOKEN}` }];
      });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    for (const text of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 }), String((error as Error).stack)]) {
      expect(text).not.toContain(SK);
      expect(text).not.toContain(signature);
      expect(text).not.toContain(SECURITY_TOKEN);
    }
    expect((error as Error).message).toContain('[redacted]');
  });

  it('token auth: a network failure and a 401 carry no token', async () => {
    const dgc = make({ requestTimeoutMs: 1000 });
    api().get(STATUS_PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    api().get(STATUS_PATH).reply(401, { error_code: 'APIG.0301', error_msg: `token ${TOKEN} expired` });
    const first = await failure(waitForTask(dgc, TASK, { retry: false }));
    const second = await failure(waitForTask(dgc, TASK, { retry: false }));
    for (const error of [first, second]) {
      for (const text of [JSON.stringify(error), inspect(error, { depth: 10 })]) expect(text).not.toContain(TOKEN);
    }
    expect(second).toBeInstanceOf(AuthenticationError);
  });
});

describe('dgc.systemTask: endpoint, pacing and validation', () => {
  it('region builds https://dayu-dlf.{region}.myhuaweicloud.com; unlisted regions of the same shape are accepted; endpoint overrides', async () => {
    expect(DGC_REGIONS).toContain('cn-north-4');
    const listed = nock('https://dayu-dlf.ap-southeast-3.myhuaweicloud.com').get(STATUS_PATH).reply(200, successful);
    await settle(waitForTask(make({ region: 'ap-southeast-3' }), TASK));
    const unlisted = nock('https://dayu-dlf.xy-newplace-7.myhuaweicloud.com').get(STATUS_PATH).reply(200, successful);
    await settle(waitForTask(make({ region: 'xy-newplace-7' }), TASK));
    const custom = nock('http://127.0.0.1:8080').get(`/dlf${STATUS_PATH}`).reply(200, successful);
    await settle(waitForTask(make({ region: undefined, endpoint: 'http://127.0.0.1:8080/dlf' }), TASK));
    expect([listed.isDone(), unlisted.isDone(), custom.isDone()]).toEqual([true, true, true]);
  });

  it('default pacing: at most 2 requests a second across concurrent waits of one adapter', async () => {
    const dgc = make({ pacing: undefined });
    const at: number[] = [];
    api()
      .get(/\/system-tasks\//)
      .times(5)
      .reply(function () {
        at.push(Date.now());
        return [200, successful];
      });
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    await settle(Promise.all(ids.map((id) => waitForTask(dgc, id))));
    expect(at).toHaveLength(5);
    for (let i = 2; i < at.length; i += 1) expect(at[i]! - at[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('bad options, refs and inputs are refused with a TypeError before any request (and echo no secret)', async () => {
    const requests: string[] = [];
    const onNoMatch = (req: { path: string }) => requests.push(req.path);
    nock.emitter.on('no match', onNoMatch);
    const base = { region: 'cn-north-4', projectId: PROJECT, auth: { token: TOKEN } };
    const badOptions: unknown[] = [
      undefined,
      'cn-north-4',
      { ...base, region: undefined },
      { ...base, endpoint: 'https://x.example' },
      { ...base, region: 'north-4' },
      { ...base, region: 'CN-NORTH-4' },
      { ...base, region: 'cn-north-4.evil.example/x' },
      { ...base, region: undefined, endpoint: 'ftp://x.example' },
      { ...base, region: undefined, endpoint: 'https://user:pw@x.example' },
      { ...base, projectId: undefined },
      { ...base, projectId: '../../admin' },
      { ...base, projectId: 'b384b9e9/ab9b' },
      { ...base, workspace: '' },
      { ...base, workspace: 'ws\r\nX-Evil: 1' },
      { ...base, auth: undefined },
      { ...base, auth: {} },
      { ...base, auth: { token: '' } },
      { ...base, auth: { token: `${TOKEN}\r\n` } },
      { ...base, auth: { token: TOKEN, accessKey: AK, secretKey: SK } },
      { ...base, auth: { accessKey: AK } },
      { ...base, auth: { accessKey: AK, secretKey: '' } },
      { ...base, auth: { accessKey: 'AK, Signature=x', secretKey: SK } },
      { ...base, auth: { accessKey: AK, secretKey: SK, securityToken: 'a b' } },
      { ...base, auth: { accessKey: AK, secretkey: SK } },
      { ...base, requestTimeoutMs: -1 },
      { ...base, pacing: { requestsPerInterval: 0 } },
      { ...base, regoin: 'cn-north-4' },
    ];
    for (const options of badOptions) {
      let thrown: unknown;
      try {
        dgcSystemTasks(options as DgcSystemTasksOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(Error);
      expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
      expect((thrown as Error).message).not.toContain(SK);
      expect((thrown as Error).message).not.toContain(TOKEN);
    }

    const dgc = make();
    for (const ref of ['', '.', '..', 'a\nb', 'x'.repeat(300), undefined, 42, { id: TASK }]) {
      await expect(async () => waitForTask(dgc, ref as string)).rejects.toThrow(Error);
      expect(() => dgc.taskId(ref as string)).toThrow(/taskId|task id/);
    }
    const badImports: unknown[] = [
      undefined,
      {},
      { path: 'bucket/jobs.zip' },
      { path: 's3://bucket/jobs.zip' },
      { path: 'obs://bucket' },
      { path: 'obs:///jobs.zip' },
      { path: 'obs://bucket/a\nb.zip' },
      { path: 'obs://b/j.zip', sameNamePolicy: 'skip' },
      { path: 'obs://b/j.zip', targetStatus: 'DONE' },
      { path: 'obs://b/j.zip', params: { a: 1 } },
      { path: 'obs://b/j.zip', params: ['a'] },
      { path: 'obs://b/j.zip', jobsParam: [{ params: {} }] },
      { path: 'obs://b/j.zip', jobsParam: { name: 'j' } },
      { path: 'obs://b/j.zip', executeUser: '' },
      { path: 'obs://b/j.zip', approvers: [{ name: 'x' }] },
      { path: 'obs://b/j.zip', unknownField: 1 },
    ];
    for (const input of badImports) {
      await expect(dgc.importJobs(input as never), JSON.stringify(input)).rejects.toBeInstanceOf(TypeError);
    }
    for (const input of [{ path: 'obs://b/c.zip', params: [{ name: 'c' }] }, { path: 'obs://b/c.zip', params: [{ type: 'DWS' }] }, { path: 'x' }]) {
      await expect(dgc.importConnections(input as never)).rejects.toBeInstanceOf(TypeError);
    }
    await expect(dgc.importJobs({ path: 'obs://b/j.zip' }, { signal: 'stop' as never })).rejects.toBeInstanceOf(TypeError);
    nock.emitter.removeListener('no match', onNoMatch);
    expect(requests).toEqual([]);
  });

  it('importJobs honours its abort signal', async () => {
    const dgc = make();
    api().post(`/v1/${PROJECT}/jobs/import`).delay(60_000).reply(200, { taskId: TASK });
    const controller = new AbortController();
    const pending = dgc.importJobs({ path: 'obs://b/j.zip' }, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(settle(pending)).rejects.toThrow();
  });
});
