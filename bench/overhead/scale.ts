/**
 * Scale: 10,000 concurrent waits in one process against one simulator. The waits run in a child
 * process of their own (started with `--expose-gc`) so that its peak RSS, heap and CPU time are theirs
 * alone; the simulator runs in a third process (bench/overhead/sim-process.ts). The library is the
 * bundle built by bench/overhead/bundle.ts.
 *
 * Start it with {@link measureScale}; the child runs the `main()` at the bottom. For a look inside:
 * `BENCH_DEBUG=1` prints progress, `BENCH_CHILD_EXEC_ARGV="--cpu-prof"` profiles the waiting process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TaskAdapter } from '../../src/core/adapter.js';
import type { WaitOptions } from '../../src/core/options.js';
import type { BenchLibrary } from './bundle.js';
import { startSimulatorProcess, type SimulatorReport } from './sim-process.js';

/** How the scale run is set up. */
export interface ScaleSettings {
  waits: number;
  /** Task durations, uniform in [min, max] ms (real time: the simulator runs at timeScale 1). */
  taskMs: readonly [number, number];
  /** Wait options given to every wait (the rest are the defaults); `requestTimeoutMs` is also the adapter's. */
  wait: Pick<WaitOptions, 'initialDelayMs' | 'requestTimeoutMs'>;
}

/** What the child measured. */
export interface ScaleResult {
  settings: ScaleSettings;
  completed: number;
  succeeded: number;
  failedWaits: string[];
  polls: number;
  /** getStatus calls that threw (each then retried by the poller). */
  failedPolls: number;
  wallMs: number;
  /** CPU time of the waiting process from the first wait to the last end (user + system), in ms. */
  cpuMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** RSS before the waits started, and the peak RSS of the whole process (`resourceUsage().maxRSS`), in MiB. */
  rssBeforeMiB: number;
  peakRssMiB: number;
  /** heapUsed after a full GC, before the waits and while all were pending (none in flight), in bytes. */
  heapBefore: number;
  heapPending: number;
  heapPerWaitBytes: number;
  /** heapUsed after a full GC right after the waits started (first polls sent or waiting for a socket), per wait. */
  heapPerStartingWaitBytes: number;
  /** Polls in flight when the pending heap was taken (0 = all waits were sleeping). */
  inFlightAtHeapSample: number;
  /** When the pending heap was taken, in ms after the first wait started. */
  heapSampleAtMs: number;
  /** Active handles by type before the adapter existed and after everything ended and close() ran. */
  handlesBefore: Record<string, number>;
  handlesAfter: Record<string, number>;
  simulator: SimulatorReport;
}

const HERE = fileURLToPath(import.meta.url);

