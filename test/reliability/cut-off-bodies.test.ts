/**
 * Every provider's wait retries a status answer the simulator cuts in half (its `'malformed-json'`
 * fault) and ends in the task's outcome: each adapter reads its bodies through the shared transport,
 * whose unreadable 2xx bodies are transient failures. Real loopback HTTP; the simulator answers at
 * once and its tasks end within milliseconds, so the delays are a few real milliseconds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitForTask } from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { startSimulator, type RouteId, type Simulator } from '../../src/testing/index.js';

describe('every provider retries a status answer the simulator cuts in half (real loopback HTTP)', () => {
  let sim: Simulator | undefined;
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await sim?.close();
    sim = undefined;
  });
  /** Short real delays: the simulator answers at once and its tasks end within milliseconds. */
  const FAST = {
    initialDelayMs: 5,
    maxDelayMs: 20,
    jitter: 0,
    timeoutMs: 10_000,
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
  } as const;

  const cases: [string, RouteId[], (s: Simulator) => Promise<{ state: string; result?: unknown }>][] = [
    [
      'guance',
      ['guance.queryTask'],
      (s) => {
        const adapter = guanceLogmine({ baseURL: s.guance.baseURL, apiKey: s.guance.apiKey, pacing: false });
        closers.push(() => adapter.close());
        return waitForTask(adapter, s.guance.createTask({ durationMs: 600 }), FAST);
      },
    ],
    [
      'edge',
      ['edge.queryTask'],
      (s) => {
        const adapter = edgeLogDump({ baseURL: s.edge.baseURL, pacing: false });
        closers.push(() => adapter.close());
        return waitForTask(adapter, s.edge.createTask([1], { durationMs: 600 }), FAST);
      },
    ],
    [
      'dgc',
      ['dgc.getSystemTask'],
      (s) => {
        const adapter = dgcSystemTasks({
          endpoint: s.dgc.endpoint,
          projectId: s.dgc.projectId,
          auth: { token: s.dgc.token },
          pacing: false,
        });
        closers.push(() => adapter.close());
        return waitForTask(adapter, s.dgc.createTask({ durationMs: 600 }), FAST);
      },
    ],
    [
      'workflow (the job, then its sample_result)',
      ['workflow.getJob', 'workflow.sampleResult'],
      (s) => {
        const adapter = workflowTasks({
          baseURL: s.workflow.baseURL,
          credentials: s.workflow.credentials,
          pacing: false,
        });
        closers.push(() => adapter.close());
        const jobId = s.workflow.createJob('wf-cut', {
          durationMs: 600,
          tasks: [{ name: 'PageRank', rows: [['player1', '0.15']] }],
        });
        const taskId = (s.workflow.task(String(jobId)) as { tasks: { id: string }[] }).tasks[0]!.id;
        return waitForTask(adapter, { jobId, taskId }, FAST);
      },
    ],
  ];

  it('workflow: the 401 of an expired session, cut off, is retried; the intact 401 makes the adapter log in again', async () => {
    sim = await startSimulator({ seed: 7, timeScale: 600 });
    const s = sim;
    const adapter = workflowTasks({ baseURL: s.workflow.baseURL, credentials: s.workflow.credentials, pacing: false });
    closers.push(() => adapter.close());
    // 60 simulated seconds: 100 ms of real time, a few polls.
    const jobId = s.workflow.createJob('wf-cut', {
      durationMs: 60_000,
      tasks: [{ name: 'PageRank', rows: [['player1', '0.15']] }],
    });
    const taskId = (s.workflow.task(String(jobId)) as { tasks: { id: string }[] }).tasks[0]!.id;
    let polls = 0;
    const done = await waitForTask(
      adapter,
      { jobId, taskId },
      {
        ...FAST,
        onProgress: () => {
          polls += 1;
          // After the first poll the session expires, and the next answer (its 401) is cut in half.
          if (polls === 1) {
            s.workflow.expireTokens();
            s.faults.add({ kind: 'malformed-json', route: 'workflow.getJob', count: 1 });
          }
        },
      },
    );
    expect(done.state).toBe('succeeded');
    const jobs = s.requests.filter((r) => r.route === 'workflow.getJob');
    expect(jobs.slice(0, 4).map((r) => [r.status, r.faults.join()])).toEqual([
      [200, ''],
      [401, 'malformed-json'],
      [401, ''],
      [200, ''],
    ]);
    expect(s.requests.filter((r) => r.route === 'workflow.connect')).toHaveLength(2);
  });

  it.each(cases)('%s: the first answer of each route cut off → retried → succeeded', async (_name, routes, wait) => {
    sim = await startSimulator({ seed: 7, timeScale: 600 });
    for (const route of routes) sim.faults.add({ kind: 'malformed-json', route, count: 1 });
    const done = await wait(sim);
    expect(done.state).toBe('succeeded');
    expect(done.result).toBeDefined();
    for (const route of routes) {
      const seen = sim.requests.filter((r) => r.route === route);
      expect(seen[0]?.faults).toEqual(['malformed-json']);
      expect(seen.at(-1)?.faults).toEqual([]);
    }
  });
});
