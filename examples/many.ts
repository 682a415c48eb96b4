/**
 * Waiting on many tasks: twelve MEF log dumps on the local simulator (60× faster than real time),
 * waited on as one group with at most four in progress at once and a live count, then handled as
 * they finish, then raced for the first archive.
 *
 *   npx tsx examples/many.ts
 */
import { pathToFileURL } from 'node:url';
import { asCompleted, waitForAll, waitForAny, type GroupProgress } from 'taskpoll';
import { edgeLogDump, type EdgeLogDump } from 'taskpoll/edge';
import { startSimulator } from 'taskpoll/testing';

/** How often to poll, in simulated time (every 15 s at first, at most every minute), as real ms. */
const pollingAt = (timeScale: number) =>
  ({ initialDelayMs: 15_000 / timeScale, maxDelayMs: 60_000 / timeScale, timeoutMs: 3_600_000 / timeScale }) as const;
type Polling = ReturnType<typeof pollingAt>;

/** One line of the group's counts. */
const countLine = (p: GroupProgress) =>
  `  ${p.succeeded}/${p.total} done, ${p.running + p.queued} in progress, ${p.pending} waiting` +
  (p.meanProgress === undefined ? '' : `, mean ${Math.round(p.meanProgress)}%`);

/** @param timeScale how much faster than real time the simulated tasks run (the tests use more) */
export async function main({ timeScale = 60 }: { timeScale?: number } = {}) {
  const sim = await startSimulator({ seed: 7, timeScale });
  const polling = pollingAt(timeScale);
  const dump = edgeLogDump({ baseURL: sim.edge.baseURL, pacing: sim.edge.pacing }); // plain HTTP: the simulator
  // Twelve dumps started elsewhere (say, by a nightly job), each collecting for 1 to 3 simulated minutes.
  const taskIds = Array.from({ length: 12 }, (_, i) =>
    sim.edge.createTask([i + 1], { durationMs: 60_000 + (i % 5) * 30_000 }),
  );
  try {
    const done = await waitForDumps(dump, taskIds, polling);
    console.log(`all ${done.length} dumps succeeded; in input order, the first is ${done[0]?.taskId}`);

    // The same kind of group, handled as each one ends (some fail here).
    const more = [
      sim.edge.createTask([20], { durationMs: 9 * 60_000 }),
      sim.edge.createTask([21], { durationMs: 30_000, outcome: 'failed', message: 'node 21 is offline' }),
      sim.edge.createTask([22], { durationMs: 3 * 60_000 }),
    ];
    const order = await reportEach(dump, more, polling);

    // The first of three to finish; the other two are stopped at once.
    const racers = [9, 0.5, 18].map((minutes, i) => sim.edge.createTask([30 + i], { durationMs: minutes * 60_000 }));
    const first = await waitForAny(dump, racers, polling);
    console.log(`first archive: task ${first.taskId}`);

    return { taskIds, done: done.map((s) => s.taskId), more, order, racers, first: first.taskId };
  } finally {
    dump.close();
    await sim.close();
  }
}

/** Waits for every dump, at most four in progress at once; the statuses come back in input order. */
async function waitForDumps(dump: EdgeLogDump, taskIds: string[], polling: Polling) {
  let reported = -1;
  return waitForAll(dump, taskIds, {
    ...polling,
    concurrency: 4,
    // Called at each change of the counts; this prints a line each time another dump ends.
    onGroupProgress: (progress) => {
      const ended = progress.total - progress.pending - progress.queued - progress.running;
      if (ended !== reported) console.log(countLine(progress));
      reported = ended;
    },
  });
}

/** Reports each dump as it ends, in completion order; returns that order. */
async function reportEach(dump: EdgeLogDump, taskIds: string[], polling: Polling) {
  const order: string[] = [];
  for await (const ending of asCompleted(dump, taskIds, polling)) {
    order.push(ending.ref);
    if (ending.error) console.log(`  #${ending.index} ${ending.ref}: ${ending.error.name}: ${ending.error.message}`);
    else console.log(`  #${ending.index} ${ending.ref}: ${ending.status.result.fileName} ready`);
  }
  return order;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
