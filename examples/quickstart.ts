// Quick start: cluster the last 15 minutes of logs with Guance logmine and wait for the result.
// Runs against the local simulator (no account needed): npx tsx examples/quickstart.ts
import { pathToFileURL } from 'node:url';
import { waitForTask } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

export async function main() {
  const sim = await startSimulator({ timeScale: 60 }); // a local Guance, 60× faster than real time
  // sim.guance.pacing: Guance's rate budget at the simulator's speed (the default is meant for real time).
  const { baseURL, apiKey, pacing } = sim.guance;
  const logmine = guanceLogmine({ baseURL, apiKey, pacing });
  try {
    const now = Date.now();
    const taskId = await logmine.submit({ analysisField: 'message', timeRange: [now - 15 * 60_000, now] });
    const done = await waitForTask(logmine, taskId, { timeoutMs: 60_000 });
    for (const cluster of done.result.clusters) {
      console.log(`${cluster.count} × ${cluster.message}`); // typed: { count, docIds, message }
    }
    return done.result;
  } finally {
    logmine.close();
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
