import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ResponseValidationError,
  TaskFailedError,
  TaskNotFoundError,
  waitForTask,
} from '../../../src/index.js';
import { guanceLogmine, parseClusterMessage, type GuanceLogmine } from '../../../src/providers/guance/index.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/testing/index.js';
import { FAST } from '../fast.js';

let sim: Simulator | undefined;
const adapters: GuanceLogmine[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const adapter of adapters.splice(0)) adapter.close();
  await sim?.close();
  sim = undefined;
});

/** A simulator and an adapter for it; the adapter's pacing is off unless `paced` (then it is Guance's default). */
async function setup(options: SimulatorOptions = {}, { paced = false } = {}) {
  sim = await startSimulator({ seed: 404, timeScale: 600, ...options });
  const logmine = guanceLogmine({
    baseURL: sim.guance.baseURL,
    apiKey: sim.guance.apiKey,
    ...(paced ? {} : { pacing: false as const }),
  });
  adapters.push(logmine);
  return { sim, logmine };
}

/** Runs fake time forward in small steps, letting real I/O (the HTTP round trips) happen between them. */
async function drive<T>(promise: Promise<T>, stepMs: number): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20_000 && !settled; i += 1) {
    await vi.advanceTimersByTimeAsync(stepMs);
    await realSleep(1);
  }
  return promise;
}

describe('guanceLogmine against the simulator', () => {
  it('submit → running → ok: the scripted clusters, typed', async () => {
    const { sim, logmine } = await setup();
    const message = '{"caller":"traceutil/trace.go:171","level":"info"}';
    sim.guance.script({
      durationMs: 120_000,
      clusters: [
        { count: 2, docids: ['L_1683535329738_a', 'L_1683535036487_b'], message },
        { count: 1, docids: ['L_1_c'], message: 'plain text' },
      ],
    });
    const taskId = await logmine.submit({ analysisField: 'message', timeRange: [1683534635416, 1683535535416] });
    const done = await waitForTask(logmine, taskId, FAST);
    expect(done).toMatchObject({ provider: 'guance.logmine', taskId, state: 'succeeded', providerState: 'ok' });
    expect(done.result).toEqual({
      docCount: 3,
      clusters: [
        { count: 2, docIds: ['L_1683535329738_a', 'L_1683535036487_b'], message },
        { count: 1, docIds: ['L_1_c'], message: 'plain text' },
      ],
    });
    expect(parseClusterMessage(done.result!.clusters[0]!.message)).toMatchObject({ kind: 'json' });
    const [sent] = sim.requestsFor('guance', 'guance.sendTask');
    expect(sent?.body).toEqual({ timeRange: [1683534635416, 1683535535416], analysisField: 'message' });
    expect(sent?.headers['df-api-key']).toBe('[REDACTED]');
  });

  it('a wrong API key → AuthenticationError ft.InvalidAPIKey, not retried', async () => {
    sim = await startSimulator({ seed: 1 });
    const taskId = sim.guance.createTask();
    const wrong = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: 'tkn_wrong', pacing: false });
    adapters.push(wrong);
    await expect(waitForTask(wrong, taskId, FAST)).rejects.toMatchObject({
      name: 'AuthenticationError',
      providerCode: 'ft.InvalidAPIKey',
      httpStatus: 403,
    });
    await expect(wrong.submit({ analysisField: 'message' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(sim.requests).toHaveLength(2);
  });

  it('an unknown task → TaskNotFoundError; a failed one → TaskFailedError with its message', async () => {
    const { sim, logmine } = await setup();
    await expect(waitForTask(logmine, 'logminetask00000000000000000000', FAST)).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    const failed = sim.guance.createTask({ durationMs: 600, outcome: 'failed', message: 'DQL syntax error' });
    const error = await waitForTask(logmine, failed, FAST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status).toMatchObject({
      state: 'failed',
      providerState: 'failed',
      message: 'DQL syntax error',
    });
  });

  it('malformed JSON on a 200 is retried until the retries run out → ResponseValidationError; an unknown status word keeps the wait going', async () => {
    const { sim, logmine } = await setup();
    const taskId = sim.guance.createTask({ durationMs: 6000 });
    sim.faults.add({ kind: 'unknown-status', count: 2 });
    const states: string[] = [];
    await waitForTask(logmine, taskId, {
      ...FAST,
      onProgress: (s) => void states.push(`${s.state}:${s.providerState}`),
    });
    expect(states.slice(0, 2)).toEqual(['unknown:rebalancing', 'unknown:rebalancing']);
    sim.faults.add({ kind: 'malformed-json', route: 'guance.queryTask', count: 4 });
    await expect(waitForTask(logmine, taskId, FAST)).rejects.toBeInstanceOf(ResponseValidationError);
  });

  it('the per-key limit: a 401 ft.TriggerApiAkCurrentLimiting is transient, the wait pauses and goes on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const { sim, logmine } = await setup({ timeScale: 1, guance: { rateLimit: { limit: 5, intervalMs: 10_000 } } });
    const taskId = sim.guance.createTask({ durationMs: 20_000 });
    const done = await drive(
      waitForTask(logmine, taskId, { initialDelayMs: 1000, maxDelayMs: 2000, jitter: 0, timeoutMs: 120_000 }),
      250,
    );
    expect(done.state).toBe('succeeded');
    const statuses = sim.requestsFor('guance').map((r) => r.status);
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(200);
  });

  it('the default pacing shares 20 requests a minute across concurrent waits: the limit is never hit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const { sim, logmine } = await setup({ timeScale: 1 }, { paced: true });
    const ids = Array.from({ length: 5 }, () => sim.guance.createTask({ durationMs: 120_000 }));
    const all = Promise.all(ids.map((id) => waitForTask(logmine, id, { initialDelayMs: 1000, timeoutMs: 600_000 })));
    const done = await drive(all, 500);
    expect(done.every((d) => d.state === 'succeeded')).toBe(true);
    const polls = sim.requestsFor('guance');
    expect(polls.filter((r) => r.status === 401)).toEqual([]);
    // No 60-second window holds more than 20 requests.
    for (const first of polls)
      expect(polls.filter((r) => r.time >= first.time && r.time < first.time + 60_000).length).toBeLessThanOrEqual(20);
  });
});
