/**
 * The example answers of "Querying a System Task"
 * (https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0096.html), fed
 * through the adapter byte for byte as published (test/fixtures/dgc).
 */
import { describe, expect, it } from 'vitest';
import { ResponseValidationError } from '../../../src/index.js';
import type { DgcSystemTasks } from '../../../src/providers/dgc/index.js';
import { PROJECT, TASK, api, fixture, useDgcAdapters } from './harness.js';

const { make, settle, failure } = useDgcAdapters();

describe('dgc.systemTask: the published system-task examples, verbatim', () => {
  const getOnce = async (dgc: DgcSystemTasks, taskId: string, text: string) => {
    const scope = api()
      .get(`/v1/${PROJECT}/system-tasks/${taskId}`)
      .reply(200, text, { 'Content-Type': 'application/json' });
    try {
      return await settle(dgc.getStatus(taskId, { signal: new AbortController().signal }));
    } finally {
      expect(scope.isDone()).toBe(true);
    }
  };

  it('example 1 verbatim (a stray extra "{") is rejected as malformed JSON; its evident intent parses', async () => {
    const dgc = make();
    const verbatim = fixture('seed-002-example-1.txt');
    expect(verbatim).toMatch(/^\s*\{\s*\n\s*\{/);
    const error = await failure(getOnce(dgc, TASK, verbatim));
    expect(error).toBeInstanceOf(ResponseValidationError);

    // The document's evident intent: the same text with the stray second "{" (its second line) removed.
    const lines = verbatim.split('\n');
    expect(lines[1]?.trim()).toBe('{');
    const intended = [lines[0], ...lines.slice(2)].join('\n');
    const status = await getOnce(dgc, TASK, intended);
    expect(status).toMatchObject({
      state: 'succeeded',
      providerState: 'SUCCESSFUL',
      startedAt: new Date(1543457499000),
      finishedAt: new Date(1543457514000),
      updatedAt: new Date(1543457514000),
      progress: 100,
    });
    expect(status.result).toEqual({
      name: '从OBS路径[obs://aaaaa/traffic.zip]导入解决方案。',
      subtasks: [
        {
          id: '008aae2e675d3bcb01675d3c9f5f0002',
          name: '导入作业[job_batch]。',
          state: 'succeeded',
          providerState: 'SUCCESSFUL',
          updatedAt: new Date(1543457513000),
        },
        {
          id: '008aae2e675d3bcb01675d3c9fdc0003',
          name: '导入作业[job_stream]。',
          state: 'succeeded',
          providerState: 'SUCCESSFUL',
          updatedAt: new Date(1543457513000),
        },
      ],
    });
  });

  // Examples 2 to 4 write the request path as /systemTasks/; the URI format (/system-tasks/) is authoritative.
  it('example 2: FAILED, with the message and an empty subtask list', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d3e6b960004', fixture('seed-002-example-2.txt'));
    expect(status).toMatchObject({
      state: 'failed',
      terminal: true,
      providerState: 'FAILED',
      message: '读取OBS文件[obs://aaaaa/traffic2.zip]失败。',
      startedAt: new Date(1543457631000),
      finishedAt: new Date(1543457631000),
      subtasks: [],
    });
    expect(status).not.toHaveProperty('result');
  });

  it('example 3: FAILED with one failed subtask', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d40ab3f0005', fixture('seed-002-example-3.txt'));
    expect(status).toMatchObject({ state: 'failed', providerState: 'FAILED', finishedAt: new Date(1543457794000) });
    expect(status).not.toHaveProperty('message');
    expect(status.subtasks).toEqual([
      {
        id: '008aae2e675d3bcb01675d40e8560006',
        name: '启动作业[job_batch]',
        state: 'failed',
        providerState: 'FAILED',
        updatedAt: new Date(1543457794000),
      },
    ]);
  });

  it('example 4: SUCCESSFUL with one subtask (the document requests another id than it answers; the body is used as is)', async () => {
    const status = await getOnce(make(), '008aae2e675d3bcb01675d40ab3f0005', fixture('seed-002-example-4.txt'));
    expect(status).toMatchObject({
      state: 'succeeded',
      startedAt: new Date(1544777081000),
      finishedAt: new Date(1544777083000),
    });
    expect(status.result).toEqual({
      name: '从路径[obs://aaaaa/job_batch.zip]导入作业。',
      subtasks: [
        {
          id: '008aae2e67abe2ff0167abe3a7e70002',
          name: '导入作业[job_batch]。',
          state: 'succeeded',
          providerState: 'SUCCESSFUL',
          updatedAt: new Date(1544777083000),
        },
      ],
    });
  });
});
