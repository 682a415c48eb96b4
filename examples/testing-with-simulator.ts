/**
 * Testing your own code with the simulator: `taskpoll/testing` starts a real local HTTP server that
 * plays the providers, so the code under test runs unchanged. Script the task, inject faults, and
 * check what was sent. Plain node:assert here, so that this file runs as it is
 * (npx tsx examples/testing-with-simulator.ts); in vitest or jest the same lines go in `it()` blocks.
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { TaskFailedError, waitForTask } from 'taskpoll';
import { guanceLogmine, type GuanceLogmine } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

// The code under test: the most frequent log pattern of the last hour.
export async function topPattern(logmine: GuanceLogmine): Promise<string | undefined> {
  const now = Date.now();
  const taskId = await logmine.submit({ analysisField: 'message', timeRange: [now - 3_600_000, now] });
  const done = await waitForTask(logmine, taskId, { initialDelayMs: 1000, timeoutMs: 300_000 });
  const [top] = done.result.clusters.toSorted((a, b) => b.count - a.count);
  return top?.message;
}

// Its tests.
export async function main() {
  const sim = await startSimulator({ seed: 7, timeScale: 600 }); // 10 simulated minutes a second
  // sim.guance.pacing: the rate budget that fits the simulated Guance at 600× (the default is for real time).
  const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: sim.guance.pacing });
  try {
    // It picks the biggest cluster (the task runs for one simulated minute).
    sim.guance.script({
      durationMs: 60_000,
      clusters: [
        { count: 3, docids: ['L_1', 'L_2', 'L_3'], message: 'disk full' },
        { count: 40, docids: ['L_4'], message: 'GET /health 200' },
      ],
    });
    assert.equal(await topPattern(logmine), 'GET /health 200');
    // It asked for the last hour, clustered on `message` (the simulator records every request).
    const body = sim.requestsFor('guance', 'guance.sendTask')[0]?.body as {
      analysisField: string;
      timeRange: [number, number];
    };
    assert.equal(body.analysisField, 'message');
    assert.equal(body.timeRange[1] - body.timeRange[0], 3_600_000);

    // A failed task rejects with TaskFailedError, carrying the provider's reason.
    sim.guance.script({ durationMs: 0, outcome: 'failed', message: 'DQL syntax error' });
    await assert.rejects(
      topPattern(logmine),
      (error) => error instanceof TaskFailedError && error.status.message === 'DQL syntax error',
    );

    // A gateway hiccup (a 503) is retried inside the wait: the caller never sees it.
    sim.faults.add({ kind: 'server-error', status: 503, route: 'guance.queryTask', count: 1 });
    sim.guance.script({ durationMs: 0, clusters: [] });
    assert.equal(await topPattern(logmine), undefined);
    assert.deepEqual(
      sim
        .requestsFor('guance', 'guance.queryTask')
        .map((r) => r.status)
        .slice(-2),
      [503, 200],
    );

    console.log('3 scenarios passed');
    return { passed: 3, requests: sim.requests.length };
  } finally {
    logmine.close();
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