/** Runs the scale benchmark in a child process with the built library at `entryPath`. */
export function measureScale(entryPath: string, settings: ScaleSettings): Promise<ScaleResult> {
  return new Promise((resolve, reject) => {
    const child = fork(HERE, ['--bench-scale-child'], {
      execArgv: [
        '--import',
        'tsx',
        '--expose-gc',
        ...(process.env['BENCH_CHILD_EXEC_ARGV']?.split(' ').filter(Boolean) ?? []),
      ],
      env: { ...process.env, BENCH_SCALE: JSON.stringify({ entryPath, settings }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ScaleResult | undefined;
    child.on('message', (m) => {
      result = m as ScaleResult;
      if (process.env['BENCH_DEBUG']) console.error('scale result', JSON.stringify(result));
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`scale child exited with ${code} and no result`)),
    );
  });
}

function countHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function main(): Promise<void> {
  const { entryPath, settings } = JSON.parse(process.env['BENCH_SCALE'] as string) as {
    entryPath: string;
    settings: ScaleSettings;
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const lib = (await import(pathToFileURL(entryPath).href)) as BenchLibrary;

  // One key for all the waits: the simulator's rate limit is off, and so is the adapter's pacing (the
  // point is the library's cost per wait, in one process, not Guance's budget).
  const sim = await startSimulatorProcess({
    seed: 10_000,
    rateLimits: false,
    maxRecordedRequests: 2_000_000,
    guance: { defaults: { durationMs: settings.taskMs } },
  });
  const ids = await sim.createGuanceTasks(settings.waits, {});
  const debug = process.env['BENCH_DEBUG']
    ? (...args: unknown[]) => console.error('[scale]', ...args)
    : () => undefined;
  debug('tasks', ids.length);

  const handlesBefore = countHandles();
  const logmine = lib.guanceLogmine({
    baseURL: sim.guance.baseURL,
    apiKey: sim.guance.apiKey,
    pacing: false,
    ...(settings.wait.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: settings.wait.requestTimeoutMs }),
  });
  let polls = 0;
  let inFlight = 0;
  let failedPolls = 0;
  let answered = 0;
  const seen = new Set<string>();
  // Counts polls around the real adapter; no state per wait beyond the `seen` entry dropped after its first answer.
  const counted: TaskAdapter<string, unknown> = {
    provider: logmine.provider,
    taskId: (id) => logmine.taskId(id),
    async getStatus(id, ctx) {
      polls += 1;
      inFlight += 1;
      try {
        return await logmine.getStatus(id, ctx);
      } catch (error) {
        failedPolls += 1;
        throw error;
      } finally {
        inFlight -= 1;
        if (!seen.has(id)) {
          seen.add(id);
          answered += 1;
        }
      }
    },
  };

  gc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let succeeded = 0;
  const failedWaits: string[] = [];
  const all = Promise.all(
    ids.map((id) =>
      lib.waitForTask(counted, id, settings.wait).then(
        (done) => {
          if (done.state === 'succeeded') succeeded += 1;
        },
        (error: unknown) => {
          failedWaits.push(error instanceof Error ? error.name : String(error));
        },
      ),
    ),
  );

  // The heap at the start: every wait's first poll sent (64 on the wire) or waiting for a socket.
  await turn();
  gc();
  const heapStarting = process.memoryUsage().heapUsed;

  // The heap while every wait is pending: once each has had its first answer, at a moment with no
  // poll in flight (all sleeping), after a full GC.
  let heapPending = Number.NaN;
  let inFlightAtHeapSample = -1;
  let heapSampleAtMs = Number.NaN;
  let settled = false;
  void all.then(() => (settled = true));
  let firstAllAnsweredAt: number | undefined;
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    debug(
      't',
      Math.round(performance.now() - t0),
      'answered',
      answered,
      'inFlight',
      inFlight,
      'polls',
      polls,
      'done',
      succeeded + failedWaits.length,
      'rss',
      Math.round(process.memoryUsage().rss / 2 ** 20),
      'heap',
      Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      'ext',
      Math.round(process.memoryUsage().external / 2 ** 20),
      'ab',
      Math.round(process.memoryUsage().arrayBuffers / 2 ** 20),
    );
    if (answered < settings.waits || succeeded + failedWaits.length > 0) continue;
    firstAllAnsweredAt ??= performance.now();
    if (inFlight === 0 || performance.now() - firstAllAnsweredAt > 2000) {
      inFlightAtHeapSample = inFlight;
      heapSampleAtMs = performance.now() - t0;
      gc();
      gc();
      heapPending = process.memoryUsage().heapUsed;
      break;
    }
  }
  seen.clear();
  await all;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  logmine.close();
  for (let i = 0; i < 5; i += 1) await turn();
  const handlesAfter = countHandles();
  const simulator = await sim.report();
  await sim.close();

  const result: ScaleResult = {
    settings,
    completed: succeeded + failedWaits.length,
    succeeded,
    failedWaits: [...new Set(failedWaits)],
    polls,
    failedPolls,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBeforeMiB: rssBefore / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapBefore,
    heapPending,
    heapPerWaitBytes: (heapPending - heapBefore) / settings.waits,
    heapPerStartingWaitBytes: (heapStarting - heapBefore) / settings.waits,
    inFlightAtHeapSample,
    heapSampleAtMs,
    handlesBefore,
    handlesAfter,
    simulator,
  };
  process.send?.(result);
  process.disconnect?.();
}

if (process.argv.includes('--bench-scale-child')) await main();
