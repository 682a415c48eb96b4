/**
 * Provider-level races (the core-level ones are in races.test.ts): aborts that land while a workflow
 * login shared by several waits is in flight, and while an edge download streams or waits its turn.
 * Real loopback HTTP against the simulator.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TaskAbortedError, waitForTask } from '../../src/index.js';
import { edgeLogDump, type EdgeLogDump } from '../../src/providers/edge/index.js';
import { workflowTasks, type WorkflowTaskRef } from '../../src/providers/workflow/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { handles, newHandles } from './helpers.js';

const FAST = {
  initialDelayMs: 10,
  maxDelayMs: 40,
  jitter: 0,
  timeoutMs: 8000,
  retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20 },
} as const;

let sim: Simulator;
const closers: (() => void)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await sim.close();
  expect(unhandled).toEqual([]);
});

/** Fails when a handle of ours is left once everything is closed. */
async function expectNoNewHandles(before: Record<string, number>): Promise<void> {
  expect(await newHandles(before)).toEqual({});
}

/** How long a promise takes to settle from now (`ms`), when it settled (`at`), and its outcome. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; at: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await promise;
    return { ms: Date.now() - start, at: Date.now(), value };
  } catch (error) {
    return { ms: Date.now() - start, at: Date.now(), error };
  }
}

describe('workflow: aborts while one login is shared by several waits', () => {
  function setup(requestTimeoutMs = 2000, durationMs = 6000) {
    const workflow = workflowTasks({
      baseURL: sim.workflow.baseURL,
      credentials: sim.workflow.credentials,
      pacing: false,
      requestTimeoutMs,
    });
    closers.push(() => workflow.close());
    const refs: WorkflowTaskRef[] = Array.from({ length: 5 }, () => {
      const jobId = sim.workflow.createJob('wf', { queuedMs: 0, durationMs });
      return { jobId, taskId: sim.workflow.task(String(jobId))!.tasks[0]!.id };
    });
    return { workflow, refs };
  }

  it('two of five waits aborted mid-login: they end at once; the login goes on for the other three (one connect)', async () => {
    sim = await startSimulator({ seed: 51, timeScale: 600 });
    const { workflow, refs } = setup();
    sim.faults.add({ kind: 'latency', route: 'workflow.connect', latencyMs: 400, count: 1 });
    const controllers = refs.map(() => new AbortController());
    const waits = refs.map((ref, i) => timed(waitForTask(workflow, ref, { ...FAST, signal: controllers[i]!.signal })));
    await expect.poll(() => sim.requestsFor('workflow', 'workflow.connect').length).toBe(1);
    await sleep(100); // the login is in flight (400 ms of latency)
    const abortedAt = Date.now();
    controllers[0]!.abort(new Error('caller 0 gave up'));
    controllers[1]!.abort(new Error('caller 1 gave up'));
    const results = await Promise.all(waits);
    for (const aborted of results.slice(0, 2)) {
      expect(aborted.error).toBeInstanceOf(TaskAbortedError);
      expect((aborted.error as TaskAbortedError).cause).toBeInstanceOf(Error);
    }
    // They ended when aborted, not when the login answered (300 ms later).
    expect(results[0]!.at - abortedAt).toBeLessThan(150);
    expect(results[1]!.at - abortedAt).toBeLessThan(150);
    for (const done of results.slice(2)) expect(done.value?.state).toBe('succeeded');
    expect(sim.requestsFor('workflow', 'workflow.connect')).toHaveLength(1);
    // No poll of the aborted waits ever reached the server.
    const polled = new Set(sim.requestsFor('workflow', 'workflow.getJob').map((r) => r.path));
    expect(polled.has(`/api-open/v1/jobs/${refs[0]!.jobId}`)).toBe(false);
    expect(polled.has(`/api-open/v1/jobs/${refs[1]!.jobId}`)).toBe(false);
  });

  it('every wait aborted while the login hangs: all end at once; the abandoned login ends by its own time limit, unhandled by nobody; the next wait logs in anew', async () => {
    sim = await startSimulator({ seed: 52, timeScale: 600 });
    const before = handles();
    const { workflow, refs } = setup(300);
    sim.faults.add({ kind: 'hang', route: 'workflow.connect', count: 1 });
    const controller = new AbortController();
    const waits = refs.map((ref) => timed(waitForTask(workflow, ref, { ...FAST, signal: controller.signal })));
    await expect.poll(() => sim.requestsFor('workflow', 'workflow.connect').length).toBe(1);
    controller.abort();
    const results = await Promise.all(waits);
    expect(results.every((r) => r.error instanceof TaskAbortedError)).toBe(true);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(2000);
    await sleep(400); // the hung login passes the adapter's 300 ms limit and fails with no one waiting
    const done = await waitForTask(workflow, refs[0]!, FAST);
    expect(done.state).toBe('succeeded');
    expect(sim.requestsFor('workflow', 'workflow.connect').map((r) => r.outcome)).toEqual(['hung', 'answered']);
    workflow.close();
    await sim.close();
    await expectNoNewHandles(before);
  });

  it('a session renewal shared by the waits in flight, one of them aborted during it: the others renew once and go on', async () => {
    sim = await startSimulator({ seed: 53, timeScale: 600 });
    // Tasks that run 1.5 s of real time: still running when the session expires and while the renewal
    // is in flight, however loaded the machine (a task that had ended could finish before the abort).
    const { workflow, refs } = setup(2000, 900_000);
    // First log in and let every wait poll once; then expire the session and slow the next login down.
    const controllers = refs.map(() => new AbortController());
    let expired = false;
    const waits = refs.map((ref, i) =>
      timed(
        waitForTask(workflow, ref, {
          ...FAST,
          initialDelayMs: 150,
          maxDelayMs: 150,
          signal: controllers[i]!.signal,
          onProgress: () => {
            if (!expired && sim.requestsFor('workflow', 'workflow.getJob').length >= refs.length) {
              expired = true;
              sim.workflow.expireTokens();
              sim.faults.add({ kind: 'latency', route: 'workflow.connect', latencyMs: 400, count: 1 });
            }
          },
        }),
      ),
    );
    await expect.poll(() => sim.requestsFor('workflow', 'workflow.connect').length, { timeout: 4000 }).toBe(2);
    controllers[4]!.abort();
    const results = await Promise.all(waits);
    expect(results[4]!.error).toBeInstanceOf(TaskAbortedError);
    for (const done of results.slice(0, 4)) expect(done.value?.state).toBe('succeeded');
    expect(sim.requestsFor('workflow', 'workflow.connect')).toHaveLength(2);
  });
});

describe('edge: aborts during a download', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskpoll-races-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A finished dump whose archive is `size` random bytes (incompressible: the transfer takes a while). */
  async function finishedDump(size: number, before?: () => void): Promise<{ edge: EdgeLogDump; taskId: string }> {
    sim = await startSimulator({ seed: 61, timeScale: 600 });
    before?.();
    const edge = edgeLogDump({ baseURL: sim.edge.baseURL });
    closers.push(() => edge.close());
    const taskId = sim.edge.createTask([1], { queuedMs: 0, durationMs: 600, files: { 'big.bin': randomBytes(size) } });
    await waitForTask(edge, taskId, FAST);
    return { edge, taskId };
  }

  /** A Writable that takes `delayMs` per chunk: the download streams slowly, holding its slot. */
  const slowSink = (delayMs: number) => {
    let bytes = 0;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        setTimeout(callback, delayMs);
      },
    });
    return { sink, bytes: () => bytes };
  };

  it('aborted mid-stream: rejects with the reason, the Writable is destroyed, and the slot and the turn are free again', async () => {
    const { edge, taskId } = await finishedDump(2 * 1024 * 1024);
    const before = handles();
    const controller = new AbortController();
    const { sink, bytes } = slowSink(5);
    const download = timed(edge.download(taskId, sink, { signal: controller.signal }));
    await expect.poll(() => bytes()).toBeGreaterThan(64 * 1024);
    const reason = new Error('stop the download');
    controller.abort(reason);
    const result = await download;
    expect(result.error).toBe(reason);
    expect(sink.destroyed).toBe(true);
    // The pacer slot (MEF: serial calls) and the download turn are both free: a status read and a whole download go through.
    expect((await timed(edge.getStatus(taskId, { signal: new AbortController().signal }))).ms).toBeLessThan(1000);
    const second = await edge.download(taskId, join(dir, 'again.tar.gz'));
    expect(second.bytes).toBeGreaterThan(2 * 1024 * 1024);
    edge.close();
    await sim.close();
    await expectNoNewHandles(before);
  });

  it('aborted at every point of a download to a path: either the whole file or nothing at all, never a temporary file left', async () => {
    const { edge, taskId } = await finishedDump(1024 * 1024);
    const outcomes: string[] = [];
    for (const delayMs of [0, 1, 2, 4, 8, 12, 16, 25, 40, 60]) {
      const target = join(dir, `at-${delayMs}.tar.gz`);
      const controller = new AbortController();
      const download = timed(edge.download(taskId, target, { signal: controller.signal }));
      await sleep(delayMs);
      controller.abort(new Error(`abort at ${delayMs} ms`));
      const result = await download;
      if (result.error === undefined) {
        expect(existsSync(target)).toBe(true);
        outcomes.push('complete');
      } else {
        expect((result.error as Error).message).toBe(`abort at ${delayMs} ms`);
        expect(existsSync(target)).toBe(false);
        outcomes.push('aborted');
      }
    }
    expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
    expect(outcomes).toContain('aborted');
  });

  it('a second download aborted while it waits for its turn ends at once; the first one completes', async () => {
    const { edge, taskId } = await finishedDump(2 * 1024 * 1024);
    const { sink } = slowSink(2);
    const first = edge.download(taskId, sink);
    const controller = new AbortController();
    const second = timed(edge.download(taskId, join(dir, 'second.tar.gz'), { signal: controller.signal }));
    await sleep(30);
    controller.abort(new Error('not now'));
    const result = await second;
    expect((result.error as Error).message).toBe('not now');
    expect(result.ms).toBeLessThan(500);
    expect((await first).bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(existsSync(join(dir, 'second.tar.gz'))).toBe(false);
  });

  it('a wait whose poll queues behind a streaming download (one request at a time) is aborted: it ends at once, the download goes on', async () => {
    // MEF serves the archive of its latest task: the task waited on here is an older, long one.
    let other = '';
    const { edge, taskId } = await finishedDump(2 * 1024 * 1024, () => {
      other = sim.edge.createTask([2], { queuedMs: 0, durationMs: 600_000 });
    });
    const { sink } = slowSink(3);
    const download = edge.download(taskId, sink);
    await expect.poll(() => sim.requestsFor('edge', 'edge.download').length).toBe(1);
    const controller = new AbortController();
    const wait = timed(waitForTask(edge, other, { ...FAST, signal: controller.signal }));
    await sleep(50);
    const polls = sim.requestsFor('edge', 'edge.queryTask').length;
    controller.abort();
    const result = await wait;
    expect(result.error).toBeInstanceOf(TaskAbortedError);
    expect((await download).bytes).toBeGreaterThan(2 * 1024 * 1024);
    // The queued poll was dropped, not sent after the abort.
    expect(sim.requestsFor('edge', 'edge.queryTask').length).toBe(polls);
  });
});
