import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import {
  AuthenticationError,
  HttpError,
  ProviderError,
  ResponseValidationError,
  TaskAbortedError,
  TaskFailedError,
  TaskNotFoundError,
  pollTask,
  waitForTask,
  type TaskState,
  type TaskStatus,
} from '../../src/index.js';
import {
  encodeWorkflowLogin,
  workflowTaskState,
  workflowTasks,
  type WorkflowResult,
} from '../../src/providers/workflow/index.js';
import { useNockHarness } from '../helpers/nock-harness.js';

const BASE = 'http://explorer.test:7002';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1vbmU.sig1';
const TOKEN_2 = 'eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi10d28.sig2';
const PASSWORD = 'hunter2-secret';
const TASK = '8c171f70fb6f11ecac7e6da0662c195b';
const JOB = 29987;
const JOB_PATH = `/api-open/v1/jobs/${JOB}`;
const SAMPLE_PATH = `${JOB_PATH}/tasks/${TASK}/sample_result`;
const pageRank = z.tuple([z.string(), z.coerce.number()]);
const fast = { jitter: 0, initialDelayMs: 1000, maxDelayMs: 1000, retry: { minDelayMs: 100, maxDelayMs: 100 } } as const;

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/workflow/${name}`, import.meta.url), 'utf8');
const fixtureJson = (name: string): Record<string, unknown> => JSON.parse(fixture(name)) as Record<string, unknown>;

/** A job detail body in the shape of api-desc-job.md, with the given job and task status codes. */
function jobBody(jobStatus: number | string, tasks: { id?: string; name?: string; status: number | string }[]) {
  return {
    code: 0,
    data: {
      id: JOB,
      name: 'workflow_pagerank_20220715093300',
      workflowId: '4216617528',
      workflowName: 'workflow_pagerank',
      status: jobStatus,
      tasks: tasks.map((t, i) => ({
        id: t.id ?? TASK,
        name: t.name ?? `task_${i}`,
        runBeginTime: Number(t.status) >= 1 ? '2022-07-15T17:33:35+08:00' : '0001-01-01T00:00:00Z',
        runEndTime: Number(t.status) >= 2 ? '2022-07-15T17:36:56+08:00' : '',
        status: t.status,
      })),
      runBeginTime: 1657877615000,
      runEndTime: 0,
      createTime: 1657877612505,
    },
    message: 'Success',
  };
}
const one = (jobStatus: number | string, taskStatus: number | string = jobStatus) =>
  jobBody(jobStatus, [{ name: 'PageRank', status: taskStatus }]);
const rowsBody = (items: unknown) => ({ code: 0, data: { items }, message: 'Success' });
const errorBody = (code: number, message: string) => ({ code, message });

/** Runs `promise` to its end: real I/O turns for nock, fake time for the poller's sleeps. */
async function drive<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let settled = false;
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void outcome.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 5000 && !settled; i += 1) {
    for (let k = 0; k < 5 && !settled; k += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    if (!settled) await vi.advanceTimersByTimeAsync(10);
  }
  return outcome;
}

const harness = useNockHarness(new Date('2026-01-01T00:00:00Z'));
/** Keeps the adapter to close it after the test. */
function make<A extends { close(): void }>(adapter: A): A {
  harness.track(adapter);
  return adapter;
}



describe('workflow.task conversations', () => {
  it('runJob → getJob → 0 Preparing → 1 Running → 2 Success: typed PageRank rows via waitForTask', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN, rowSchema: pageRank }));
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
      .reply(200, rowsBody([['player110', '0.150000'], ['team219', '0.452126']]));

    const jobId = (await drive(wf.runJob(4216617528, { query_1: { name: 'Tim Duncan' } }))).value!;
    expect(jobId).toBe('107');
    const job = (await drive(wf.getJob(jobId))).value!;
    const task = job.tasks.find((t) => t.name === 'PageRank')!;
    expect(task).toMatchObject({ id: TASK, status: 0, state: 'queued' });
    expect(task.startedAt).toBeUndefined(); // Go's zero time is "unset"

    const { value: done, error } = await drive(waitForTask(wf, { jobId, taskId: task.id }, fast));
    expect(error).toBeUndefined();
    if (done?.state !== 'succeeded') throw new Error('expected succeeded');
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
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get(JOB_PATH).reply(200, one(1, 0)).get(JOB_PATH).reply(200, one(3, 3));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    const status = (error as TaskFailedError).status;
    expect(status).toMatchObject({ state: 'failed', providerState: '3', terminal: true });
    expect(status.result).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 4 Interrupted: TaskFailedError with the cancelled state', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get(JOB_PATH).reply(200, one(1)).get(JOB_PATH).reply(200, one(4));
    const { error } = await drive(waitForTask(wf, { jobId: String(JOB), taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({ state: 'cancelled', providerState: '4' });
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 5 Stopping → 4 Interrupted: pollTask sees running, cancelling, cancelled', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE)
      .get(JOB_PATH).reply(200, one(1))
      .get(JOB_PATH).reply(200, one(5))
      .get(JOB_PATH).reply(200, one(4));
    const seen: [TaskState, string][] = [];
    const collect = async () => {
      for await (const status of pollTask(wf, { jobId: JOB, taskId: TASK }, fast)) seen.push([status.state, status.providerState]);
    };
    const { error } = await drive(collect());
    expect(error).toBeUndefined();
    expect(seen).toEqual([
      ['running', '1'],
      ['cancelling', '5'],
      ['cancelled', '4'],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('1 → 7 (a code the docs do not list) → 2: unknown, not terminal, providerState verbatim', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE)
      .get(JOB_PATH).reply(200, one(1))
      .get(JOB_PATH).reply(200, one(1, 7))
      .get(JOB_PATH).reply(200, one(2))
      .get(SAMPLE_PATH).query(true).reply(200, rowsBody([['a', 'b']]));
    const seen: TaskStatus[] = [];
    const { value, error } = await drive(
      waitForTask(wf, { jobId: JOB, taskId: TASK }, { ...fast, onProgress: (s) => void seen.push(s) }),
    );
    expect(error).toBeUndefined();
    expect(seen[1]).toMatchObject({ state: 'unknown', providerState: '7', terminal: false });
    expect(value?.result).toEqual({ rows: [['a', 'b']] });
    expect(scope.isDone()).toBe(true);
  });

  it('job lists other tasks only → TaskNotFoundError at once (one request, no retry)', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, jobBody(1, [{ id: 'f93dea90fc3a11ecac7e6da0662c195b', name: 'BFS', status: 1 }]));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).taskId).toBe(TASK);
    expect((error as Error).message).toContain(`job ${JOB} has no task ${TASK}`);
    expect(scope.isDone()).toBe(true);
  });

  it('job answers code 40404000 (on HTTP 200, and on HTTP 404) → TaskNotFoundError, not retried', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    for (const http of [200, 404]) {
      const scope = nock(BASE).get(JOB_PATH).reply(http, errorBody(40404000, 'ErrNotFound'));
      const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect((error as Error).message).toContain('40404000');
      expect(scope.isDone()).toBe(true);
    }
  });

  it('job is still preparing with tasks null → queued, then its tasks appear', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const preparing = one(0);
    const scope = nock(BASE)
      .get(JOB_PATH).reply(200, { ...preparing, data: { ...preparing.data, tasks: null } })
      .get(JOB_PATH).reply(200, one(3, 3));
    const seen: TaskStatus[] = [];
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, { ...fast, onProgress: (s) => void seen.push(s) }));
    expect(seen[0]).toMatchObject({ state: 'queued', providerState: '0', message: 'the job lists no tasks yet' });
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true);
  });

  it('job ended 3 Failed while the task is still 0 Preparing → failed (it will never run), providerState "0"', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const body = jobBody(3, [
      { id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'query_1', status: 3 },
      { name: 'PageRank', status: 0 },
    ]);
    const scope = nock(BASE).get(JOB_PATH).reply(200, body);
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    const status = (error as TaskFailedError).status;
    expect(status).toMatchObject({ state: 'failed', providerState: '0', message: 'the job ended Failed (3) before this task ran' });
    expect(status.subtasks?.map((s) => [s.name, s.state])).toEqual([
      ['query_1', 'failed'],
      ['PageRank', 'queued'],
    ]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('seed 003 (sample_result example, api-desc-task.md)', () => {
  const seed = fixture('003_1aa28698ef14e35f.txt');

  /** The top-level JSON-ish objects of a text, by brace matching (strings respected). */
  function topLevelObjects(text: string): string[] {
    const out: string[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let escaped = false;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') {
        if (depth === 0) start = i;
        depth += 1;
      } else if (ch === '}') {
        depth -= 1;
        if (depth === 0) out.push(text.slice(start, i + 1));
      }
    }
    return out;
  }

  const example = /```http\n([\s\S]*?)\n```/.exec(seed)?.[1] ?? '';
  const [headersText, bodyText] = topLevelObjects(example);
  const headers = JSON.parse(headersText!) as Record<string, unknown>;
  const seedHeaders = { 'Content-Type': String(headers['Content-Type']), Traceparent: String(headers['Traceparent']) };

  it('the example is a block of HTTP headers, then the JSON body (the second object)', () => {
    expect(headers['Content-Type']).toBe('application/json');
    expect(bodyText).toMatch(/^\{\s*"code": 0,/);
    // The doc's curl example: the token goes in a cookie, the limit in the query.
    expect(seed).toContain('-H "Cookie: "explorer_token=eyJhbxxx""');
    expect(seed).toContain(`/api-open/v1/jobs/${JOB}/tasks/${TASK}/sample_result?limit=1000`);
  });

  it('verbatim, the body is not JSON (the doc elides rows with a "......" line): ResponseValidationError, not a crash', async () => {
    // The doc's own ellipsis makes the example invalid JSON: a strict parse rejects it...
    expect(bodyText).toContain('\n      ......\n');
    expect(() => JSON.parse(bodyText!)).toThrow(SyntaxError);
    // ...and so does the adapter, fed the verbatim text with the seed's headers.
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN, rowSchema: pageRank }));
    const scope = nock(BASE).get(SAMPLE_PATH).query({ limit: '1000' }).reply(200, bodyText, seedHeaders);
    const { error } = await drive(wf.sampleResult({ jobId: JOB, taskId: TASK }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('malformed JSON');
    expect(scope.isDone()).toBe(true);
  });

  it('with the ellipsis line removed, the body parses into typed [string, number] rows (PageRank) through waitForTask', async () => {
    // Only the doc's "......" line goes; every other byte of the example stays.
    const repaired = bodyText!.replace(/\n\s*\.{6}\s*(?=\n)/, '');
    expect(repaired.split('\n')).toHaveLength(bodyText!.split('\n').length - 1);
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN, rowSchema: pageRank }));
    const scope = nock(BASE)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .get(JOB_PATH).reply(200, one(2))
      .get(SAMPLE_PATH).query({ limit: '1000' }).reply(200, repaired, seedHeaders);
    const { value, error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeUndefined();
    if (value?.state !== 'succeeded') throw new Error('expected succeeded');
    const rows = value.result.rows;
    expectTypeOf(rows).toEqualTypeOf<[string, number][]>();
    expect(rows).toEqual([
      ['player110', 0.15],
      ['team219', 0.452126],
      ['player121', 0.262148],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('with the default rowSchema the same rows stay string[]', async () => {
    const repaired = bodyText!.replace(/\n\s*\.{6}\s*(?=\n)/, '');
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get(SAMPLE_PATH).query({ limit: '5' }).reply(200, repaired, seedHeaders);
    const { value } = await drive(wf.sampleResult({ jobId: JOB, taskId: TASK }, { limit: 5 }));
    expectTypeOf(value!).toEqualTypeOf<string[][]>();
    expect(value?.[0]).toEqual(['player110', '0.150000']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('the doc examples as fixtures', () => {
  it('api-desc-job.md: job 1964 with its BFS task (status 2): epoch-ms job times, ISO task times', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get('/api-open/v1/jobs/1964').reply(200, fixture('job-1964.json'));
    const { value: job } = await drive(wf.getJob(1964));
    expect(job).toEqual({
      id: '1964',
      name: 'workflow_xkkjf_20220712103332',
      workflowId: '3992429968',
      workflowName: 'workflow_xkkjf',
      status: 2,
      state: 'succeeded',
      createdAt: new Date(1657593212505),
      startedAt: new Date(1657593215000),
      finishedAt: new Date(1657593218000),
      tasks: [
        {
          id: 'f93dea90fc3a11ecac7e6da0662c195b',
          name: 'BFS',
          status: 2,
          state: 'succeeded',
          startedAt: new Date('2022-07-12T02:33:35Z'),
          finishedAt: new Date('2022-07-12T02:33:38Z'),
        },
      ],
    });
    expect(scope.isDone()).toBe(true);
  });

  it('api-post-jobs.md: data.id is a number (107) in the example, a string in the table: both give a string', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE)
      .post('/api-open/v1/workflows/4216617528/jobs', {})
      .reply(200, fixtureJson('run-job-107.json'))
      .post('/api-open/v1/workflows/4216617528/jobs', {})
      .reply(200, { code: 0, data: { id: '108' }, message: 'Success' });
    expect((await drive(wf.runJob('4216617528'))).value).toBe('107');
    expect((await drive(wf.runJob('4216617528'))).value).toBe('108');
    expect(scope.isDone()).toBe(true);
  });
});

describe('sessions', () => {
  const credentials = { username: 'root', password: PASSWORD, graphAddress: '192.168.8.111', graphPort: 9669 };
  const connect = (token: string) =>
    [200, fixture('success.json'), { 'Content-Type': 'application/json', 'Set-Cookie': `explorer_token=${token}; Path=/; Max-Age=259200; HttpOnly` }] as const;

  it('both Base64 encodings match the docs: ["root","123"] → WyJyb290IiwiMTIzIl0=, root:123 → cm9vdDoxMjM=', async () => {
    expect(encodeWorkflowLogin('root', '123')).toBe('WyJyb290IiwiMTIzIl0=');
    expect(encodeWorkflowLogin('root', '123', 'json-array')).toBe('WyJyb290IiwiMTIzIl0=');
    expect(encodeWorkflowLogin('root', '123', 'colon')).toBe('cm9vdDoxMjM=');
    for (const [encoding, bearer] of [
      [undefined, 'WyJyb290IiwiMTIzIl0='],
      ['colon', 'cm9vdDoxMjM='],
    ] as const) {
      const wf = make(
        workflowTasks({
          baseURL: BASE,
          credentials: { username: 'root', password: '123', graphAddress: '192.168.8.111', graphPort: 9669, ...(encoding ? { encoding } : {}) },
        }),
      );
      const scope = nock(BASE)
        .post('/api-open/v1/connect', { address: '192.168.8.111', port: 9669 })
        .matchHeader('authorization', `Bearer ${bearer}`)
        .matchHeader('content-type', 'application/json')
        .reply(...connect(TOKEN))
        .get('/api-open/v1/jobs/1964')
        .matchHeader('cookie', `explorer_token=${TOKEN}`)
        .reply(200, fixture('job-1964.json'));
      const { error } = await drive(wf.getJob(1964));
      expect(error).toBeUndefined();
      expect(scope.isDone()).toBe(true);
    }
  });

  it('credentials: connect → job answers 40104000 (token expired) → one re-login → job → success', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    const logins: string[] = [];
    const scope = nock(BASE)
      .post('/api-open/v1/connect').reply(() => (logins.push('1'), connect(TOKEN)))
      .get(JOB_PATH).matchHeader('cookie', `explorer_token=${TOKEN}`).reply(200, one(1))
      .get(JOB_PATH).matchHeader('cookie', `explorer_token=${TOKEN}`).reply(200, errorBody(40104000, 'ErrUnauthorized'))
      .post('/api-open/v1/connect').reply(() => (logins.push('2'), connect(TOKEN_2)))
      .get(JOB_PATH).matchHeader('cookie', `explorer_token=${TOKEN_2}`).reply(200, one(2))
      .get(SAMPLE_PATH).matchHeader('cookie', `explorer_token=${TOKEN_2}`).query(true).reply(200, rowsBody([['v', '1']]));
    const { value, error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeUndefined();
    expect(value?.result).toEqual({ rows: [['v', '1']] });
    expect(logins).toEqual(['1', '2']);
    expect(scope.isDone()).toBe(true);
  });

  it('credentials: 40104001 on HTTP 401, re-login, refused again → AuthenticationError (one re-login only)', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    const scope = nock(BASE)
      .post('/api-open/v1/connect').reply(...connect(TOKEN))
      .get(JOB_PATH).reply(401, errorBody(40104001, 'ErrSession'))
      .post('/api-open/v1/connect').reply(...connect(TOKEN_2))
      .get(JOB_PATH).reply(401, errorBody(40104001, 'ErrSession'));
    const { error } = await drive(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: '40104001', httpStatus: 401 });
    expect(scope.isDone()).toBe(true);
  });

  it('token mode: job answers 40104000 → AuthenticationError at once (no login possible, no retry)', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get(JOB_PATH).reply(200, errorBody(40104000, 'ErrUnauthorized'));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: '40104000', httpStatus: 200, taskId: TASK });
    expect((error as Error).message).toContain('session token was refused');
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('concurrent calls share one login in flight', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(async () => {
        await gate; // hold the login until all three callers wait on it
        return connect(TOKEN);
      })
      .get(JOB_PATH)
      .times(3)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, one(3));
    const all = Promise.allSettled([wf.getJob(JOB), wf.getJob(JOB), waitForTask(wf, { jobId: JOB, taskId: TASK }, fast)]);
    for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    release();
    const { value } = await drive(all);
    expect(value?.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((value?.[2] as PromiseRejectedResult).reason).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true); // one connect for three callers (a second would find no mock)
  });

  it('login answering without an explorer_token cookie → AuthenticationError', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    const scope = nock(BASE).post('/api-open/v1/connect').reply(200, fixture('success.json'), { 'Content-Type': 'application/json' });
    const { error } = await drive(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('without a usable explorer_token cookie');
    expect(scope.isDone()).toBe(true);
  });

  it('login Set-Cookie among other cookies, with Expires and a quoted value: the explorer_token is found', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(200, fixture('success.json'), {
        'Content-Type': 'application/json',
        'Set-Cookie': ['lang=en; Path=/', `explorer_token="${TOKEN}"; Expires=Thu, 14 Jul 2022 06:47:01 GMT; Path=/; HttpOnly`],
      })
      .get('/api-open/v1/jobs/1964')
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('job-1964.json'));
    expect((await drive(wf.getJob(1964))).error).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('tokenHeader: true also sends the token as an explorer_token header (the tables list it as a header)', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN, tokenHeader: true }));
    const scope = nock(BASE)
      .get('/api-open/v1/jobs/1964')
      .matchHeader('explorer_token', TOKEN)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('job-1964.json'));
    expect((await drive(wf.getJob(1964))).error).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('no credential in any error: login refused with a message that echoes the login it received', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, credentials }));
    const encoded = encodeWorkflowLogin('root', PASSWORD);
    // The password only ever leaves inside the Base64 login: that is what a server can echo, and it is masked.
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(400, errorBody(40004000, `ErrBadRequest: Authorization Bearer ${encoded} rejected`));
    const { error } = await drive(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    for (const text of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encoded);
    }
    expect((error as Error).message).toContain('[redacted]');
    expect(scope.isDone()).toBe(true);

    // Same for a token: neither it nor the cookie shows up.
    const tw = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    nock(BASE).get(JOB_PATH).reply(403, errorBody(40304000, `denied for ${TOKEN}`));
    const { error: denied } = await drive(tw.getJob(JOB));
    expect(denied).toBeInstanceOf(ProviderError);
    for (const text of [(denied as Error).message, JSON.stringify(denied), inspect(denied, { depth: 5 }), inspect(tw)]) {
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe('failures', () => {
  it('HTTP 503 (no envelope), then code 50004000 on HTTP 500, then fine: both retried as transient', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE)
      .get(JOB_PATH).reply(503, '<html>busy</html>', { 'Content-Type': 'text/html' })
      .get(JOB_PATH).reply(500, errorBody(50004000, 'ErrInternalServer'))
      .get(JOB_PATH).reply(200, one(3));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true);
  });

  it('code 50004000 on HTTP 200 is transient; 50004003, 40004001 and 90004000 are not', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const cases = [
      [50004000, true],
      [50004002, true],
      [50004003, false],
      [40004000, false],
      [40004001, false],
      [90004000, false],
    ] as const;
    for (const [code, transient] of cases) {
      nock(BASE).get(JOB_PATH).reply(200, errorBody(code, 'Err'));
      const { error } = await drive(wf.getJob(JOB));
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerCode: String(code), transient, httpStatus: 200 });
    }
  });

  it('code 40004001 during a wait: ProviderError at once, no retry', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).get(JOB_PATH).reply(400, errorBody(40004001, 'ErrParam'));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '40004001', httpStatus: 400, transient: false });
    expect(scope.isDone()).toBe(true);
  });

  it('HTTP 404 without an envelope (wrong base URL): HttpError, not TaskNotFoundError', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    nock(BASE).get(JOB_PATH).reply(404, 'not found', { 'Content-Type': 'text/plain' });
    const { error } = await drive(wf.getJob(JOB));
    expect(error).toBeInstanceOf(HttpError);
  });

  it('malformed bodies: not JSON, no code, a status of the wrong type → ResponseValidationError', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const bad: [string | object, Record<string, string>][] = [
      ['{"code": 0, "data": {', { 'Content-Type': 'application/json' }],
      ['<html>ok</html>', { 'Content-Type': 'text/html' }],
      [{ data: one(1).data }, {}],
      [{ code: 0, data: { ...one(1).data, status: null } }, {}],
      [{ code: 0, data: { ...one(1).data, createTime: 'yesterday' } }, {}],
    ];
    for (const [body, headers] of bad) {
      // Not JSON at all (the first two) is transient: 1 + 4 default retries; the others end at once.
      const scope = nock(BASE).get(JOB_PATH).times(typeof body === 'string' ? 5 : 1).reply(200, body, headers);
      const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect(scope.isDone()).toBe(true);
    }
  });

  it('a row that fails rowSchema → ResponseValidationError naming the row index', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN, rowSchema: pageRank }));
    const scope = nock(BASE)
      .get(JOB_PATH).reply(200, one(2))
      .get(SAMPLE_PATH).query(true)
      .reply(200, rowsBody([['player110', '0.15'], ['team219', '0.45'], ['player121']]));
    const { error } = await drive(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('row 2 does not match rowSchema');
    expect((error as ResponseValidationError).issues[0]?.path.slice(0, 3)).toEqual(['data', 'items', 2]);
    expect(scope.isDone()).toBe(true);
  });

  it('cancelOnAbort: abort mid-wait → PUT /jobs/{id}/cancel as a form request; TaskAbortedError with remoteCancel ok', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const controller = new AbortController();
    const scope = nock(BASE)
      .get(JOB_PATH).reply(200, one(1))
      .put(`${JOB_PATH}/cancel`)
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('success.json'));
    const wait = waitForTask(wf, { jobId: JOB, taskId: TASK }, {
      ...fast,
      cancelOnAbort: true,
      onProgress: () => controller.abort(new Error('shutting down')),
      signal: controller.signal,
    });
    const { error } = await drive(wait);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).remoteCancel).toEqual({ ok: true });
    expect(scope.isDone()).toBe(true);
  });

  it('cancel answering data.success false → ProviderError', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const scope = nock(BASE).put(`${JOB_PATH}/cancel`).reply(200, { code: 0, data: { success: false }, message: 'Success' });
    const { error } = await drive(wf.cancelJob(JOB));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('not cancelled');
    expect(scope.isDone()).toBe(true);
  });

  it('runJob on a workflow that does not exist (40404000) → ProviderError, not TaskNotFoundError', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    nock(BASE).post('/api-open/v1/workflows/1/jobs').reply(200, errorBody(40404000, 'ErrNotFound'));
    const { error } = await drive(wf.runJob(1));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('workflow not found');
  });
});

describe('validation before any request', () => {
  let requests = 0;
  const count = () => void (requests += 1);
  beforeEach(() => {
    requests = 0;
    nock.emitter.on('no match', count);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', count);
  });

  it('bad options throw a TypeError or RangeError that names the option and echoes no secret', () => {
    const creds = { username: 'root', password: PASSWORD, graphAddress: 'graphd', graphPort: 9669 };
    const bad: [unknown, RegExp][] = [
      [undefined, /options must be an object/],
      [{ baseURL: BASE }, /exactly one of token and credentials/],
      [{ baseURL: BASE, token: TOKEN, credentials: creds }, /exactly one of token and credentials/],
      [{ baseURL: 'ftp://x', token: TOKEN }, /http or https/],
      [{ baseURL: `http://root:${PASSWORD}@x`, token: TOKEN }, /must not contain credentials/],
      [{ baseURL: BASE, token: '' }, /token must be a non-empty string/],
      [{ baseURL: BASE, token: `${TOKEN}; other=1` }, /token must be a cookie value/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: 0 }, /sampleLimit must be from 1 to 100000/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: 2.5 }, /sampleLimit must be a whole number/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: '10' }, /sampleLimit must be a number/],
      [{ baseURL: BASE, token: TOKEN, rowSchema: (x: unknown) => x }, /rowSchema must be a zod schema/],
      [{ baseURL: BASE, token: TOKEN, tokenHeader: 'Cookie' }, /tokenHeader must be a header name/],
      [{ baseURL: BASE, token: TOKEN, tokenHeader: 'bad header' }, /tokenHeader must be a header name/],
      [{ baseURL: BASE, token: TOKEN, requestTimeoutMs: -1 }, /requestTimeoutMs/],
      [{ baseURL: BASE, token: TOKEN, pacing: { maxConcurrency: 0 } }, /maxConcurrency/],
      [{ baseURL: BASE, token: TOKEN, tokenn: 'x' }, /unknown option "tokenn"/],
      [{ baseURL: BASE, credentials: { ...creds, graphPort: 70000 } }, /graphPort must be a whole number from 1 to 65535/],
      [{ baseURL: BASE, credentials: { ...creds, graphPort: '9669' } }, /graphPort/],
      [{ baseURL: BASE, credentials: { ...creds, password: 123 } }, /password must be a string/],
      [{ baseURL: BASE, credentials: { ...creds, username: '' } }, /username must be a non-empty string/],
      [{ baseURL: BASE, credentials: { ...creds, graphAddress: ' ' } }, /graphAddress/],
      [{ baseURL: BASE, credentials: { ...creds, encoding: 'base64' } }, /encoding must be 'json-array' or 'colon'/],
      [{ baseURL: BASE, credentials: { ...creds, username: 'a:b', encoding: 'colon' } }, /must not contain ":"/],
    ];
    for (const [options, message] of bad) {
      let thrown: unknown;
      try {
        workflowTasks(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(Error);
      expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(PASSWORD);
      expect((thrown as Error).message).not.toContain(TOKEN);
    }
    expect(requests).toBe(0);
  });

  it('bad refs and call arguments reject before any request', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const refs: unknown[] = [
      null,
      'x',
      { jobId: 'abc', taskId: TASK },
      { jobId: -1, taskId: TASK },
      { jobId: 1.5, taskId: TASK },
      { jobId: JOB, taskId: '' },
      { jobId: JOB, taskId: 42 },
      { jobId: JOB, taskId: '..' },
      { jobId: JOB, taskId: 'a\nb' },
      { jobId: JOB, taskId: 'x'.repeat(200) },
    ];
    const badInput = async (promise: Promise<unknown>) => {
      const error = await promise.then(() => undefined, (e: unknown) => e);
      expect(error instanceof TypeError || error instanceof RangeError, String(error)).toBe(true);
      expect((error as Error).message).toMatch(/ref/);
    };
    for (const ref of refs) {
      await badInput(waitForTask(wf, ref as never));
      await badInput(wf.sampleResult(ref as never));
      await badInput(wf.cancel(ref as never, { signal: new AbortController().signal }));
    }
    await expect(wf.runJob('', {})).rejects.toThrow(/workflowId/);
    await expect(wf.runJob(1, [] as never)).rejects.toThrow(/input must be an object/);
    await expect(wf.runJob(1, { query_1: 'x' } as never)).rejects.toThrow(/input\["query_1"\] must be an object/);
    await expect(wf.runJob(1, { query_1: { a: Number.NaN } })).rejects.toThrow(/must be a string or a finite number/);
    await expect(wf.getJob('1e3')).rejects.toThrow(/jobId must be a whole number/);
    await expect(wf.cancelJob(undefined as never)).rejects.toThrow(/jobId/);
    await expect(wf.sampleResult({ jobId: JOB, taskId: TASK }, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(wf.getJob(JOB, { signal: 'no' as never })).rejects.toThrow(/signal must be an AbortSignal/);
    expect(requests).toBe(0);
  });

  it('call options: an unknown key is a TypeError naming the call and the key, before any request', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const ref = { jobId: JOB, taskId: TASK };
    const { signal } = new AbortController();
    const calls: [string, () => Promise<unknown>, string][] = [
      ['runJob', () => wf.runJob(1, {}, { signal, timeoutMs: 5 } as never), 'workflow.task: unknown runJob option "timeoutMs"'],
      ['getJob', () => wf.getJob(JOB, { signall: signal } as never), 'workflow.task: unknown getJob option "signall" (did you mean "signal"?)'],
      ['cancelJob', () => wf.cancelJob(JOB, { signal, retry: false } as never), 'workflow.task: unknown cancelJob option "retry"'],
      ['sampleResult', () => wf.sampleResult(ref, { limt: 5 } as never), 'workflow.task: unknown sampleResult option "limt" (did you mean "limit"?)'],
      ['cancel', () => wf.cancel(ref, { signal, reason: 'x' } as never), 'workflow.task: unknown cancel option "reason"'],
    ];
    for (const [call, run, message] of calls) {
      const error = await run().then(() => undefined, (e: unknown) => e);
      expect(error, call).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message);
    }
    await expect(wf.getJob(JOB, [] as never)).rejects.toThrow(/getJob options must be an object, got an array/);
    expect(requests).toBe(0);
    // The keys each call documents still pass.
    const scope = nock(BASE).get(SAMPLE_PATH).query({ limit: '5' }).reply(200, rowsBody([['a']]));
    expect((await drive(wf.sampleResult(ref, { limit: 5, signal }))).value).toEqual([['a']]);
    expect(scope.isDone()).toBe(true);
  });

  it('runJob(id, { signal }) says the signal goes in the options argument', async () => {
    const wf = make(workflowTasks({ baseURL: BASE, token: TOKEN }));
    const { signal } = new AbortController();
    const hint = 'a signal goes in the options argument, runJob(workflowId, input, { signal })';
    const inInput = await wf.runJob(1, { signal } as never).then(() => undefined, (e: unknown) => e);
    expect(inInput).toBeInstanceOf(TypeError);
    expect((inInput as Error).message).toBe(
      `workflow.task: input["signal"] must be an object of parameters, got an AbortSignal: ${hint}`,
    );
    await expect(wf.runJob(1, signal as never)).rejects.toThrow(`input must be an object, got an AbortSignal: ${hint}`);
    // A component's parameters that are just wrong get no hint.
    await expect(wf.runJob(1, { query_1: 'x' } as never)).rejects.toThrow(/^workflow\.task: input\["query_1"\] must be an object of parameters, got a string of length 1$/);
    expect(requests).toBe(0);
  });

  it('ids are encoded as one path segment', async () => {
    const wf = make(workflowTasks({ baseURL: `${BASE}/explorer/api-open/v1/`, token: TOKEN }));
    const scope = nock(BASE)
      .post('/explorer/api-open/v1/workflows/..%2Fx/jobs')
      .reply(200, fixtureJson('run-job-107.json'))
      .get('/explorer/api-open/v1/jobs/7/tasks/a%2Fb%3Fc/sample_result')
      .query({ limit: '1000' })
      .reply(200, rowsBody([]));
    expect((await drive(wf.runJob('../x'))).value).toBe('107');
    expect((await drive(wf.sampleResult({ jobId: '7', taskId: 'a/b?c' }))).value).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('workflowTaskState', () => {
  it.each([
    [0, 'queued'],
    [1, 'running'],
    [2, 'succeeded'],
    [3, 'failed'],
    [4, 'cancelled'],
    [5, 'cancelling'],
    ['2', 'succeeded'],
    [6, 'unknown'],
    [-1, 'unknown'],
    [2.5, 'unknown'],
    ['Success', 'unknown'],
    ['', 'unknown'],
  ] as const)('%j → %s', (code, state) => {
    expect(workflowTaskState(code)).toBe(state);
  });
});
