/**
 * Guance Cloud log clustering (logmine): submit a clustering task over the last 15 minutes of logs,
 * follow it, and print its clusters (a cluster's message is parsed when it is structured JSON).
 *
 * Runs against the local simulator unless GUANCE_API_KEY is set:
 *   GUANCE_API_KEY    the workspace's API key (sent as DF-API-KEY; never printed)
 *   GUANCE_SITE       the workspace's site: cn1 (default), cn2, cn4, cn5, cn6, us1, eu1, ap1, za1, id1
 *   GUANCE_BASE_URL   or the Open API endpoint of a private deployment, instead of GUANCE_SITE
 *   GUANCE_FIELD      the field to cluster on (default: message)
 *
 *   npx tsx examples/guance.ts
 */
import { pathToFileURL } from 'node:url';
import { waitForTask } from 'taskpoll';
import { guanceLogmine, parseClusterMessage, type GuanceSite } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

/** The real Guance when GUANCE_API_KEY is set, else a simulated one (60× faster than real time). */
async function connect(env: Record<string, string | undefined>) {
  const { GUANCE_API_KEY: apiKey, GUANCE_BASE_URL: baseURL, GUANCE_SITE: site = 'cn1' } = env;
  if (apiKey) {
    return {
      logmine: baseURL ? guanceLogmine({ apiKey, baseURL }) : guanceLogmine({ apiKey, site: site as GuanceSite }),
    };
  }
  const sim = await startSimulator({ timeScale: 60 });
  sim.guance.script({ durationMs: 90_000 }); // the next task runs for 90 simulated seconds
  // Its rate limit runs 60× faster too: sim.guance.pacing is the budget that fits it.
  const { baseURL: simURL, apiKey: simKey, pacing } = sim.guance;
  return { sim, logmine: guanceLogmine({ baseURL: simURL, apiKey: simKey, pacing }) };
}

export async function main(env: Record<string, string | undefined> = process.env) {
  const { sim, logmine } = await connect(env);
  try {
    const now = Date.now();
    const taskId = await logmine.submit({
      analysisField: env.GUANCE_FIELD ?? 'message',
      timeRange: [now - 15 * 60_000, now],
    });
    console.log(`logmine task ${taskId} submitted to ${sim ? 'the simulator' : 'Guance'}`);

    const done = await waitForTask(logmine, taskId, {
      timeoutMs: 10 * 60_000,
      // Guance allows 20 requests a minute per key (the adapter paces itself): poll calmly. The
      // simulator runs 60× faster: poll it faster too.
      initialDelayMs: sim ? 250 : 3000,
      onProgress: (status, { attempt }) => console.log(`  poll ${attempt}: ${status.providerState}`),
    });

    const { docCount, clusters } = done.result;
    console.log(`${clusters.length} clusters over ${docCount} documents:`);
    for (const cluster of clusters) {
      const message = parseClusterMessage(cluster.message);
      const text = message.kind === 'json' ? `JSON ${JSON.stringify(message.value)}` : message.value;
      console.log(`  ${String(cluster.count).padStart(5)} × ${text.slice(0, 100)}`);
    }
    return { source: sim ? 'simulator' : 'guance', taskId, docCount, clusters };
  } finally {
    logmine.close();
    await sim?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
