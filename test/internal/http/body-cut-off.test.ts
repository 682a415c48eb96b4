/**
 * A 2xx answer whose body does not come through as JSON (cut off mid-JSON, a proxy's page), or an
 * error answer whose JSON envelope is cut off, is a transport glitch: the poll retries it within its
 * retry budget. A JSON body of the wrong shape is the
 * provider's real answer and still ends the wait at once. Through the public API: a provider factory
 * and `waitForTask` over nock, in fake time. (Every provider against the simulator:
 * test/reliability/cut-off-bodies.test.ts.)
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import {
  HttpError,
  ResponseValidationError,
  TaskNotFoundError,
  waitForTask,
  type TaskPollError,
} from '../../../src/index.js';
import { dgcSystemTasks, type DgcSystemTasks } from '../../../src/providers/dgc/index.js';
import { nockClock } from '../../helpers/nock-clock.js';
import { useNockHarness } from '../../helpers/nock-harness.js';

const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const HOST = 'https://dayu-dlf.cn-north-4.myhuaweicloud.com';
const TASK = '008aae2e675d3bcb01675d3c66f20000';
const STATUS_PATH = `/v1/${PROJECT}/system-tasks/${TASK}`;
const JSON_TYPE = { 'Content-Type': 'application/json;charset=UTF-8' };
const SUCCESSFUL = {
  id: TASK,
  name: 'Import',
  status: 'SUCCESSFUL',
  startTime: 1543457499000,
  endTime: 1543457514000,
  lastUpdate: 1543457514000,
  subtasks: [],
};
/** The same answer, cut in the middle of a string (as a proxy or a reset mid-body leaves it). */
const CUT = JSON.stringify(SUCCESSFUL).slice(0, 40);
const OPTIONS = { initialDelayMs: 1000, jitter: 0, retry: { retries: 3, minDelayMs: 100, maxDelayMs: 100 } } as const;

const clock = nockClock();
const harness = useNockHarness(new Date('2024-05-01T00:00:00Z'), () => clock.reset());

function make(): DgcSystemTasks {
  return harness.track(
    dgcSystemTasks({
      region: 'cn-north-4',
      projectId: PROJECT,
      auth: { token: 'MIIEXAMPLE-token' },
      pacing: false,
      axios: clock.axios(),
    }),
  );
}

