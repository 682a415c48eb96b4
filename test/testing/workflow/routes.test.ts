import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { raw } from '../http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ seed: 31 });
});
afterEach(() => sim.close());

const b64 = (text: string) => Buffer.from(text).toString('base64');
const api = (
  path: string,
  init: { method?: string; body?: object; token?: string | null; headers?: Record<string, string> } = {},
) => {
  const token = init.token === undefined ? sim.workflow.token : init.token;
  return raw(`${sim.workflow.baseURL}/api-open/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token === null ? {} : { Cookie: `explorer_token=${token}` }), ...init.headers },
    ...(init.body ? { body: init.body } : {}),
  });
};
const connect = (authorization: string, body: object = { address: '127.0.0.1', port: 9669 }) =>
  raw(`${sim.workflow.baseURL}/api-open/v1/connect`, {
    method: 'POST',
    headers: { Authorization: authorization },
    body,
  });

describe('simulated NebulaGraph Explorer workflow API', () => {
  it('connect accepts both Base64 forms and sets an explorer_token cookie that works', async () => {
    for (const form of [b64('["root","nebula"]'), b64('root:nebula')]) {
      const answer = await connect(`Bearer ${form}`);
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ code: 0, data: { success: true }, message: 'Success' });
      const cookie = String(answer.headers['set-cookie']);
      expect(cookie).toMatch(/^explorer_token=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=259200; HttpOnly$/);
      const token = /explorer_token=([^;]+)/.exec(cookie)![1]!;
      expect((await api('/jobs/1', { token })).json().code).toBe(40404000);
    }
  });

  it('connect refuses bad credentials (40104000) and a wrong graphd (40104001)', async () => {
    const bad = await connect(`Bearer ${b64('["root","wrong"]')}`);
    expect(bad.status).toBe(401);
    expect(bad.json()).toEqual({ code: 40104000, message: expect.stringMatching(/^ErrUnauthorized::/) });
    expect((await connect('Basic abc')).json().code).toBe(40104000);
    expect((await connect(`Bearer ${b64('root:nebula')}`, { address: '10.0.0.1', port: 9669 })).json().code).toBe(
      40104001,
    );
  });

  it('create job → 0 Preparing → 1 Running (tasks in turn) → 2 Success, with both time formats', async () => {
    sim.workflow.script({
      queuedMs: 2000,
      durationMs: 20_000,
      tasks: [
        'BFS',
        {
          name: 'PageRank',
          rows: [
            ['player110', '0.150000'],
            ['team219', '0.452126'],
          ],
        },
      ],
    });
    const created = await api('/workflows/wf-1/jobs', {
      method: 'POST',
      body: { input: { query_1: { limit: '10' } } },
    });
    expect(created.json()).toEqual({ code: 0, message: 'Success', data: { id: expect.any(Number) } });
    const jobId: number = created.json().data.id;

    const detail = async () => (await api(`/jobs/${jobId}`)).json().data;
    const queued = await detail();
    expect(queued).toMatchObject({
      id: jobId,
      workflowId: 'wf-1',
      workflowName: 'workflow_wf-1',
      status: 0,
      runBeginTime: 0,
      runEndTime: 0,
    });
    expect(queued.tasks.map((t: { status: number }) => t.status)).toEqual([0, 0]);
    expect(queued.tasks[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'BFS',
      runBeginTime: '0001-01-01T00:00:00Z',
    });

    sim.clock.advance(2000 + 15_000);
    const running = await detail();
    expect(running.status).toBe(1);
    expect(running.runBeginTime).toBe(running.createTime + 2000);
    expect(running.tasks.map((t: { status: number }) => t.status)).toEqual([2, 1]);
    expect(running.tasks[0].runBeginTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(Date.parse(running.tasks[0].runBeginTime)).toBe(Math.floor((running.createTime + 2000) / 1000) * 1000);

    const early = await api(`/jobs/${jobId}/tasks/${running.tasks[1].id}/sample_result?limit=1`);
    expect(early.json()).toMatchObject({ code: 40004000 });

    sim.clock.advance(5000);
    const done = await detail();
    expect(done).toMatchObject({ status: 2, runEndTime: done.createTime + 22_000 });
    expect(done.tasks.map((t: { status: number }) => t.status)).toEqual([2, 2]);
    const view = sim.workflow.task(String(jobId));
    expect(view).toMatchObject({ jobId, state: 'succeeded', providerState: '2' });
    expect(view?.tasks.map((t) => t.id)).toEqual(done.tasks.map((t: { id: string }) => t.id));

    const result = await api(`/jobs/${jobId}/tasks/${done.tasks[1].id}/sample_result?limit=1`);
    expect(result.json()).toEqual({ code: 0, message: 'Success', data: { items: [['player110', '0.150000']] } });
    const all = (await api(`/jobs/${jobId}/tasks/${done.tasks[1].id}/sample_result`)).json();
    expect(all.data.items).toHaveLength(2);
    const generated = (await api(`/jobs/${jobId}/tasks/${done.tasks[0].id}/sample_result?limit=3`)).json();
    expect(generated.data.items).toHaveLength(3);
    for (const row of generated.data.items)
      expect(row).toEqual([expect.any(String), expect.stringMatching(/^0\.\d{6}$/)]);
    expect((await api(`/jobs/${jobId}/tasks/${done.tasks[0].id}/sample_result?limit=0`)).json().code).toBe(40004001);
  });

  it('a failed job: its failing task is 3, later ones never run', async () => {
    const jobId = sim.workflow.createJob('wf', {
      queuedMs: 0,
      durationMs: 1000,
      outcome: 'failed',
      tasks: ['a', 'b', 'c'],
      failedTask: 1,
    });
    sim.clock.advance(1000);
    const data = (await api(`/jobs/${jobId}`)).json().data;
    expect(data.status).toBe(3);
    expect(data.tasks.map((t: { status: number }) => t.status)).toEqual([2, 3, 0]);
  });

  it('cancel → 5 Stopping → 4 Interrupted (job and its running task); cancelling an ended job says success: false', async () => {
    const jobId = sim.workflow.createJob('wf', {
      queuedMs: 0,
      durationMs: 10_000,
      stoppingMs: 2000,
      tasks: ['a', 'b'],
    });
    sim.clock.advance(7000);
    const cancel = await api(`/jobs/${jobId}/cancel`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(cancel.json()).toEqual({ code: 0, message: 'Success', data: { success: true } });
    const stopping = (await api(`/jobs/${jobId}`)).json().data;
    expect(stopping.status).toBe(5);
    expect(stopping.tasks.map((t: { status: number }) => t.status)).toEqual([2, 5]);
    expect(sim.workflow.task(String(jobId))?.state).toBe('cancelling');
    sim.clock.advance(2000);
    const stopped = (await api(`/jobs/${jobId}`)).json().data;
    expect(stopped.status).toBe(4);
    expect(stopped.runEndTime - stopped.createTime).toBeGreaterThanOrEqual(9000); // cancel at 7 s (+ real ms) + 2 s stopping
    expect(stopped.runEndTime - stopped.createTime).toBeLessThan(9500);
    expect(stopped.tasks.map((t: { status: number }) => t.status)).toEqual([2, 4]);
    expect((await api(`/jobs/${jobId}/cancel`, { method: 'PUT' })).json().data).toEqual({ success: false });
  });

  it("a scripted 'cancelled' outcome ends Interrupted on its own", async () => {
    const jobId = sim.workflow.createJob('wf', {
      queuedMs: 0,
      durationMs: 5000,
      outcome: 'cancelled',
      stoppingMs: 1000,
    });
    sim.clock.advance(4500);
    expect((await api(`/jobs/${jobId}`)).json().data.status).toBe(5);
    sim.clock.advance(500);
    expect((await api(`/jobs/${jobId}`)).json().data.status).toBe(4);
  });

  it('expired or missing token → 40104000 (HTTP 401); a fresh connect works again', async () => {
    const jobId = sim.workflow.createJob();
    expect((await api(`/jobs/${jobId}`)).json().code).toBe(0);
    sim.workflow.expireTokens();
    const expired = await api(`/jobs/${jobId}`);
    expect(expired.status).toBe(401);
    expect(expired.json()).toEqual({ code: 40104000, message: 'ErrUnauthorized::token is expired' });
    expect((await api(`/jobs/${jobId}`, { token: null })).json().code).toBe(40104000);
    expect((await api(`/jobs/${jobId}`, { token: 'garbage' })).json().code).toBe(40104000);
    expect((await api(`/jobs/${jobId}`, { token: sim.workflow.issueToken() })).json().code).toBe(0);
    // The header form the docs' tables list also works.
    expect(
      (await api(`/jobs/${jobId}`, { token: null, headers: { explorer_token: sim.workflow.issueToken() } })).json()
        .code,
    ).toBe(0);
  });

  it('tokens live tokenTtlMs of simulated time', async () => {
    sim.clock.advance(259_200_000);
    expect((await api('/jobs/1')).json().message).toBe('ErrUnauthorized::token is expired');
  });

  it('an unknown job → 40404000 (HTTP 404); a non-numeric id → 40004001', async () => {
    const missing = await api('/jobs/999999');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ code: 40404000, message: 'ErrNotFound::job not found' });
    expect((await api('/jobs/abc')).json().code).toBe(40004001);
    const jobId = sim.workflow.createJob();
    expect((await api(`/jobs/${jobId}/tasks/nope/sample_result`)).json().code).toBe(40404000);
  });

  it('errorHttpStatus: 200 puts errors in HTTP 200 answers', async () => {
    const flat = await startSimulator({ seed: 1, workflow: { errorHttpStatus: 200 } });
    try {
      const answer = await raw(`${flat.workflow.baseURL}/api-open/v1/jobs/1`);
      expect(answer.status).toBe(200);
      expect(answer.json().code).toBe(40104000);
    } finally {
      await flat.close();
    }
  });
});
