import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollTask, type WaitSnapshot } from '../../src/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';

/**
 * A wait outlives its process: the first process (this test) polls a Guance task on the simulator three
 * times and keeps the snapshot; a second Node process resumes it with `resumeFrom` and sees it to the
 * end. Real time, on loopback, a few hundred ms of polling: the schedule is capped at 300 ms.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./resume/child.ts', import.meta.url));
/** Delays 50, then 50 + elapsed (factor 2), capped at 300 ms: by the resume, the cap applies. */
const schedule = { jitter: 0, initialDelayMs: 50, factor: 2, maxDelayMs: 300 } as const;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 14 });
});
afterAll(async () => {
  await sim.close();
});

interface ChildLine {
  event: 'poll' | 'done' | 'failed';
  at?: number;
  state?: string;
  attempt?: number;
  elapsedMs?: number;
  nextDelayMs?: number;
  deadline?: number | null;
  clusters?: number;
  error?: string;
}

describe('resuming a wait in a second Node process', () => {
  it('finishes with the same deadline, counting polls on, the schedule continuing; the process exits by itself', async () => {
    // A task that runs a minute: it ends only when this process says so, once the child has polled.
    const taskId = sim.guance.createTask({ durationMs: 60_000 });
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false });
    let snapshot: WaitSnapshot | undefined;
    try {
      const polls = pollTask(logmine, taskId, { ...schedule, timeoutMs: 30_000 });
      for await (const status of polls) {
        expect(status.state).toBe('running');
        snapshot = polls.snapshot();
        if (snapshot?.attempts === 3) break; // the process "stops" here
      }
    } finally {
      logmine.close();
    }
    const saved = snapshot as WaitSnapshot;
    expect(saved).toMatchObject({ version: 1, provider: 'guance.logmine', taskId, ref: taskId, attempts: 3 });
    expect(saved.deadline).toBe(saved.startedAt + 30_000);
    const text = JSON.stringify(saved);
    expect(text).not.toContain(sim.guance.apiKey);

    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      cwd: root,
      env: {
        ...process.env,
        TASKPOLL_SNAPSHOT: text,
        TASKPOLL_BASE_URL: sim.guance.baseURL,
        TASKPOLL_API_KEY: sim.guance.apiKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines: ChildLine[] = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as ChildLine;
      lines.push(parsed);
      // The child has polled once: the task ends now, so its next poll sees it done.
      if (parsed.event === 'poll' && parsed.attempt === 4) sim.guance.script(taskId, { durationMs: 0 });
    });
    // It must exit on its own: nothing left holding its event loop once the wait is over.
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      proc.on('exit', (exitCode) => {
        clearTimeout(guard);
        resolve(exitCode);
      });
    });
    expect(code, stderr).toBe(0);

    const polled = lines.filter((line) => line.event === 'poll');
    const done = lines.at(-1);
    expect(done).toEqual({ event: 'done', state: 'succeeded', clusters: expect.any(Number) });
    // Polls counted on from the snapshot's 3, the first one not before the snapshot's nextPollAt.
    expect(polled.map((line) => line.attempt)).toEqual(polled.map((_, i) => 4 + i));
    expect(polled.length).toBeGreaterThanOrEqual(2);
    expect(polled[0]?.at).toBeGreaterThanOrEqual(saved.nextPollAt as number);
    // The schedule goes on from the time already waited (more than 250 ms): every delay is the cap,
    // where a restarted schedule would begin again at 50 ms.
    for (const line of polled.slice(0, -1)) {
      expect(line.state).toBe('running');
      expect(line.nextDelayMs).toBe(300);
      expect(line.elapsedMs).toBeGreaterThanOrEqual((saved.nextPollAt as number) - saved.startedAt);
    }
    expect(polled.at(-1)?.state).toBe('succeeded');
    expect(polled.at(-1)?.nextDelayMs).toBeUndefined(); // none after the terminal status
    // The deadline the child used is the one the first process set: never moved.
    expect(new Set(polled.map((line) => line.deadline))).toEqual(new Set([saved.deadline]));
  });
});