describe('a 2xx body that is not JSON is retried as a transient failure (nock, dgc)', () => {
  it('cut off mid-JSON, then the full answer: the poll retries and the wait succeeds', async () => {
    const scope = nock(HOST)
      .get(STATUS_PATH)
      .reply(200, CUT, JSON_TYPE)
      .get(STATUS_PATH)
      .reply(200, SUCCESSFUL, JSON_TYPE);
    const done = await clock.settle(waitForTask(make(), TASK, OPTIONS));
    expect(done).toMatchObject({ state: 'succeeded', providerState: 'SUCCESSFUL' });
    expect(scope.isDone()).toBe(true);
  });

  it('an HTML page on a 200 (a proxy), then the answer: retried, the wait succeeds', async () => {
    const scope = nock(HOST)
      .get(STATUS_PATH)
      .reply(200, '<html><body>Please wait…</body></html>', { 'Content-Type': 'text/html' })
      .get(STATUS_PATH)
      .reply(200, SUCCESSFUL, JSON_TYPE);
    const done = await clock.settle(waitForTask(make(), TASK, OPTIONS));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
  });

  it('retry: false → the first cut-off body ends the wait: a transient ResponseValidationError that says so', async () => {
    const scope = nock(HOST).get(STATUS_PATH).reply(200, CUT, JSON_TYPE);
    const later = nock(HOST).get(STATUS_PATH).reply(200, SUCCESSFUL, JSON_TYPE);
    const error = (await clock.failure(
      waitForTask(make(), TASK, { ...OPTIONS, retry: false }),
    )) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({
      code: 'RESPONSE_VALIDATION_FAILED',
      transient: true,
      httpStatus: 200,
      provider: 'dgc.systemTask',
      taskId: TASK,
    });
    expect(error.message).toContain('answered with malformed JSON (cut off?)');
    expect(error.issues).toEqual([{ path: [], message: 'body is not valid JSON' }]);
    expect(scope.isDone()).toBe(true);
    expect(later.isDone()).toBe(false);
  });

  it('cut off on every try → after retry.retries the wait ends with that ResponseValidationError, no more requests', async () => {
    const scope = nock(HOST).get(STATUS_PATH).times(3).reply(200, CUT, JSON_TYPE);
    const later = nock(HOST).get(STATUS_PATH).reply(200, SUCCESSFUL, JSON_TYPE);
    const error = (await clock.failure(
      waitForTask(make(), TASK, { ...OPTIONS, retry: { retries: 2, minDelayMs: 100, maxDelayMs: 100 } }),
    )) as TaskPollError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ transient: true, httpStatus: 200 });
    expect(error.message).toMatch(/malformed JSON \(cut off\?\)/);
    expect(scope.isDone()).toBe(true);
    expect(later.isDone()).toBe(false);
  });

  it('an error answer whose JSON envelope is cut off (400), then the intact one: retried, ends in TaskNotFoundError', async () => {
    const notFound = JSON.stringify({ error_code: 'DLF.0810', error_msg: 'The queried task does not exist' });
    const scope = nock(HOST)
      .get(STATUS_PATH)
      .reply(400, notFound.slice(0, 20), JSON_TYPE)
      .get(STATUS_PATH)
      .reply(400, notFound, JSON_TYPE);
    const error = await clock.failure(waitForTask(make(), TASK, OPTIONS));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(scope.isDone()).toBe(true);
  });

  it('a 401 whose envelope is cut off is not read as "credentials refused": retried, the wait succeeds', async () => {
    const refused = JSON.stringify({ error_code: 'APIG.0307', error_msg: 'The token must be updated.' });
    const scope = nock(HOST)
      .get(STATUS_PATH)
      .reply(401, refused.slice(0, 25), JSON_TYPE)
      .get(STATUS_PATH)
      .reply(200, SUCCESSFUL, JSON_TYPE);
    const done = await clock.settle(waitForTask(make(), TASK, OPTIONS));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
  });

  it('with retry: false the cut-off envelope ends the wait: transient ResponseValidationError naming the status', async () => {
    nock(HOST).get(STATUS_PATH).reply(401, '{"error_code":"APIG.03', JSON_TYPE);
    const error = (await clock.failure(
      waitForTask(make(), TASK, { ...OPTIONS, retry: false }),
    )) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ transient: true, httpStatus: 401 });
    expect(error.message).toContain('answered HTTP 401 with malformed JSON (cut off?)');
  });

  it('a 404 text page is no cut-off envelope: HttpError at once, not retried', async () => {
    const scope = nock(HOST).get(STATUS_PATH).reply(404, 'Not Found', { 'Content-Type': 'text/plain' });
    const later = nock(HOST).get(STATUS_PATH).reply(200, SUCCESSFUL, JSON_TYPE);
    const error = await clock.failure(waitForTask(make(), TASK, OPTIONS));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false });
    expect(scope.isDone()).toBe(true);
    expect(later.isDone()).toBe(false);
  });

  it('valid JSON of the wrong shape → ResponseValidationError at once, not transient, not retried', async () => {
    const scope = nock(HOST).get(STATUS_PATH).reply(200, { id: TASK, status: 3 }, JSON_TYPE);
    const later = nock(HOST).get(STATUS_PATH).reply(200, SUCCESSFUL, JSON_TYPE);
    const error = (await clock.failure(waitForTask(make(), TASK, OPTIONS))) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.transient).toBe(false);
    expect(error.issues[0]?.path).toEqual(['status']);
    expect(scope.isDone()).toBe(true);
    expect(later.isDone()).toBe(false);
  });
});
