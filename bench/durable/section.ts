/**
 * `npm run bench -- durable`: durable waits (issue 15). 100,000 Guance waits added to one
 * `createWaitQueue` and held by 4 `startWaitWorker` processes against the simulator on loopback, on a
 * fixed schedule (one poll every INTERVAL_MS, no jitter); then one worker is killed with SIGKILL.
 * Measures polls/s, the lateness of each poll against its `nextPollAt` (goal p99 ≤ 1 s), Redis memory
 * per waiting task, worker RSS, the time until the killed worker's waits are polled again (goal ≤ 15 s)
 * and waits lost (goal 0).
 *
 * Smaller runs while developing: `DURABLE_WAITS=5000 DURABLE_INTERVAL_MS=10000 npm run bench -- durable`
 * (`DURABLE_CONCURRENCY` sets each worker's concurrency; `DURABLE_KEEP_LOGS=1` keeps the workers' poll
 * logs and prints where).
 *
 * The default interval keeps the demand (WAITS / INTERVAL_MS polls a second) well below what the 4
 * workers manage on a 2-core machine, so that lateness measures the fleet, not a backlog: find that
 * capacity with a short interval (e.g. `DURABLE_WAITS=10000 DURABLE_INTERVAL_MS=5000`), where the polls/s
 * row stops following the demand. A full run takes about three intervals plus setup and checks.
 *
 * The waits are added at an even rate over one interval, so their polls stay spread out: a steady
 * load of WAITS / INTERVAL_MS polls a second, not a burst. Each task is created with
 * `sim.guance.createTask` (no HTTP submit) right before its wait is added, scripted to end midway
 * between two of its wait's polls (after 1 or 2 intervals, staggered; one in ten fails), so that
 * lateness does not change which poll sees the end. The simulator and the producer share this
 * process; Redis, the 4 workers and this process share the machine's cores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TaskFailedError } from 'taskpoll';
import { createWaitQueue, type WaitQueue } from 'taskpoll/bullmq';
import { type Simulator, startSimulator } from 'taskpoll/testing';
import { startRedis, type TestRedis } from '../../test/helpers/redis.js';
import type { SectionResult } from '../report.js';
import { lastLineOf, measure, pollRate, readTraces } from './analyse.js';
import { durableMarkdown, type Outcomes, type RunFigures } from './markdown.js';
import { closeWorker, cpuSecondsOf, spawnWorker, trackMemory, type WorkerProcess } from './procs.js';

const WAITS = Number(process.env['DURABLE_WAITS'] ?? 100_000);
const INTERVAL_MS = Number(process.env['DURABLE_INTERVAL_MS'] ?? 120_000);
const CONCURRENCY = Number(process.env['DURABLE_CONCURRENCY'] ?? 50);
const WORKERS = 4;
/** The worker killed with SIGKILL. */
const KILLED = 0;
/** A task ends between its wait's poll j−1 and poll j (the first poll is poll 0), j from 1 to 2. */
const POLLS_MIN = 1;
const POLLS_MAX = 2;
/** Waits whose snapshot is read back through `queue.status` to check the due times derived from the logs. */
const SAMPLES = 200;
const PROVIDER = 'guance.logmine';
const SCHEDULE = { initialDelayMs: INTERVAL_MS, maxDelayMs: INTERVAL_MS, jitter: 0, progressAware: false };

type Outcome = 'succeeded' | 'failed';

/** The script of the i-th task: its end falls midway between two polls of its wait. */
function taskScript(i: number): { outcome: Outcome; durationMs: number } {
  const polls = POLLS_MIN + (i % (POLLS_MAX - POLLS_MIN + 1));
  return { outcome: i % 10 === 9 ? 'failed' : 'succeeded', durationMs: Math.round((polls - 0.5) * INTERVAL_MS) };
}

