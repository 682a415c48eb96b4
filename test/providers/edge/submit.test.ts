// submit: the create route, its answers and errors.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { HttpError, ProviderError, ResponseValidationError } from '../../../src/index.js';
import { ID, TASK_PATH, envelopeError, fixture, fixtureText } from './mef.js';
import { BASE, useMefNock } from './nock-setup.js';

const { make, settle, failure } = useMefNock();

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
    const value = await settle(edge.submit({ edgeNodes: [2, 4294967295] }));
    expect(value).toBe(ID);
    expect(sent).toEqual({ module: 'edgeNode', edgeNodes: [2, 4294967295] });
    scope.done();
  });

  it('accepts 100 nodes', async () => {
    const edge = make();
    const nodes = Array.from({ length: 100 }, (_, i) => i + 1);
    const scope = nock(BASE)
      .post(TASK_PATH, { module: 'edgeNode', edgeNodes: nodes })
      .reply(200, fixture('submit-ok.json'));
    expect(await settle(edge.submit({ edgeNodes: nodes }))).toBe(ID);
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
    const error = await failure(edge.submit({ edgeNodes: [7] }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: code, httpStatus: 400, transient: false, provider: 'edge.logDump' });
    expect((error as Error).message).toBe(`edge.logDump: POST ${TASK_PATH} answered HTTP 400, code ${code}: ${msg}`);
    scope.done();
  });

  it('HTTP 429 → a transient HttpError with Retry-After, not retried by submit itself', async () => {
    const edge = make();
    const scope = nock(BASE).post(TASK_PATH).reply(429, '<html>429 Too Many Requests</html>', { 'retry-after': '1' });
    const error = await failure(edge.submit({ edgeNodes: [2] }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 429, transient: true, retryAfterMs: 1000 });
    scope.done();
  });

  it('an answer without a valid task id → ResponseValidationError', async () => {
    const edge = make();
    const scope = nock(BASE)
      .post(TASK_PATH)
      .reply(200, { status: '00000000', msg: 'success', data: { taskId: 'job-1' } });
    const error = await failure(edge.submit({ edgeNodes: [2] }));
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
