/**
 * The second process of resume-process.test.ts: it continues a Guance wait from the snapshot the first
 * process took (env TASKPOLL_SNAPSHOT) against the simulator that process runs (env TASKPOLL_BASE_URL,
 * TASKPOLL_API_KEY). It prints one JSON line per poll and one at the end, and must exit by itself once
 * the wait has ended and the adapter is closed: it never calls process.exit.
 */
import { waitForTask, type WaitSnapshot } from '../../../src/index.js';
import { guanceLogmine } from '../../../src/providers/guance/index.js';

const snapshot = JSON.parse(process.env.TASKPOLL_SNAPSHOT ?? '') as WaitSnapshot;
const logmine = guanceLogmine({
  baseURL: process.env.TASKPOLL_BASE_URL as string,
  apiKey: process.env.TASKPOLL_API_KEY as string,
  pacing: false,
});
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

try {
  // The same schedule options as the first process: the schedule is the caller's, the state the snapshot's.
  const done = await waitForTask(logmine, snapshot.ref as string, {
    resumeFrom: snapshot,
    jitter: 0,
    initialDelayMs: 50,
    factor: 2,
    maxDelayMs: 300,
    onProgress: (status, info) => {
      const { attempt, elapsedMs, nextDelayMs } = info;
      print({
        event: 'poll',
        at: Date.now(),
        state: status.state,
        attempt,
        elapsedMs,
        nextDelayMs,
        deadline: info.snapshot.deadline,
      });
    },
  });
  print({ event: 'done', state: done.state, clusters: done.result.clusters.length });
} catch (error) {
  print({ event: 'failed', error: String(error) });
  process.exitCode = 1;
} finally {
  logmine.close();
}