/** Adds the waits at an even rate over one interval from `t0`; returns each task's true outcome. */
async function addWaits(queue: WaitQueue, sim: Simulator, t0: number) {
  const expected = new Map<string, Outcome>();
  const pending = new Set<Promise<unknown>>();
  let behindMs = 0;
  for (let i = 0; i < WAITS; i += 1) {
    const ahead = t0 + (i * INTERVAL_MS) / WAITS - Date.now();
    if (ahead > 5) await sleep(ahead);
    behindMs = Math.max(behindMs, -ahead);
    const { outcome, durationMs } = taskScript(i);
    const id = sim.guance.createTask({ durationMs, outcome, ...(outcome === 'failed' && { message: 'scripted' }) });
    expected.set(id, outcome);
    const added: Promise<unknown> = queue
      .add(PROVIDER, id, { jobId: id, timeoutMs: 3_600_000, ...SCHEDULE })
      .finally(() => pending.delete(added));
    pending.add(added);
    if (pending.size >= 1000) await Promise.race(pending);
  }
  await Promise.all(pending);
  return { expected, behindMs, addMs: Date.now() - t0 };
}

/** Redis's `used_memory`, in bytes. */
async function usedMemory(admin: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
}

/** Memory per waiting task: what Redis grew by, one job's hash, and its snapshot as JSON; due-time samples. */
async function memoryPerWait(admin: Redis, queue: WaitQueue, queueName: string, ids: string[], baseline: number) {
  const used = await usedMemory(admin);
  const sample = Array.from({ length: SAMPLES }, (_, k) => ids[Math.floor((k * ids.length) / SAMPLES)] as string);
  const snapshots = await Promise.all(sample.map(async (id) => ({ id, snapshot: await queue.status(id) })));
  const hashes = await Promise.all(sample.map((id) => admin.memory('USAGE', `bull:${queueName}:${id}`)));
  const stored = snapshots.filter((s) => s.snapshot !== undefined);
  return {
    perWaitBytes: (used - baseline) / ids.length,
    jobHashBytes: hashes.reduce<number>((sum, b) => sum + Number(b ?? 0), 0) / hashes.length,
    snapshotBytes: stored.reduce((sum, s) => sum + JSON.stringify(s.snapshot).length, 0) / Math.max(1, stored.length),
    dueSamples: stored.map((s) => ({
      id: s.id,
      attempts: s.snapshot?.attempts ?? 0,
      due: s.snapshot?.nextPollAt ?? 0,
    })),
  };
}

/**
 * The jobs the killed worker held: active, in the same activation (same `processedOn`), both 1 s and
 * 4.5 s after the kill. A live worker's activation lasts milliseconds unless the machine is
 * overloaded; a dead worker's lock, renewed every 5 s, lasts at least 5 s after its death.
 */
async function heldJobs(counts: Queue, killAt: number): Promise<Set<string>> {
  const active = async (at: number) => {
    await sleep(at - Date.now());
    return new Map((await counts.getActive()).map((job) => [String(job.id), job.processedOn]));
  };
  const first = await active(killAt + 1000);
  const second = await active(killAt + 4500);
  return new Set([...first].filter(([id, on]) => second.get(id) === on).map(([id]) => id));
}

/** Waits until every job has ended or `until` passes. */
async function awaitEnds(counts: Queue, until: number): Promise<void> {
  while (Date.now() < until) {
    const { completed = 0, failed = 0 } = await counts.getJobCounts('completed', 'failed');
    if (completed + failed >= WAITS) return;
    await sleep(2000);
  }
}

/** Reads every wait's result through the producer: lost = not ended with its task's true outcome. */
async function outcomes(queue: WaitQueue, expected: ReadonlyMap<string, Outcome>): Promise<Outcomes> {
  const seen: Outcomes = { succeeded: 0, failed: 0, lost: 0 };
  const ids = [...expected.keys()];
  for (let i = 0; i < ids.length; i += 2000) {
    const batch = ids.slice(i, i + 2000);
    // One time limit per batch: on Node 20, a timeout signal per call, joined with AbortSignal.any
    // inside `result`, keeps memory after it fires.
    const signal = AbortSignal.timeout(10_000);
    const got = await Promise.all(
      batch.map((id) =>
        queue.result(id, { signal }).then(
          (status): Outcome | 'other' => (status.state === 'succeeded' ? 'succeeded' : 'other'),
          (error: unknown): Outcome | 'other' => (error instanceof TaskFailedError ? 'failed' : 'other'),
        ),
      ),
    );
    batch.forEach((id, k) => {
      const outcome = got[k];
      if (outcome === undefined || outcome === 'other' || outcome !== expected.get(id)) seen.lost += 1;
      else seen[outcome] += 1;
    });
  }
  return seen;
}

