/**
 * The error answers of DLF and the API Gateway, each read as its taskpoll error
 * (src/providers/dgc/errors.ts).
 */
import { describe, expect, it } from 'vitest';
import { AuthenticationError, ProviderError, TaskNotFoundError, waitForTask } from '../../../src/index.js';
import { PROJECT, STATUS_PATH, TASK, api, fastRetry, fixture, successful, useDgcAdapters } from './harness.js';

const { make, settle, failure } = useDgcAdapters();

describe('dgc.systemTask: error answers', () => {
  it('DLF.0810 (the published error body, HTTP 400) → TaskNotFoundError after one request', async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .once()
      .reply(400, fixture('seed-002-error-DLF.0810.txt'), { 'Content-Type': 'application/json' });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ provider: 'dgc.systemTask', taskId: TASK, transient: false });
    expect((error as Error).message).toContain('DLF.0810: Task does not exist');
    expect(scope.isDone()).toBe(true);
  });

  it("DLF.20810 (the T-Systems docs' code) → TaskNotFoundError after one request", async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .once()
      .reply(400, { error_code: 'DLF.20810', error_msg: `Task[${TASK}] does not exist` });
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
    const scope = api()
      .get(STATUS_PATH)
      .once()
      .reply(httpStatus, { error_code: code, error_msg: 'Incorrect IAM authentication information: token expired' });
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
      .reply(() => {
        at.push(Date.now());
        return [
          429,
          { error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' },
          { 'Retry-After': '3' },
        ];
      })
      .get(STATUS_PATH)
      .reply(() => {
        at.push(Date.now());
        return [200, successful];
      });
    const done = await settle(waitForTask(dgc, TASK, fastRetry));
    expect(done.state).toBe('succeeded');
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(3000);
    expect(scope.isDone()).toBe(true);
  });

  it("APIG.0308 without Retry-After → a transient ProviderError, retried on the poller's schedule → SUCCESSFUL", async () => {
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
    api()
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(200, { error_code: 'DLF.0815', error_msg: 'Fail to read OBS file.' });
    const error = await failure(dgc.importJobs({ path: 'obs://b/j.zip' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'DLF.0815', httpStatus: 200 });
  });
});
