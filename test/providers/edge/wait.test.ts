// Whole waits through waitForTask, scripted with nock: how a task ends (succeeded, failed, partial, aborting).
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { TaskFailedError, waitForTask, type TaskStatus } from '../../../src/index.js';
import { CREATED, ID, TASK_PATH, fixture, task } from './mef.js';
import { BASE, query, useMefNock } from './nock-setup.js';

const { make, settle, failure } = useMefNock();

describe('edge.logDump conversations: how a task ends', () => {
  it('submit → waiting → processing(25) → processing(50) → succeed: typed result via waitForTask', async () => {
    const edge = make();
    const scope = nock(BASE)
      .post(TASK_PATH, { module: 'edgeNode', edgeNodes: [2, 3] })
      .reply(200, fixture('submit-ok.json'))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, fixture('query-waiting.json'))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('processing', { progress: 25, reason: 'receiving (1/2) files', startedAt: CREATED }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('processing', { progress: 50, reason: 'start to create tar gz', startedAt: CREATED }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(
        200,
        task('succeed', {
          progress: 100,
          reason: 'task succeeded',
          startedAt: CREATED,
          finishedAt: CREATED,
          data: { fileName: 'edgeNodes.tar.gz' },
        }),
      );

    const taskId = await settle(edge.submit({ edgeNodes: [2, 3] }));
    const seen: [string, number | undefined, string | undefined][] = [];
    const done = await settle(
      waitForTask(edge, taskId as string, {
        onProgress: (status) => {
          seen.push([status.state, status.progress, status.message]);
        },
      }),
    );
    expect(seen).toEqual([
      ['queued', 0, undefined],
      ['running', 25, 'receiving (1/2) files'],
      ['running', 50, 'start to create tar gz'],
      ['succeeded', 100, 'task succeeded'],
    ]);
    expect(done?.state).toBe('succeeded');
    const fileName: string | undefined = done?.result?.fileName;
    expect(fileName).toBe('edgeNodes.tar.gz');
    scope.done();
  });

  it('processing → failed: TaskFailedError with the reason and the last status', async () => {
    const edge = make();
    const reason = 'failed to dump log for following nodes:(2)timeout;(3)timeout;';
    const scope = query()
      .reply(200, task('processing', { progress: 10 }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('failed', { progress: 10, reason }));
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status as TaskStatus;
    expect(status).toMatchObject({ state: 'failed', providerState: 'failed', message: reason });
    expect(status).not.toHaveProperty('result');
    expect((error as Error).message).toBe(`Task ${ID} ended failed (failed): ${reason}`);
    scope.done();
  });

  it('processing → partiallyFailed: rejected by default (TaskFailedError, state partial)', async () => {
    const edge = make();
    const scope = query()
      .reply(200, task('processing', { progress: 40 }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, fixture('query-partially-failed.json'));
    const error = await failure(waitForTask(edge, ID));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({
      state: 'partial',
      providerState: 'partiallyFailed',
      progress: 50,
      message: 'failed to dump log for following nodes:(3)node is offline;',
      result: { fileName: 'edgeNodes.tar.gz' },
    });
    scope.done();
  });

  it('processing → partiallyFailed: accepted with acceptPartial, result included', async () => {
    const edge = make();
    const scope = query()
      .reply(200, task('processing'))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, fixture('query-partially-failed.json'));
    const done = await settle(waitForTask(edge, ID, { acceptPartial: true }));
    expect(done).toMatchObject({ state: 'partial', terminal: true, result: { fileName: 'edgeNodes.tar.gz' } });
    scope.done();
  });

  it('processing → aborting → failed (task timeout): cancelling is not terminal, the wait ends failed', async () => {
    const edge = make();
    const scope = query()
      .reply(200, task('processing', { progress: 20 }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('aborting', { progress: 20, reason: 'task execute timeout' }))
      .get(TASK_PATH)
      .query({ taskId: ID })
      .reply(200, task('failed', { progress: 20, reason: 'task execute timeout' }));
    const states: string[] = [];
    const error = await failure(
      waitForTask(edge, ID, {
        onProgress: (status) => {
          states.push(`${status.state}/${status.providerState}/${String(status.terminal)}`);
        },
      }),
    );
    expect(states).toEqual(['running/processing/false', 'cancelling/aborting/false', 'failed/failed/true']);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status.message).toBe('task execute timeout');
    scope.done();
  });
});
