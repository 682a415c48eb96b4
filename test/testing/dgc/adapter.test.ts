import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ProviderError,
  TaskFailedError,
  TaskNotFoundError,
  pollTask,
  waitForTask,
} from '../../../src/index.js';
import { dgcSystemTasks, type DgcSystemTasks } from '../../../src/providers/dgc/index.js';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { FAST } from '../fast.js';

let sim: Simulator;
const adapters: DgcSystemTasks[] = [];
beforeEach(async () => {
  sim = await startSimulator({ seed: 101, timeScale: 600 });
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.close();
  await sim.close();
});

function adapter(
  auth: 'token' | 'aksk' | { token: string } | { accessKey: string; secretKey: string },
  extra: { endpoint?: string } = {},
): DgcSystemTasks {
  const credentials =
    auth === 'token'
      ? { token: sim.dgc.token }
      : auth === 'aksk'
        ? { accessKey: sim.dgc.accessKey, secretKey: sim.dgc.secretKey }
        : auth;
  const made = dgcSystemTasks({
    endpoint: extra.endpoint ?? sim.dgc.endpoint,
    projectId: sim.dgc.projectId,
    auth: credentials,
    pacing: false,
  });
  adapters.push(made);
  return made;
}

describe('dgcSystemTasks against the simulator', () => {
  it('importJobs → RUNNING → SUCCESSFUL with an IAM token: typed result with the sub-tasks', async () => {
    sim.dgc.script({ durationMs: 60_000, subtasks: ['Import job [job_batch].', 'Import job [job_stream].'] });
    const dgc = adapter('token');
    const taskId = await dgc.importJobs({ path: 'obs://aaaaa/job_batch.zip', sameNamePolicy: 'OVERWRITE' });
    const done = await waitForTask(dgc, taskId, FAST);
    expect(done).toMatchObject({
      provider: 'dgc.systemTask',
      taskId,
      state: 'succeeded',
      providerState: 'SUCCESSFUL',
      progress: 100,
    });
    expect(done.result!.name).toBe('Import jobs from path [obs://aaaaa/job_batch.zip].');
    expect(done.result!.subtasks.map((s) => [s.name, s.state])).toEqual([
      ['Import job [job_batch].', 'succeeded'],
      ['Import job [job_stream].', 'succeeded'],
    ]);
    expect(done.finishedAt!.getTime() - done.startedAt!.getTime()).toBe(60_000);
    const polls = sim.requestsFor('dgc', 'dgc.getSystemTask');
    expect(polls.length).toBeGreaterThan(1);
    expect(polls.every((r) => r.headers['x-auth-token'] === '[REDACTED]')).toBe(true);
  });

  it("importConnections with AK/SK: the adapter's signer passes the simulator's independent verifier", async () => {
    sim.dgc.script({ durationMs: 6000, subtasks: ['Import connection [dws].'] });
    const dgc = adapter('aksk');
    const taskId = await dgc.importConnections({ path: 'obs://bucket/connections.zip' });
    const done = await waitForTask(dgc, taskId, FAST);
    expect(done.result!.subtasks).toHaveLength(1);
    const requests = sim.requestsFor('dgc');
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(requests[0]?.headers.authorization).toBe('SDK-HMAC-SHA256 [REDACTED]');
    expect(requests[0]?.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('a wrong SK → AuthenticationError APIG.0303 at once; a wrong token → APIG.0301', async () => {
    const taskId = sim.dgc.createTask();
    const badSignature = waitForTask(
      adapter({ accessKey: sim.dgc.accessKey, secretKey: 'not-the-secret-key' }),
      taskId,
      FAST,
    );
    await expect(badSignature).rejects.toBeInstanceOf(AuthenticationError);
    await expect(badSignature).rejects.toMatchObject({ providerCode: 'APIG.0303', httpStatus: 401 });
    await expect(waitForTask(adapter({ token: 'MIIexpired' }), taskId, FAST)).rejects.toMatchObject({
      providerCode: 'APIG.0301',
    });
    expect(sim.requestsFor('dgc')).toHaveLength(2); // no retry of a refused credential
  });

  it('an unknown task → TaskNotFoundError (DLF.0810)', async () => {
    await expect(waitForTask(adapter('token'), '008aae2e675d3bcb01675d3c66f20000', FAST)).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
  });

  it('FAILED → TaskFailedError with the message; WARNING → partial, accepted with acceptPartial', async () => {
    const dgc = adapter('aksk');
    const failed = sim.dgc.createTask({
      durationMs: 600,
      outcome: 'failed',
      subtasks: [],
      message: 'Failed to read the OBS file [obs://aaaaa/traffic2.zip].',
    });
    const error = await waitForTask(dgc, failed, FAST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({
      state: 'failed',
      providerState: 'FAILED',
      message: expect.stringMatching(/traffic2/),
    });

    const partial = sim.dgc.createTask({ durationMs: 600, outcome: 'partial', subtasks: ['a', 'b'] });
    const done = await waitForTask(dgc, partial, { ...FAST, acceptPartial: true });
    expect(done.state).toBe('partial');
  });

  it('the SDK wire variant (subTasks, epoch strings) parses the same', async () => {
    const variant = await startSimulator({
      seed: 5,
      timeScale: 600,
      dgc: { subtasksField: 'subTasks', epochFormat: 'string' },
    });
    try {
      const dgc = dgcSystemTasks({
        endpoint: variant.dgc.endpoint,
        projectId: variant.dgc.projectId,
        auth: { token: variant.dgc.token },
        pacing: false,
      });
      adapters.push(dgc);
      const taskId = variant.dgc.createTask({ durationMs: 600, subtasks: ['x', 'y'] });
      const done = await waitForTask(dgc, taskId, FAST);
      expect(done.result!.subtasks.map((s) => s.name)).toEqual(['x', 'y']);
      expect(done.startedAt).toBeInstanceOf(Date);
    } finally {
      await variant.close();
    }
  });

  it('faults: 5xx and a reset are retried; APIG.0308 throttling is retried; an unknown status word is not terminal', async () => {
    const dgc = adapter('token');
    const taskId = sim.dgc.createTask({ durationMs: 6000 });
    sim.faults.add({ kind: 'server-error', status: 503, route: 'dgc.getSystemTask', count: 1 });
    sim.faults.add({ kind: 'reset', route: 'dgc.getSystemTask', count: 1 });
    sim.faults.add({ kind: 'unknown-status', statusWord: 'SUSPENDED', count: 2 });
    sim.dgc.setRateLimit({ limit: 4, intervalMs: 30 });
    const states: string[] = [];
    for await (const status of pollTask(dgc, taskId, FAST)) states.push(status.state);
    expect(states.at(-1)).toBe('succeeded');
    expect(states).toContain('unknown');
    const outcomes = sim.requestsFor('dgc').map((r) => r.status ?? r.outcome);
    expect(outcomes).toContain(503);
    expect(outcomes).toContain('reset');
  });

  it('a provider error envelope on import is a ProviderError with the DLF code', async () => {
    const dgc = adapter('token');
    sim.faults.add({
      kind: 'server-error',
      route: 'dgc.importJobs',
      status: 500,
      body: '{"error_code":"DLF.0100","error_msg":"internal"}',
    });
    await expect(dgc.importJobs({ path: 'obs://b/j.zip' })).rejects.toBeInstanceOf(ProviderError);
  });
});
