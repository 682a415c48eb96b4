import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetworkError, waitForTask, type TaskAdapter } from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { startSimulator, type RouteId, type Simulator } from '../../src/testing/index.js';

/**
 * The wait's `requestTimeoutMs` is the limit of one poll, the adapter's `requestTimeoutMs` the limit of
 * the adapter's own calls (README, "Options" and "Providers"): each applies alone, whichever is longer.
 * Every adapter keeps its default limit (10 s); the simulator holds one answer back 11 s of fake time.
 */

const HELD_MS = 11_000;

let sim: Simulator;
const closers: (() => void)[] = [];
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  sim = await startSimulator({ seed: 7 });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0)) close();
  await sim.close();
});

/** Real event-loop turns (fake time stands still) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn += 1) {
    if (turn > 5000) throw new Error('gave up waiting');
    await realSleep(1);
  }
}

/**
 * Runs `promise` while the simulator holds the first request to `route` for HELD_MS: once that request
 * is in the simulator (so every timer of the request is set), fake time moves HELD_MS at once; the rest
 * of the conversation runs on real turns only.
 */
async function throughHeldAnswer<T>(promise: Promise<T>, route: RouteId): Promise<{ value?: T; error?: unknown }> {
  let settled = false;
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void outcome.then(() => (settled = true));
  await until(() => settled || sim.requestsFor(provider(route), route).some((r) => r.outcome === 'pending'));
  await vi.advanceTimersByTimeAsync(HELD_MS);
  await until(() => settled);
  return outcome;
}

const provider = (route: RouteId) => route.split('.')[0] as 'guance' | 'edge' | 'dgc' | 'workflow';

function track<A extends { close(): void }>(adapter: A): A {
  closers.push(() => adapter.close());
  return adapter;
}

const cases: [string, RouteId, () => { adapter: TaskAdapter<unknown, unknown>; ref: unknown }][] = [
  [
    'guanceLogmine',
    'guance.queryTask',
    () => ({
      adapter: track(
        guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false }),
      ) as TaskAdapter<unknown, unknown>,
      ref: sim.guance.createTask({ durationMs: 0 }),
    }),
  ],
  [
    'edgeLogDump',
    'edge.queryTask',
    () => ({
      adapter: track(edgeLogDump({ baseURL: sim.edge.baseURL, pacing: false })) as TaskAdapter<unknown, unknown>,
      ref: sim.edge.createTask([1], { queuedMs: 0, durationMs: 0 }),
    }),
  ],
  [
    'dgcSystemTasks',
    'dgc.getSystemTask',
    () => ({
      adapter: track(
        dgcSystemTasks({
          endpoint: sim.dgc.endpoint,
          projectId: sim.dgc.projectId,
          auth: { token: sim.dgc.token },
          pacing: false,
        }),
      ) as TaskAdapter<unknown, unknown>,
      ref: sim.dgc.createTask({ durationMs: 0 }),
    }),
  ],
  [
    'workflowTasks',
    'workflow.getJob',
    () => {
      const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs: 0 });
      const taskId = sim.workflow.task(String(jobId))?.tasks[0]?.id ?? '';
      return {
        adapter: track(
          workflowTasks({ baseURL: sim.workflow.baseURL, token: sim.workflow.token, pacing: false }),
        ) as TaskAdapter<unknown, unknown>,
        ref: { jobId, taskId },
      };
    },
  ],
];

describe('a poll is bounded by the wait’s requestTimeoutMs, not the adapter’s', () => {
  it.each(cases)(
    '%s: a poll answered in 11 s succeeds with requestTimeoutMs 20 s (the adapter keeps its 10 s default)',
    async (_name, route, make) => {
      const { adapter, ref } = make();
      sim.faults.add({ kind: 'latency', route, latencyMs: HELD_MS, count: 1 });
      const { value, error } = await throughHeldAnswer(
        waitForTask(adapter, ref, { requestTimeoutMs: 20_000, retry: false }),
        route,
      );
      expect(error).toBeUndefined();
      expect(value?.state).toBe('succeeded');
      expect(sim.requestsFor(provider(route), route)).toHaveLength(1);
    },
  );

  it('a shorter wait limit still cuts the poll, named as the poll’s limit', async () => {
    const logmine = track(
      guanceLogmine({
        baseURL: sim.guance.baseURL,
        apiKey: sim.guance.apiKey,
        pacing: false,
        requestTimeoutMs: 60_000,
      }),
    );
    sim.faults.add({ kind: 'latency', route: 'guance.queryTask', latencyMs: HELD_MS, count: 1 });
    const taskId = sim.guance.createTask({ durationMs: 0 });
    const { error } = await throughHeldAnswer(
      waitForTask(logmine, taskId, { requestTimeoutMs: 5000, retry: false }),
      'guance.queryTask',
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).timedOut).toBe(true);
    expect((error as Error).message).toBe(`guance.logmine: poll of task ${taskId} got no answer within 5000 ms`);
  });

  it('the adapter’s own calls keep the adapter’s limit', async () => {
    const logmine = track(guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false }));
    sim.faults.add({ kind: 'latency', route: 'guance.sendTask', latencyMs: HELD_MS, count: 1 });
    const { error } = await throughHeldAnswer(logmine.submit({ analysisField: 'message' }), 'guance.sendTask');
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/got no answer within 10000 ms/);
  });
});
