/**
 * What the adapter reads in an answer (src/providers/dgc/schemas.ts): the state of each status word,
 * and the bodies it refuses.
 */
import { describe, expect, it } from 'vitest';
import { ResponseValidationError, waitForTask } from '../../../src/index.js';
import { dgcTaskState } from '../../../src/providers/dgc/index.js';
import { PROJECT, STATUS_PATH, TASK, api, useDgcAdapters } from './harness.js';

const { make, settle, failure } = useDgcAdapters();

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

describe('dgc.systemTask: malformed answers', () => {
  it.each([
    // Not JSON at all: transient, so 1 + 4 default retries; JSON of the wrong shape: one request.
    ['a body that is not JSON', 'not json at all {', { 'Content-Type': 'application/json' }, 5],
    ['an HTML page with status 200', '<html>gateway</html>', { 'Content-Type': 'text/html' }, 5],
    ['an empty body', '', {}, 5],
    ['JSON without status', JSON.stringify({ id: TASK, name: 'x' }), { 'Content-Type': 'application/json' }, 1],
    [
      'a status that is not a string',
      JSON.stringify({ id: TASK, status: 3 }),
      { 'Content-Type': 'application/json' },
      1,
    ],
    [
      'a time that is not epoch ms',
      JSON.stringify({ id: TASK, status: 'RUNNING', startTime: '2019-01-01' }),
      { 'Content-Type': 'application/json' },
      1,
    ],
    [
      'subtasks that are not a list',
      JSON.stringify({ id: TASK, status: 'RUNNING', subtasks: {} }),
      { 'Content-Type': 'application/json' },
      1,
    ],
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
