/**
 * Whole waits for one task of a job, status code by status code (0 Preparing to 2 Success, 3 Failed,
 * 4 Interrupted, 5 Stopping, a code the docs do not list), and how the watched task reads in its job.
 */
import nock from 'nock';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  TaskFailedError,
  TaskNotFoundError,
  pollTask,
  waitForTask,
  type TaskState,
  type TaskStatus,
} from '../../../src/index.js';
import type { WorkflowResult } from '../../../src/providers/workflow/index.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  SAMPLE_PATH,
  TASK,
  TOKEN,
  errorBody,
  fast,
  fixture,
  jobBody,
  one,
  pageRank,
  rowsBody,
  useWorkflowHarness,
} from './harness.js';

const { make, settle, failure } = useWorkflowHarness();

describe('workflow.task conversations', () => {
  it('runJob → getJob → 0 Preparing → 1 Running → 2 Success: typed PageRank rows via waitForTask', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: pageRank });
    const polls: number[] = [];
    const jobStatuses = [one(0, 0), one(1, 1), one(2, 2)];
    const scope = nock(BASE)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .post('/api-open/v1/workflows/4216617528/jobs', { input: { query_1: { name: 'Tim Duncan' } } })
      .matchHeader('content-type', 'application/json')
      .reply(200, fixture('run-job-107.json'), { 'Content-Type': 'application/json' })
      .get('/api-open/v1/jobs/107')
      .reply(200, { ...one(0, 0), data: { ...one(0, 0).data, id: 107 } })
      .get('/api-open/v1/jobs/107')
      .times(3)
      .reply(() => {
        polls.push(Date.now());
        const body = jobStatuses.shift()!;
        return [200, { ...body, data: { ...body.data, id: 107 } }];
      })
      .get(`/api-open/v1/jobs/107/tasks/${TASK}/sample_result`)
      .query({ limit: '1000' })
      .reply(
        200,
        rowsBody([
          ['player110', '0.150000'],
          ['team219', '0.452126'],
        ]),
      );

    const jobId = await settle(wf.runJob(4216617528, { query_1: { name: 'Tim Duncan' } }));
    expect(jobId).toBe('107');
    const job = await settle(wf.getJob(jobId));
    const task = job.tasks.find((t) => t.name === 'PageRank')!;
    expect(task).toMatchObject({ id: TASK, status: 0, state: 'queued' });
    expect(task.startedAt).toBeUndefined(); // Go's zero time is "unset"

    const done = await settle(waitForTask(wf, { jobId, taskId: task.id }, fast));
    if (done.state !== 'succeeded') throw new Error('expected succeeded');
    // No casts: the row type comes from rowSchema.
    expectTypeOf(done.result.rows).toEqualTypeOf<[string, number][]>();
    expectTypeOf(done.result).toEqualTypeOf<WorkflowResult<[string, number]>>();
    expect(done.result.rows).toEqual([
      ['player110', 0.15],
      ['team219', 0.452126],
    ]);
    expect(done).toMatchObject({ provider: 'workflow.task', taskId: TASK, providerState: '2', terminal: true });
    expect(done.startedAt?.toISOString()).toBe('2022-07-15T09:33:35.000Z');
    expect(done.finishedAt?.toISOString()).toBe('2022-07-15T09:36:56.000Z');
    expect(done.createdAt?.getTime()).toBe(1657877612505);
    expect(done.subtasks).toEqual([
      expect.objectContaining({ id: TASK, name: 'PageRank', state: 'succeeded', providerState: '2' }),
    ]);
    expect(polls).toHaveLength(3);
    expect(polls[1]! - polls[0]!).toBeGreaterThanOrEqual(1000);
    expect(polls[2]! - polls[1]!).toBeGreaterThanOrEqual(1000);
    expect(scope.isDone()).toBe(true);
  });

  it('0 → 3 Failed: TaskFailedError with the failed status as data', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get(JOB_PATH).reply(200, one(1, 0)).get(JOB_PATH).reply(200, one(3, 3));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status;
    expect(status).toMatchObject({ state: 'failed', providerState: '3', terminal: true });
    expect(status.result).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 4 Interrupted: TaskFailedError with the cancelled state', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get(JOB_PATH).reply(200, one(1)).get(JOB_PATH).reply(200, one(4));
    const error = await failure(waitForTask(wf, { jobId: String(JOB), taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({ state: 'cancelled', providerState: '4' });
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 5 Stopping → 4 Interrupted: pollTask sees running, cancelling, cancelled', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, one(1))
      .get(JOB_PATH)
      .reply(200, one(5))
      .get(JOB_PATH)
      .reply(200, one(4));
    const seen: [TaskState, string][] = [];
    const collect = async () => {
      for await (const status of pollTask(wf, { jobId: JOB, taskId: TASK }, fast))
        seen.push([status.state, status.providerState]);
    };
    await settle(collect());
    expect(seen).toEqual([
      ['running', '1'],
      ['cancelling', '5'],
      ['cancelled', '4'],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 7 (a code the docs do not list) → 2: unknown, not terminal, providerState verbatim', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, one(1))
      .get(JOB_PATH)
      .reply(200, one(1, 7))
      .get(JOB_PATH)
      .reply(200, one(2))
      .get(SAMPLE_PATH)
      .query(true)
      .reply(200, rowsBody([['a', 'b']]));
    const seen: TaskStatus[] = [];
    const value = await settle(
      waitForTask(wf, { jobId: JOB, taskId: TASK }, { ...fast, onProgress: (s) => void seen.push(s) }),
    );
    expect(seen[1]).toMatchObject({ state: 'unknown', providerState: '7', terminal: false });
    expect(value.result).toEqual({ rows: [['a', 'b']] });
    expect(scope.isDone()).toBe(true);
  });

  it('job lists other tasks only → TaskNotFoundError at once (one request, no retry)', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, jobBody(1, [{ id: 'f93dea90fc3a11ecac7e6da0662c195b', name: 'BFS', status: 1 }]));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).taskId).toBe(TASK);
    expect((error as Error).message).toContain(`job ${JOB} has no task ${TASK}`);
    expect(scope.isDone()).toBe(true);
  });

  it('job answers code 40404000 (on HTTP 200, and on HTTP 404) → TaskNotFoundError, not retried', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    for (const http of [200, 404]) {
      const scope = nock(BASE).get(JOB_PATH).reply(http, errorBody(40404000, 'ErrNotFound'));
      const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect((error as Error).message).toContain('40404000');
      expect(scope.isDone()).toBe(true);
    }
  });

  it('job is still preparing with tasks null → queued, then its tasks appear', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const preparing = one(0);
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, { ...preparing, data: { ...preparing.data, tasks: null } })
      .get(JOB_PATH)
      .reply(200, one(3, 3));
    const seen: TaskStatus[] = [];
    const error = await failure(
      waitForTask(wf, { jobId: JOB, taskId: TASK }, { ...fast, onProgress: (s) => void seen.push(s) }),
    );
    expect(seen[0]).toMatchObject({ state: 'queued', providerState: '0', message: 'the job lists no tasks yet' });
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true);
  });

  it('job ended 3 Failed while the task is still 0 Preparing → failed (it will never run), providerState "0"', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const body = jobBody(3, [
      { id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'query_1', status: 3 },
      { name: 'PageRank', status: 0 },
    ]);
    const scope = nock(BASE).get(JOB_PATH).reply(200, body);
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    const status = (error as TaskFailedError).status;
    expect(status).toMatchObject({
      state: 'failed',
      providerState: '0',
      message: 'the job ended Failed (3) before this task ran',
    });
    expect(status.subtasks?.map((s) => [s.name, s.state])).toEqual([
      ['query_1', 'failed'],
      ['PageRank', 'queued'],
    ]);
    expect(scope.isDone()).toBe(true);
  });
});