/** CPU seconds of each process: the workers, Redis, and this one (simulator + producer). */
function cpuNow(workers: readonly WorkerProcess[], redisPid: number): number[] {
  const own = process.cpuUsage();
  return [
    ...workers.map((w) => cpuSecondsOf(w.pid) ?? Number.NaN),
    cpuSecondsOf(redisPid) ?? Number.NaN,
    (own.user + own.system) / 1e6,
  ];
}

/** The timed run, from the first add to the check of every result. */
async function run(redis: TestRedis, sim: Simulator, workers: WorkerProcess[], dir: string): Promise<RunFigures> {
  const queueName = `bench-durable-${process.pid}`;
  const admin = new Redis(redis.url);
  const counts = new Queue(queueName, { connection: { host: redis.host, port: redis.port } });
  const queue = createWaitQueue({ connection: { host: redis.host, port: redis.port }, name: queueName });
  const redisPid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
  try {
    const baseline = await usedMemory(admin);
    const memory = trackMemory([...workers.map((w) => w.pid), process.pid]);
    const cpuStart = cpuNow(workers, redisPid);
    const t0 = Date.now() + 500;
    const added = await addWaits(queue, sim, t0);
    // Every wait added and (but the last second's) polled once; the first ends are one interval away.
    await sleep(1000);
    const stored = await memoryPerWait(admin, queue, queueName, [...added.expected.keys()], baseline);
    await sleep(t0 + 1.5 * INTERVAL_MS - Date.now());
    const cpuBeforeKill = cpuNow(workers, redisPid);
    const killAt = Date.now();
    workers[KILLED]?.child.kill('SIGKILL');
    const held = await heldJobs(counts, killAt);
    await awaitEnds(counts, t0 + (POLLS_MAX + 1) * INTERVAL_MS + 90_000);
    const endedAt = Date.now();
    const cpuEnd = cpuNow(workers, redisPid);
    const endedMemory = await usedMemory(admin);
    const seen = await outcomes(queue, added.expected);
    const rss = memory.stop();
    return {
      t0,
      killAt,
      held,
      endedAt,
      added,
      stored,
      endedPerWaitBytes: (endedMemory - baseline) / WAITS,
      seen,
      rss,
      cpu: { start: cpuStart, beforeKill: cpuBeforeKill, end: cpuEnd },
      logs: workers.map((_, i) => join(dir, `worker-${i}.log`)),
    };
  } finally {
    await queue.close();
    await counts.close();
    await admin.quit();
  }
}

export async function durableSection(): Promise<SectionResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'taskpoll-durable-'));
  const redis = await startRedis();
  // Rate limits off: the bench measures the fleet, not Guance's budget. It keeps one request in its log.
  const sim = await startSimulator({ seed: 15, rateLimits: false, maxRecordedRequests: 1 });
  const workers: WorkerProcess[] = [];
  try {
    const setupStarted = performance.now();
    for (let i = 0; i < WORKERS; i += 1) {
      workers.push(
        await spawnWorker({
          REDIS_HOST: redis.host,
          REDIS_PORT: String(redis.port),
          QUEUE: `bench-durable-${process.pid}`,
          BASE_URL: sim.guance.baseURL,
          API_KEY: sim.guance.apiKey,
          CONCURRENCY: String(CONCURRENCY),
          LOG: join(dir, `worker-${i}.log`),
        }),
      );
    }
    const startMs = performance.now() - setupStarted;
    const figures = await run(redis, sim, workers, dir);
    const traces = readTraces(figures.logs.map((path) => readFileSync(path, 'utf8')));
    // The killed worker's last line was written before it died, which may be a little after `killAt`.
    const died = Math.max(figures.killAt, lastLineOf(traces, KILLED));
    const measured = measure(traces, INTERVAL_MS, { worker: KILLED, at: died, held: figures.held });
    const steadyRate = pollRate(traces, figures.t0 + INTERVAL_MS, figures.killAt);
    return durableMarkdown({
      setup: { waits: WAITS, intervalMs: INTERVAL_MS, workers: WORKERS, concurrency: CONCURRENCY, startMs },
      figures,
      traces,
      measured,
      steadyRate,
      wallSeconds: (performance.now() - started) / 1000,
    });
  } finally {
    await Promise.all(workers.map((w) => closeWorker(w)));
    await sim.close();
    await redis.stop();
    if (process.env['DURABLE_KEEP_LOGS']) console.error(`durable: worker logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
