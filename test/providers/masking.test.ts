/**
 * The masking rule through the public API (src/internal/redact.ts): only exact occurrences of credentials
 * of at least 16 characters are masked, only in provider text (`message`, `raw`, subtask names and
 * messages, quoted error text); results, keys and normalized fields are never changed. Loopback HTTP
 * scripted with nock, fake time.
 */
import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskFailedError, waitForTask } from '../../src/index.js';
import { dgcSystemTasks, type DgcSystemTasksOptions } from '../../src/providers/dgc/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { nockClock } from '../helpers/nock-clock.js';
import { useNockHarness } from '../helpers/nock-harness.js';
import { parseAuthorization } from './dgc/reference-signature.js';

const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const REDACTED = '[redacted]';

const clock = nockClock();
const { settle, failure } = clock;
const harness = useNockHarness(Date.UTC(2026, 0, 2, 3, 4, 5), () => clock.reset());

/** Every text a caller or a logger can get out of an error. */
const textsOf = (error: unknown): string[] => [
  (error as Error).message,
  String((error as Error).stack),
  JSON.stringify(error),
  inspect(error, { depth: 10 }),
];

// --- workflow.task ----------------------------------------------------------------------------------

const WF_BASE = 'http://explorer.test:7002';
const WF_TASK = '8c171f70fb6f11ecac7e6da0662c195b';
const WF_JOB = 29987;
const WF_JOB_PATH = `/api-open/v1/jobs/${WF_JOB}`;
const WF_SESSION = 'c2Vzc2lvbi1jb29raWUtZm9yLXRlc3Rz';
const rankRow = z.tuple([z.string(), z.coerce.number()]);

/** A finished job (status 2) whose only task (status 2) is named `taskName`. */
const wfJob = (taskName: string) => ({
  code: 0,
  data: {
    id: WF_JOB,
    name: 'nebula_job_20260102',
    workflowId: '4216617528',
    workflowName: 'nebula_workflow',
    status: 2,
    tasks: [
      {
        id: WF_TASK,
        name: taskName,
        runBeginTime: '2026-01-02T03:00:00Z',
        runEndTime: '2026-01-02T03:01:00Z',
        status: 2,
      },
    ],
    runBeginTime: 1767322800000,
    runEndTime: 1767322860000,
    createTime: 1767322790000,
  },
  message: 'Success',
});
const wfRows = {
  code: 0,
  data: {
    items: [
      ['nebula_player_100', '0.150000'],
      ['team_nebula', '0.452126'],
    ],
  },
  message: 'Success',
};

describe('workflow.task', () => {
  it("with Explorer's default password nebula, waitForTask returns the true rows and subtask names (as sampleResult does)", async () => {
    const wf = harness.track(
      workflowTasks({
        baseURL: WF_BASE,
        credentials: { username: 'root', password: 'nebula', graphAddress: '127.0.0.1', graphPort: 9669 },
        rowSchema: rankRow,
        pacing: false,
        axios: clock.axios(),
      }),
    );
    const scope = nock(WF_BASE)
      .post('/api-open/v1/connect')
      .reply(
        200,
        { code: 0, data: { success: true }, message: 'Success' },
        { 'set-cookie': `explorer_token=${WF_SESSION}; Path=/; HttpOnly` },
      )
      .get(WF_JOB_PATH)
      .reply(200, wfJob('nebula_pagerank'))
      .get(`${WF_JOB_PATH}/tasks/${WF_TASK}/sample_result`)
      .query(true)
      .times(2)
      .reply(200, wfRows);
    const ref = { jobId: WF_JOB, taskId: WF_TASK };
    const done = await settle(waitForTask(wf, ref));
    const rows = [
      ['nebula_player_100', 0.15],
      ['team_nebula', 0.452126],
    ];
    expect(done.result.rows).toEqual(rows);
    expect(done.subtasks?.map((s) => s.name)).toEqual(['nebula_pagerank']);
    expect(done.raw).toMatchObject({
      name: 'nebula_job_20260102',
      workflowName: 'nebula_workflow',
      tasks: [{ name: 'nebula_pagerank' }],
    });
    expect(JSON.stringify(done)).not.toContain(REDACTED);
    expect(await settle(wf.sampleResult(ref))).toEqual(done.result.rows);
    expect(scope.isDone()).toBe(true);
  });

  it("a short token ('ta') does not break a wait: keys and fields stay as sent", async () => {
    const wf = harness.track(workflowTasks({ baseURL: WF_BASE, token: 'ta', pacing: false, axios: clock.axios() }));
    nock(WF_BASE)
      .get(WF_JOB_PATH)
      .reply(200, wfJob('data_task'))
      .get(`${WF_JOB_PATH}/tasks/${WF_TASK}/sample_result`)
      .query(true)
      .reply(200, { code: 0, data: { items: [['ta', 'state']] }, message: 'Success' });
    const done = await settle(waitForTask(wf, { jobId: WF_JOB, taskId: WF_TASK }));
    expect(done).toMatchObject({ state: 'succeeded', providerState: '2', result: { rows: [['ta', 'state']] } });
    expect(done.subtasks?.[0]).toMatchObject({ name: 'data_task', state: 'succeeded' });
    expect(Object.keys(done.raw as object)).toContain('tasks');
  });

  it('a session cookie echoed into a job is masked in raw and subtask names, and in the TaskFailedError', async () => {
    const token = 'CKsession-cookie-0123456789';
    const wf = harness.track(workflowTasks({ baseURL: WF_BASE, token, pacing: false, axios: clock.axios() }));
    const failed = wfJob(`pagerank for ${token}`);
    failed.data.status = 3;
    failed.data.tasks[0]!.status = 3;
    failed.data.name = `job of ${token}`;
    nock(WF_BASE).get(WF_JOB_PATH).reply(200, failed);
    const error = await failure(waitForTask(wf, { jobId: WF_JOB, taskId: WF_TASK }));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status;
    expect(status.subtasks?.[0]?.name).toBe(`pagerank for ${REDACTED}`);
    expect(status.raw).toMatchObject({ name: `job of ${REDACTED}` });
    for (const text of textsOf(error)) expect(text).not.toContain(token);
  });
});

