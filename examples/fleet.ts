/**
 * Fleet mode: durable waits on BullMQ. A producer adds waits to a queue and reads their outcome; a
 * worker, which alone holds the adapter and so the API key, polls each wait once per job activation and
 * parks it in Redis until its next poll. Waits survive restarts and spread over every worker process.
 * Runs against the simulator and a local Redis (both roles in one process here):
 * REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/fleet.ts
 */
import { pathToFileURL } from 'node:url';
import { isTaskFailedError } from 'taskpoll';
import { createWaitQueue, startWaitWorker } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

// The worker process: the adapters (credentials stay here), found by provider name.
export function worker(connection: { host: string; port: number }, baseURL: string, apiKey: string) {
  const logmine = guanceLogmine({ baseURL, apiKey });
  const waits = startWaitWorker({ connection, adapters: [logmine], concurrency: 50 });
  return { logmine, close: () => waits.close().finally(() => logmine.close()) };
}

// The producer process: adds waits (no credential needed) and reads their outcome, from any process.
export async function produce(connection: { host: string; port: number }, taskIds: string[]) {
  const queue = createWaitQueue({ connection });
  try {
    const options = { timeoutMs: 10 * 60_000, initialDelayMs: 100 };
    // jobId: a retried add (after a crash, say) returns the same wait and starts no second one.
    const added = await Promise.all(taskIds.map((t) => queue.add('guance.logmine', t, { ...options, jobId: t })));
    const ends = await Promise.allSettled(added.map(({ id }) => queue.result(id)));
    return ends.map((end) => {
      if (end.status === 'fulfilled') return end.value.state; // the terminal status, `raw` left out
      if (isTaskFailedError(end.reason)) return end.reason.status.state; // the same error class as in-process
      throw end.reason;
    });
  } finally {
    await queue.close();
  }
}

export async function main(redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379') {
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port || 6379) };
  const sim = await startSimulator({ timeScale: 60 }); // a simulated minute is one second here
  const { baseURL, apiKey } = sim.guance;
  const fleet = worker(connection, baseURL, apiKey);
  try {
    sim.guance.script({ durationMs: 5_000, outcome: 'failed', message: 'out of memory' });
    const now = Date.now();
    const input = { analysisField: 'message', timeRange: [now - 3_600_000, now] as [number, number] };
    const taskIds = await Promise.all([1, 2, 3].map(() => fleet.logmine.submit(input)));
    const states = await produce(connection, taskIds);
    console.log(`durable waits ended: ${states.join(', ')}`);
    return states;
  } finally {
    await fleet.close();
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
