// getStatus: the query route's answer read into a status (the state table, times, result, bad bodies).
import { describe, expect, it } from 'vitest';
import { ProviderError, ResponseValidationError } from '../../../src/index.js';
import { CREATED, ID, SEED_ID, envelopeError, fixture, fixtureText, task } from './mef.js';
import { query, signal, useMefNock } from './nock-setup.js';

const { make, settle, failure } = useMefNock();

describe('status', () => {
  it("parses the seed's example response verbatim (mefapiref_0043)", async () => {
    const edge = make();
    const scope = query(SEED_ID).reply(200, fixtureText('seed-query-succeed.json'), {
      'content-type': 'application/json',
    });
    const status = await settle(edge.getStatus(SEED_ID, { signal: signal() }));
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
  ] as const)(
    'state table: data.status %s → %s (terminal %s), the word kept verbatim',
    async (word, state, terminal) => {
      const edge = make();
      const scope = query().reply(200, task(word, { data: { fileName: 'edgeNodes.tar.gz' } }));
      const status = await settle(edge.getStatus(ID, { signal: signal() }));
      expect(status).toMatchObject({ state, terminal, providerState: word });
      expect('result' in (status as object)).toBe(state === 'succeeded' || state === 'partial');
      scope.done();
    },
  );

  it('null times are left out; an empty reason is no message; progress is kept', async () => {
    const edge = make();
    const scope = query().reply(200, fixture('query-waiting.json'));
    const status = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(status).toMatchObject({
      state: 'queued',
      providerState: 'waiting',
      progress: 0,
      createdAt: new Date(CREATED),
    });
    for (const key of ['startedAt', 'finishedAt', 'message', 'result'] as const) expect(status).not.toHaveProperty(key);
    scope.done();
  });

  it('a succeed answer without data.data names the fixed archive', async () => {
    const edge = make();
    const scope = query().reply(200, task('succeed', { progress: 100, data: null }));
    expect((await settle(edge.getStatus(ID, { signal: signal() }))).result).toEqual({ fileName: 'edgeNodes.tar.gz' });
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
    const error = await failure(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(path);
    scope.done();
  });

  it('an answer about another task → ResponseValidationError', async () => {
    const edge = make();
    const scope = query().reply(200, task('processing', { taskId: SEED_ID }));
    const error = await failure(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['data', 'taskId']);
    scope.done();
  });

  it('a 2xx answer whose envelope carries an error code → ProviderError', async () => {
    const edge = make();
    const scope = query().reply(200, envelopeError('00001002', 'get result failed'));
    const error = await failure(edge.getStatus(ID, { signal: signal() }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '00001002', httpStatus: 200, taskId: ID });
    scope.done();
  });
});