// --- dgc.systemTask ---------------------------------------------------------------------------------

const DGC_HOST = 'https://dayu-dlf.cn-north-4.myhuaweicloud.com';
const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const DGC_TASK = '008aae2e675d3bcb01675d3c66f20000';
const STATUS_PATH = `/v1/${PROJECT}/system-tasks/${DGC_TASK}`;
const DGC_TOKEN = 'MIIEXAMPLE-iam-token_value.with.dots';
const SK = 'Secret/Key+Example=0123456789abcdefABCD';
const SECURITY_TOKEN = 'gQpjbi1ub3J0aC00temporary';

function dgc(auth: DgcSystemTasksOptions['auth']) {
  return harness.track(
    dgcSystemTasks({ region: 'cn-north-4', projectId: PROJECT, auth, pacing: false, axios: clock.axios() }),
  );
}

describe('dgc.systemTask', () => {
  it('a sha256 file name in the result (and anywhere in the body) is kept: no pattern is masked', async () => {
    const adapter = dgc({ accessKey: 'HPUAEXAMPLEAK0000001', secretKey: SK, securityToken: SECURITY_TOKEN });
    const body = {
      id: DGC_TASK,
      name: `${SHA256}.zip`,
      status: 'SUCCESSFUL',
      message: `imported ${SHA256}.zip`,
      startTime: 1767322800000,
      endTime: 1767322860000,
      subtasks: [{ id: 'sub-1', name: `${SHA256}.job`, status: 'SUCCESSFUL', message: `job ${SHA256}` }],
    };
    nock(DGC_HOST).get(STATUS_PATH).reply(200, body);
    const done = await settle(waitForTask(adapter, DGC_TASK));
    expect(done.result.name).toBe(`${SHA256}.zip`);
    expect(done.result.subtasks[0]).toMatchObject({ name: `${SHA256}.job`, message: `job ${SHA256}` });
    expect(done.subtasks?.[0]).toMatchObject({ name: `${SHA256}.job`, message: `job ${SHA256}` });
    expect(done.message).toBe(`imported ${SHA256}.zip`);
    expect(done.raw).toEqual(body);
  });

  it("a short token ('ta') does not break a wait", async () => {
    const adapter = dgc({ token: 'ta' });
    nock(DGC_HOST).get(STATUS_PATH).reply(200, { id: DGC_TASK, name: 'data', status: 'SUCCESSFUL', subtasks: [] });
    const done = await settle(waitForTask(adapter, DGC_TASK));
    expect(done).toMatchObject({
      state: 'succeeded',
      providerState: 'SUCCESSFUL',
      progress: 100,
      result: { name: 'data', subtasks: [] },
    });
  });

  it('a long token echoed in message, raw and subtasks is masked in the status and in the error message, toJSON and inspect', async () => {
    const adapter = dgc({ token: DGC_TOKEN });
    nock(DGC_HOST)
      .get(STATUS_PATH)
      .reply(200, {
        id: DGC_TASK,
        name: 'Import',
        status: 'FAILED',
        message: `token ${DGC_TOKEN} is not allowed`,
        subtasks: [{ id: 'sub-1', name: `job ${DGC_TOKEN}`, status: 'FAILED', message: `denied: ${DGC_TOKEN}` }],
        echo: { header: DGC_TOKEN },
      });
    const error = await failure(waitForTask(adapter, DGC_TASK));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status;
    expect(status.message).toBe(`token ${REDACTED} is not allowed`);
    expect(status.subtasks?.[0]).toMatchObject({ name: `job ${REDACTED}`, message: `denied: ${REDACTED}` });
    expect(status.raw).toMatchObject({ echo: { header: REDACTED } });
    expect((error as Error).message).toContain(REDACTED);
    for (const text of textsOf(error)) expect(text).not.toContain(DGC_TOKEN);
  });

  it("AK/SK: the request's own signature, the security token and the SK echoed back are masked exactly; another hex run is kept", async () => {
    const adapter = dgc({ accessKey: 'HPUAEXAMPLEAK0000001', secretKey: SK, securityToken: SECURITY_TOKEN });
    let signature = '';
    nock(DGC_HOST)
      .get(STATUS_PATH)
      .reply(function () {
        signature = parseAuthorization(String(this.req.headers['authorization']))?.signature ?? '';
        const echo = `checked ${signature} with ${SECURITY_TOKEN} and ${SK}; file ${SHA256}`;
        return [200, { id: DGC_TASK, name: 'Import', status: 'FAILED', message: echo, echo }];
      });
    const error = await failure(waitForTask(adapter, DGC_TASK));
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    const status = (error as TaskFailedError).status;
    const masked = `checked ${REDACTED} with ${REDACTED} and ${REDACTED}; file ${SHA256}`;
    expect(status.message).toBe(masked);
    expect(status.raw).toMatchObject({ echo: masked });
    for (const text of textsOf(error)) {
      for (const secret of [signature, SECURITY_TOKEN, SK]) expect(text).not.toContain(secret);
    }
  });
});

