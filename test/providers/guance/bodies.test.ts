import { describe, expect, it } from 'vitest';
import { ResponseValidationError, waitForTask } from '../../../src/index.js';
import {
  FAST,
  JSON_TYPE,
  QUERY,
  SEND,
  SEND_OK,
  TASK_ID,
  api,
  clock,
  everyPoll,
  make,
  statusBody,
  useGuanceNock,
} from './harness.js';

useGuanceNock();

describe('malformed bodies: ResponseValidationError', () => {
  const cases: [string, string | Record<string, unknown>, string][] = [
    ['taskStatus missing', { ...statusBody('ok'), content: { data: [], docCount: 0 } }, 'content.taskStatus'],
    ['content null on success', { ...statusBody('ok'), content: null }, 'content'],
    ['success missing', (({ success: _s, ...rest }) => rest)(statusBody('running')), 'success'],
    ['traceId an object', statusBody('running', { traceId: {} }), 'traceId'],
    [
      'ok without docids',
      { ...statusBody('ok'), content: { taskStatus: 'ok', docCount: 1, data: [{ count: 1, message: 'x' }] } },
      'content.data.0.docids',
    ],
    [
      'ok with data null',
      { ...statusBody('ok'), content: { taskStatus: 'ok', docCount: 1, data: null } },
      'content.data',
    ],
    [
      'ok with a negative count',
      {
        ...statusBody('ok'),
        content: { taskStatus: 'ok', docCount: 1, data: [{ count: -1, docids: [], message: '' }] },
      },
      'content.data.0.count',
    ],
    ['not JSON', '{"code":200,', ''],
  ];
  it.each(cases)('query_task → %s', async (_name, body, path) => {
    const polls = everyPoll(200, typeof body === 'string' ? body : JSON.stringify(body), JSON_TYPE);
    const error = await clock.failure(waitForTask(make(), TASK_ID, FAST));
    expect(error).toBeInstanceOf(ResponseValidationError);
    if (path !== '') expect((error as ResponseValidationError).issues.map((i) => i.path.join('.'))).toContain(path);
    // A body that is not JSON is transient: retried (4 retries by default) before it ends the wait.
    expect(polls()).toBe(path === '' ? 5 : 1);
  });

  it('query_task → extra fields are tolerated and kept in raw', async () => {
    api()
      .get(QUERY)
      .query(true)
      .reply(
        200,
        statusBody('running', { pageInfo: { count: 0 }, content: { taskStatus: 'running', data: null, extra: 1 } }),
      );
    const status = await make().getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(status.state).toBe('running');
    expect(status.raw).toMatchObject({ pageInfo: { count: 0 }, content: { extra: 1 } });
  });

  it('send_task → content without taskId: ResponseValidationError', async () => {
    api()
      .post(SEND)
      .reply(200, { ...JSON.parse(SEND_OK), content: {} });
    const error = await clock.failure(make().submit({ analysisField: 'message' }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['content', 'taskId']);
  });
});
