// Whole waits through waitForTask, scripted with nock: MEF's error answers, nginx's pages and transient failures.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  HttpError,
  ProviderError,
  ResponseValidationError,
  TaskNotFoundError,
  waitForTask,
} from '../../../src/index.js';
import { ID, TASK_PATH, envelopeError, fixture, task } from './mef.js';
import { query, signal, useMefNock } from './nock-setup.js';

const { make, settle, failure } = useMefNock();

describe('edge.logDump conversations: error answers and transient failures', () => {
  it('unknown task: HTTP 400 40052002 "failed to find task" → TaskNotFoundError at once, one request', async () => {
    const edge = make();
    const scope = query().reply(400, fixture('query-not-found.json'));
    const error = await failure(waitForTask(edge, ID));
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
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '40052002', httpStatus: 400 });
    scope.done();
  });

  it('00001006 "invalid task Id" on the query (the TypeError should have prevented it) → ProviderError', async () => {
    const edge = make();
    const scope = query().reply(400, envelopeError('00001006', 'invalid task Id'));
    const error = await failure(waitForTask(edge, ID));
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
      .reply(
        429,
        () => {
          at.push(Date.now());
          return '<html><center><h1>429 Too Many Requests</h1></center></html>';
        },
        { 'retry-after': '2', 'content-type': 'text/html' },
      )
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, stamp(task('processing', { progress: 30 })))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, stamp(task('succeed', { progress: 100, data: { fileName: 'edgeNodes.tar.gz' } })));
    const done = await settle(waitForTask(edge, ID));
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
    const done = await settle(waitForTask(edge, ID));
    expect(done?.state).toBe('succeeded');
    scope.done();
  });

  it('5xx past the retry budget → HttpError, transient', async () => {
    const edge = make();
    const scope = query().times(3).reply(503, 'Service Unavailable');
    const error = await failure(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 503, transient: true });
    scope.done();
  });

  it('malformed JSON on 200 → retried (transient), then ResponseValidationError', async () => {
    const edge = make();
    const scope = query()
      .times(3)
      .reply(200, '{"status":"00000000","msg":"success","data":{', { 'content-type': 'application/json' });
    const error = await failure(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ transient: true });
    scope.done();
  });

  it('an HTML page on 200 → retried (transient), then ResponseValidationError (body is not JSON)', async () => {
    const edge = make();
    const scope = query().times(3).reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
    const error = await failure(waitForTask(edge, ID, { retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toMatch(/not JSON/);
    scope.done();
  });

  it('an envelope without data → ResponseValidationError', async () => {
    const edge = make();
    const scope = query().reply(200, { status: '00000000', msg: 'success' });
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['data']);
    scope.done();
  });

  it("nginx's 400 page for a missing client certificate → AuthenticationError, not retried", async () => {
    const edge = make();
    const page =
      '<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    const scope = query().reply(400, page, { 'content-type': 'text/html' });
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ httpStatus: 400, transient: false });
    expect((error as Error).message).toMatch(/did not accept the TLS client certificate/);
    scope.done();
  });

  it("nginx's 400 page for plain HTTP on the HTTPS port → HttpError that says so", async () => {
    const edge = make({ baseURL: 'http://mef.test:30035' });
    const page = '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>';
    const scope = nock('http://mef.test:30035')
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(400, page, { 'content-type': 'text/html' });
    const error = await failure(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toMatch(/speaks https, but baseURL uses http/);
    scope.done();
  });

  it('401 from the gateway → AuthenticationError', async () => {
    const edge = make();
    const scope = query().reply(401, '');
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(AuthenticationError);
    scope.done();
  });
});