// --- guance.logmine ---------------------------------------------------------------------------------

const GUANCE_BASE = 'https://openapi.guance.com';
const QUERY = '/api/v1/logmine/query_task';
const GUANCE_TASK = 'logminetaskchcbedk24lokg5cqfdb0';

describe('guance.logmine', () => {
  const finished = (extra: Record<string, unknown>) => ({
    code: 200,
    content: {
      data: [{ count: 2, docids: ['L_1', 'L_2'], message: 'login ok for data_user' }],
      docCount: 2,
      taskStatus: 'ok',
      ...extra,
    },
    errorCode: '',
    message: '',
    success: true,
    traceId: '1',
  });

  it("a short API key ('ta') leaves the raw body as sent", async () => {
    const adapter = harness.track(
      guanceLogmine({ apiKey: 'ta', baseURL: GUANCE_BASE, pacing: false, axios: clock.axios() }),
    );
    const body = finished({});
    nock(GUANCE_BASE).get(QUERY).query(true).reply(200, body);
    const done = await settle(waitForTask(adapter, GUANCE_TASK));
    expect(done.raw).toEqual(body);
    expect(done.result.clusters).toEqual([{ count: 2, docIds: ['L_1', 'L_2'], message: 'login ok for data_user' }]);
  });

  it('a long API key echoed into the body is masked in raw; the result is the provider data', async () => {
    const apiKey = 'df-canary-7f3e91c2b4a85d60';
    const adapter = harness.track(guanceLogmine({ apiKey, baseURL: GUANCE_BASE, pacing: false, axios: clock.axios() }));
    nock(GUANCE_BASE)
      .get(QUERY)
      .query(true)
      .reply(200, finished({ echo: `key ${apiKey}` }));
    const done = await settle(waitForTask(adapter, GUANCE_TASK));
    expect(done.raw).toMatchObject({ content: { echo: `key ${REDACTED}`, taskStatus: 'ok' } });
    expect(JSON.stringify(done)).not.toContain(apiKey);
    expect(done.result.clusters[0]?.message).toBe('login ok for data_user');
  });
});
