/**
 * Whole conversations through the factory's adapter: an import, its system task polled to the end,
 * and what `waitForTask` and `pollTask` make of each ending.
 */
import { describe, expect, it } from 'vitest';
import { TaskFailedError, pollTask, waitForTask, type TaskStatus } from '../../../src/index.js';
import type { DgcTaskResult } from '../../../src/providers/dgc/index.js';
import { PROJECT, STATUS_PATH, TASK, api, running, successful, useDgcAdapters } from './harness.js';

const { make, settle, failure } = useDgcAdapters();

describe('dgc.systemTask: conversations', () => {
  it('importJobs → RUNNING → SUCCESSFUL: typed subtasks, end to end via waitForTask', async () => {
    const dgc = make();
    const importBody = {
      path: 'obs://aaaaa/job_batch.zip',
      params: { region: 'cn' },
      sameNamePolicy: 'OVERWRITE',
      jobsParam: [{ name: 'job_batch', params: { streamName: 'dis-AHTr' } }],
      executeUser: 'etl',
      targetStatus: 'SUBMITTED',
      approvers: [{ approverName: 'userName1' }],
    } as const;
    let sent: unknown;
    const scope = api()
      .post(`/v1/${PROJECT}/jobs/import`, (body) => {
        sent = body;
        return true;
      })
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(
        200,
        running([
          { id: 's1', name: 'Import job [job_batch].', status: 'RUNNING', lastUpdate: 1543457500000, taskId: TASK },
        ]),
      )
      .get(STATUS_PATH)
      // The Go SDK's spelling (subTasks) and its string-typed times.
      .reply(200, {
        id: TASK,
        name: 'Import the job from obs://aaaaa/job_batch.zip.',
        status: 'SUCCESSFUL',
        startTime: '1543457499000',
        endTime: '1543457514000',
        lastUpdate: '1543457514000',
        projectId: PROJECT,
        subTasks: [
          {
            id: 's1',
            name: 'Import job [job_batch].',
            status: 'SUCCESSFUL',
            startTime: '1543457500000',
            endTime: '1543457513000',
            lastUpdate: '1543457513000',
          },
          {
            id: 's2',
            name: 'Import job [job_stream].',
            status: 'SUCCESSFUL',
            lastUpdate: 1543457513000,
            message: 'ok',
          },
        ],
      });

    const taskId = await settle(
      dgc.importJobs({ ...importBody, jobsParam: [...importBody.jobsParam], approvers: [...importBody.approvers] }),
    );
    expect(taskId).toBe(TASK);
    expect(sent).toEqual(importBody);
    const seen: TaskStatus<DgcTaskResult>[] = [];
    const done = await settle(waitForTask(dgc, taskId, { onProgress: (s) => void seen.push(s) }));

    expect(seen.map((s) => [s.state, s.providerState, s.progress])).toEqual([
      ['running', 'RUNNING', undefined],
      ['succeeded', 'SUCCESSFUL', 100],
    ]);
    expect(seen[0]).toMatchObject({
      provider: 'dgc.systemTask',
      taskId: TASK,
      terminal: false,
      startedAt: new Date(1543457499000),
    });
    expect(seen[0]).not.toHaveProperty('finishedAt');
    expect(seen[0]!.subtasks).toEqual([
      {
        id: 's1',
        name: 'Import job [job_batch].',
        state: 'running',
        providerState: 'RUNNING',
        updatedAt: new Date(1543457500000),
      },
    ]);
    const subtasks = [
      {
        id: 's1',
        name: 'Import job [job_batch].',
        state: 'succeeded',
        providerState: 'SUCCESSFUL',
        startedAt: new Date(1543457500000),
        finishedAt: new Date(1543457513000),
        updatedAt: new Date(1543457513000),
      },
      {
        id: 's2',
        name: 'Import job [job_stream].',
        state: 'succeeded',
        providerState: 'SUCCESSFUL',
        updatedAt: new Date(1543457513000),
        message: 'ok',
      },
    ];
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ name: 'Import the job from obs://aaaaa/job_batch.zip.', subtasks });
    expect(done.subtasks).toEqual(subtasks);
    expect(done).toMatchObject({
      startedAt: new Date(1543457499000),
      finishedAt: new Date(1543457514000),
      updatedAt: new Date(1543457514000),
    });
    expect((done.raw as { projectId: string }).projectId).toBe(PROJECT);
    expect(scope.isDone()).toBe(true);
  });

  it('importConnections → taskId → FAILED with the message: TaskFailedError carries the status', async () => {
    const dgc = make();
    const input = {
      path: 'obs://00zyx/2019-07-02/DLF_All_DataConnections.zip',
      sameNamePolicy: 'OVERWRITE' as const,
      params: [
        { name: 'DWS', type: 'DWS', params: { clusterName: 'cluster1' } },
        { name: 'hive', connectionType: 'Hive' },
      ],
    };
    let sent: unknown;
    const scope = api()
      .post(`/v1/${PROJECT}/connections/import`, (body) => {
        sent = body;
        return true;
      })
      .reply(200, { taskId: '008aae2e675933c7016759418e870000' })
      .get(`/v1/${PROJECT}/system-tasks/008aae2e675933c7016759418e870000`)
      .reply(200, {
        id: '008aae2e675933c7016759418e870000',
        name: 'Import connections',
        status: 'FAILED',
        message: 'Fail to read OBS file.',
        startTime: 1543457631000,
        endTime: 1543457631000,
        lastUpdate: 1543457631000,
        subtasks: [{ id: 'c1', name: 'DWS', status: 'FAILED', lastUpdate: 1543457631000, message: 'no such cluster' }],
      });
    const taskId = await settle(dgc.importConnections(input));
    expect(sent).toEqual(input);
    const error = await failure(waitForTask(dgc, taskId));
    expect(error).toBeInstanceOf(TaskFailedError);
    const { status } = error as TaskFailedError<DgcTaskResult>;
    expect(status).toMatchObject({
      state: 'failed',
      providerState: 'FAILED',
      message: 'Fail to read OBS file.',
      terminal: true,
    });
    expect(status).not.toHaveProperty('result');
    expect(status).not.toHaveProperty('progress');
    expect(status.subtasks).toEqual([
      {
        id: 'c1',
        name: 'DWS',
        state: 'failed',
        providerState: 'FAILED',
        updatedAt: new Date(1543457631000),
        message: 'no such cluster',
      },
    ]);
    expect((error as Error).message).toContain('Fail to read OBS file.');
    expect(scope.isDone()).toBe(true);
  });

  it('RUNNING → WARNING: partial; TaskFailedError by default, resolved with the result under acceptPartial', async () => {
    const dgc = make();
    const warning = {
      ...successful,
      status: 'WARNING',
      message: 'some jobs were skipped',
      subtasks: [{ id: 's1', name: 'j', status: 'WARNING' }],
    };
    const scope = api()
      .get(STATUS_PATH)
      .reply(200, running())
      .get(STATUS_PATH)
      .reply(200, warning)
      .get(STATUS_PATH)
      .reply(200, warning);

    const rejected = await failure(waitForTask(dgc, TASK));
    expect(rejected).toBeInstanceOf(TaskFailedError);
    expect((rejected as TaskFailedError).status.state).toBe('partial');

    const accepted = await settle(waitForTask(dgc, TASK, { acceptPartial: true }));
    expect(accepted).toMatchObject({ state: 'partial', providerState: 'WARNING', message: 'some jobs were skipped' });
    expect(accepted).not.toHaveProperty('progress');
    expect(accepted.result).toEqual({
      name: 'Import',
      subtasks: [{ id: 's1', name: 'j', state: 'partial', providerState: 'WARNING' }],
    });
    expect(scope.isDone()).toBe(true);
  });

  it('RUNNING → an unknown word → SUCCESSFUL: unknown is not terminal and keeps the word verbatim', async () => {
    const dgc = make();
    const scope = api()
      .get(STATUS_PATH)
      .reply(200, running())
      .get(STATUS_PATH)
      .reply(200, { ...running(), status: 'WAITING_APPROVAL' })
      .get(STATUS_PATH)
      .reply(200, successful);
    const states: string[] = [];
    await settle(
      (async () => {
        for await (const status of pollTask(dgc, TASK))
          states.push(`${status.state}:${status.providerState}:${status.terminal}`);
      })(),
    );
    expect(states).toEqual(['running:RUNNING:false', 'unknown:WAITING_APPROVAL:false', 'succeeded:SUCCESSFUL:true']);
    expect(scope.isDone()).toBe(true);
  });

  it('importJobs honours its abort signal', async () => {
    const dgc = make();
    api().post(`/v1/${PROJECT}/jobs/import`).delay(60_000).reply(200, { taskId: TASK });
    const controller = new AbortController();
    const pending = dgc.importJobs({ path: 'obs://b/j.zip' }, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(settle(pending)).rejects.toThrow();
  });
});
