import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AuthenticationError,
  TaskAbortedError,
  TaskFailedError,
  TaskNotFoundError,
  waitForTask,
} from '../../../src/index.js';
import { workflowTasks } from '../../../src/providers/workflow/index.js';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { FAST } from '../fast.js';

const rankRow = z.tuple([z.string(), z.coerce.number()]);

let sim: Simulator;
const closers: (() => void)[] = [];
beforeEach(async () => {
  sim = await startSimulator({ seed: 202, timeScale: 600 });
});
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await sim.close();
});

function withCredentials() {
  const adapter = workflowTasks({
    baseURL: sim.workflow.baseURL,
    credentials: sim.workflow.credentials,
    rowSchema: rankRow,
    pacing: false,
  });
  closers.push(() => adapter.close());
  return adapter;
}

describe('workflowTasks against the simulator', () => {
  it('connect → runJob → getJob → wait for the PageRank task → typed (vid, rank) rows', async () => {
    sim.workflow.script({
      queuedMs: 120_000, // 200 ms of real time
      durationMs: 60_000,
      tasks: [
        'BFS',
        {
          name: 'PageRank',
          rows: [
            ['player110', '0.150000'],
            ['team219', '0.452126'],
          ],
        },
      ],
    });
    const workflow = withCredentials();
    const jobId = await workflow.runJob('wf-7', { query_1: { limit: 10 } });
    const job = await workflow.getJob(jobId);
    expect(job).toMatchObject({ id: jobId, workflowId: 'wf-7', state: 'queued' });
    const pageRank = job.tasks.find((t) => t.name === 'PageRank')!;
    const seen = new Set<string>();
    const done = await waitForTask(
      workflow,
      { jobId, taskId: pageRank.id },
      { ...FAST, onProgress: (s) => void seen.add(s.state) },
    );
    expect(done.result!.rows).toEqual([
      ['player110', 0.15],
      ['team219', 0.452126],
    ]);
    expect(done).toMatchObject({ provider: 'workflow.task', state: 'succeeded', providerState: '2' });
    expect(seen).toContain('queued');
    expect(seen).toContain('succeeded');
    const connects = sim.requestsFor('workflow', 'workflow.connect');
    expect(connects).toHaveLength(1);
    expect(connects[0]?.headers.authorization).toBe('Bearer [REDACTED]');
    expect(
      sim.requestsFor('workflow', 'workflow.getJob').every((r) => r.headers.cookie === 'explorer_token=[REDACTED]'),
    ).toBe(true);
  });

  it('the colon Base64 form (Explorer ≤ 3.2.1) logs in too', async () => {
    const workflow = workflowTasks({
      baseURL: sim.workflow.baseURL,
      credentials: { ...sim.workflow.credentials, encoding: 'colon' },
      pacing: false,
    });
    closers.push(() => workflow.close());
    const jobId = await workflow.runJob('wf');
    expect(jobId).toMatch(/^\d+$/);
  });

  it('an expired session mid-wait: the adapter logs in again and the wait goes on', async () => {
    const workflow = withCredentials();
    const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs: 30_000 });
    const taskId = sim.workflow.task(String(jobId))!.tasks[0]!.id;
    let expired = false;
    const done = await waitForTask(
      workflow,
      { jobId, taskId },
      {
        ...FAST,
        onProgress: () => {
          if (!expired) {
            expired = true;
            sim.workflow.expireTokens();
          }
        },
      },
    );
    expect(done.state).toBe('succeeded');
    expect(sim.requestsFor('workflow', 'workflow.connect')).toHaveLength(2);
    expect(sim.requests.some((r) => r.status === 401)).toBe(true);
  });

  it('a plain token that expires → AuthenticationError (40104000), not retried', async () => {
    const workflow = workflowTasks({ baseURL: sim.workflow.baseURL, token: sim.workflow.token, pacing: false });
    closers.push(() => workflow.close());
    const jobId = sim.workflow.createJob();
    const taskId = sim.workflow.task(String(jobId))!.tasks[0]!.id;
    sim.workflow.expireTokens();
    await expect(waitForTask(workflow, { jobId, taskId }, FAST)).rejects.toBeInstanceOf(AuthenticationError);
    expect(sim.requestsFor('workflow')).toHaveLength(1);
  });

  it('a failed job → TaskFailedError; an unknown job → TaskNotFoundError', async () => {
    const workflow = withCredentials();
    const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs: 600, outcome: 'failed' });
    const taskId = sim.workflow.task(String(jobId))!.tasks[0]!.id;
    await expect(waitForTask(workflow, { jobId, taskId }, FAST)).rejects.toBeInstanceOf(TaskFailedError);
    await expect(waitForTask(workflow, { jobId: 987654, taskId }, FAST)).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it('cancelOnAbort stops the job: 5 Stopping, then 4 Interrupted', async () => {
    const workflow = withCredentials();
    const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs: 3_600_000, stoppingMs: 3_600_000 });
    const taskId = sim.workflow.task(String(jobId))!.tasks[0]!.id;
    const controller = new AbortController();
    const wait = waitForTask(workflow, { jobId, taskId }, { ...FAST, signal: controller.signal, cancelOnAbort: true });
    await expect.poll(() => sim.requestsFor('workflow', 'workflow.getJob').length).toBeGreaterThan(0);
    controller.abort(new Error('user gave up'));
    const error = await wait.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).remoteCancel).toEqual({ ok: true });
    expect(sim.workflow.task(String(jobId))?.state).toBe('cancelling');
    sim.clock.advance(3_600_000);
    expect(sim.workflow.task(String(jobId))?.state).toBe('cancelled');
  });

  it('with errors in HTTP 200 answers (errorHttpStatus: 200) the adapter still reads the codes', async () => {
    const flat = await startSimulator({ seed: 3, timeScale: 600, workflow: { errorHttpStatus: 200 } });
    try {
      const workflow = workflowTasks({ baseURL: flat.workflow.baseURL, token: flat.workflow.token, pacing: false });
      closers.push(() => workflow.close());
      await expect(waitForTask(workflow, { jobId: 1, taskId: 'a'.repeat(32) }, FAST)).rejects.toBeInstanceOf(
        TaskNotFoundError,
      );
      flat.workflow.expireTokens();
      await expect(workflow.getJob(1)).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await flat.close();
    }
  });

  it('html error pages and hangs are transient: retried within the wait', async () => {
    const workflow = withCredentials();
    const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs: 3000 });
    const taskId = sim.workflow.task(String(jobId))!.tasks[0]!.id;
    sim.faults.add({ kind: 'html-page', status: 502, route: 'workflow.getJob', count: 1 });
    sim.faults.add({ kind: 'hang', route: 'workflow.getJob', count: 1 });
    const done = await waitForTask(workflow, { jobId, taskId }, { ...FAST, requestTimeoutMs: 200 });
    expect(done.state).toBe('succeeded');
    expect(sim.requestsFor('workflow', 'workflow.getJob').map((r) => r.outcome)).toContain('hung');
  });
});
