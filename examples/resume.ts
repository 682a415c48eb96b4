// Resuming a wait: keep the wait's snapshot after every poll, and continue it after a restart with the
// same deadline and schedule. Runs against the local simulator: npx tsx examples/resume.ts
import { pathToFileURL } from 'node:url';
import { isTaskAbortedError, waitForTask, type WaitSnapshot } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

const rows = new Map<string, string>(); // stands in for your database: one row per wait

/** The first process: waits, storing the snapshot after every poll, and goes away after 2 polls. */
async function beforeRestart(logmine: ReturnType<typeof guanceLogmine>, taskId: string) {
  const shutdown = new AbortController(); // a deploy stops the process
  try {
    await waitForTask(logmine, taskId, {
      timeoutMs: 10 * 60_000,
      initialDelayMs: 200,
      signal: shutdown.signal,
      onProgress: (_status, info) => {
        rows.set(taskId, JSON.stringify(info.snapshot)); // plain JSON: a DB row, a queue job, a file
        if (info.attempt === 2) shutdown.abort();
      },
    });
  } catch (error) {
    if (!isTaskAbortedError(error)) throw error;
    // The wait as it stood at the abort (a pending retry's Retry-After included): the row to keep.
    if (error.snapshot) rows.set(taskId, JSON.stringify(error.snapshot));
  }
}

/** The next process: the same wait, from the stored snapshot. */
async function afterRestart(logmine: ReturnType<typeof guanceLogmine>, taskId: string) {
  const snapshot = JSON.parse(rows.get(taskId) as string) as WaitSnapshot;
  // Same start and deadline, polls counted on, no poll before snapshot.nextPollAt. A snapshot of another
  // provider's wait, another task or an unknown version is refused with a TypeError or RangeError.
  const done = await waitForTask(logmine, snapshot.ref as string, {
    resumeFrom: snapshot,
    initialDelayMs: 200,
    onProgress: (status, info) => console.log(`after the restart, poll ${info.attempt}: ${status.state}`),
  });
  const deadline = new Date(snapshot.deadline ?? Number.NaN).toISOString(); // set before the restart, kept
  console.log(`${done.state} with ${done.result.clusters.length} clusters, within the deadline ${deadline}`);
  return { snapshot, done };
}

export async function main() {
  const sim = await startSimulator({ timeScale: 60 });
  sim.guance.script({ durationMs: 90_000 }); // the next task runs for 90 simulated seconds (1.5 s)
  const { baseURL, apiKey, pacing } = sim.guance; // pacing: the rate budget at the simulator's time scale
  const connect = () => guanceLogmine({ baseURL, apiKey, pacing });
  try {
    const first = connect();
    const now = Date.now();
    const taskId = await first.submit({ analysisField: 'message', timeRange: [now - 15 * 60_000, now] });
    await beforeRestart(first, taskId).finally(() => first.close());
    const second = connect();
    return await afterRestart(second, taskId).finally(() => second.close());
  } finally {
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
