/**
 * What each failure answer becomes: transient and final error codes, a 404 without an envelope,
 * malformed bodies, rows that fail rowSchema, cancels, and a workflow that does not exist.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import {
  HttpError,
  ProviderError,
  ResponseValidationError,
  TaskAbortedError,
  TaskFailedError,
  waitForTask,
} from '../../../src/index.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  SAMPLE_PATH,
  TASK,
  TOKEN,
  errorBody,
  fast,
  fixture,
  one,
  pageRank,
  rowsBody,
  useWorkflowHarness,
} from './harness.js';

const { make, failure } = useWorkflowHarness();

describe('failures', () => {
  it('HTTP 503 (no envelope), then code 50004000 on HTTP 500, then fine: both retried as transient', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(503, '<html>busy</html>', { 'Content-Type': 'text/html' })
      .get(JOB_PATH)
      .reply(500, errorBody(50004000, 'ErrInternalServer'))
      .get(JOB_PATH)
      .reply(200, one(3));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true);
  });

  it('code 50004000 on HTTP 200 is transient; 50004003, 40004001 and 90004000 are not', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const cases = [
      [50004000, true],
      [50004002, true],
      [50004003, false],
      [40004000, false],
      [40004001, false],
      [90004000, false],
    ] as const;
    for (const [code, transient] of cases) {
      nock(BASE).get(JOB_PATH).reply(200, errorBody(code, 'Err'));
      const error = await failure(wf.getJob(JOB));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerCode: String(code), transient, httpStatus: 200 });
    }
  });

  it('code 40004001 during a wait: ProviderError at once, no retry', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get(JOB_PATH).reply(400, errorBody(40004001, 'ErrParam'));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '40004001', httpStatus: 400, transient: false });
    expect(scope.isDone()).toBe(true);
  });

  it('HTTP 404 without an envelope (wrong base URL): HttpError, not TaskNotFoundError', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    nock(BASE).get(JOB_PATH).reply(404, 'not found', { 'Content-Type': 'text/plain' });
    const error = await failure(wf.getJob(JOB));
    expect(error).toBeInstanceOf(HttpError);
  });

  it('malformed bodies: not JSON, no code, a status of the wrong type → ResponseValidationError', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const bad: [string | object, Record<string, string>][] = [
      ['{"code": 0, "data": {', { 'Content-Type': 'application/json' }],
      ['<html>ok</html>', { 'Content-Type': 'text/html' }],
      [{ data: one(1).data }, {}],
      [{ code: 0, data: { ...one(1).data, status: null } }, {}],
      [{ code: 0, data: { ...one(1).data, createTime: 'yesterday' } }, {}],
    ];
    for (const [body, headers] of bad) {
      // Not JSON at all (the first two) is transient: 1 + 4 default retries; the others end at once.
      const scope = nock(BASE)
        .get(JOB_PATH)
        .times(typeof body === 'string' ? 5 : 1)
        .reply(200, body, headers);
      const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect(scope.isDone()).toBe(true);
    }
  });

  it('a row that fails rowSchema → ResponseValidationError naming the row index', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: pageRank });
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, one(2))
      .get(SAMPLE_PATH)
      .query(true)
      .reply(200, rowsBody([['player110', '0.15'], ['team219', '0.45'], ['player121']]));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('row 2 does not match rowSchema');
    expect((error as ResponseValidationError).issues[0]?.path.slice(0, 3)).toEqual(['data', 'items', 2]);
    expect(scope.isDone()).toBe(true);
  });

  it('cancelOnAbort: abort mid-wait → PUT /jobs/{id}/cancel as a form request; TaskAbortedError with remoteCancel ok', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const controller = new AbortController();
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, one(1))
      .put(`${JOB_PATH}/cancel`)
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('success.json'));
    const wait = waitForTask(
      wf,
      { jobId: JOB, taskId: TASK },
      {
        ...fast,
        cancelOnAbort: true,
        onProgress: () => controller.abort(new Error('shutting down')),
        signal: controller.signal,
      },
    );
    const error = await failure(wait);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).remoteCancel).toEqual({ ok: true });
    expect(scope.isDone()).toBe(true);
  });

  it('cancel answering data.success false → ProviderError', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .put(`${JOB_PATH}/cancel`)
      .reply(200, { code: 0, data: { success: false }, message: 'Success' });
    const error = await failure(wf.cancelJob(JOB));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('not cancelled');
    expect(scope.isDone()).toBe(true);
  });

  it('runJob on a workflow that does not exist (40404000) → ProviderError, not TaskNotFoundError', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    nock(BASE).post('/api-open/v1/workflows/1/jobs').reply(200, errorBody(40404000, 'ErrNotFound'));
    const error = await failure(wf.runJob(1));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('workflow not found');
  });
});
