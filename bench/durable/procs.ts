/**
 * The processes of the durable-waits benchmark: spawning the wait workers, and reading any process's
 * memory and CPU time from /proc (Linux), so the table can say where the two cores went.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const WORKER = resolve(import.meta.dirname, 'worker.ts');
const ROOT = resolve(import.meta.dirname, '../..');
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** A spawned worker process. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

/** Starts one wait worker (worker.ts) and resolves once it says it is ready. */
export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((ready, fail) => {
    child.once('message', () => ready());
    child.once('exit', (code) => fail(new Error(`wait worker exited (${code}) before it was ready`)));
  });
  return { child, pid: child.pid as number, exited };
}

/** Asks a worker to close (polls in flight finish) and waits for its exit; SIGKILL after `graceMs`. */
export async function closeWorker(worker: WorkerProcess, graceMs = 20_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.send({ cmd: 'close' });
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  await worker.exited;
  clearTimeout(timer);
}

/** Resident memory now and at its peak, in bytes; `undefined` once the process is gone. */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    const rss = kB('VmRSS') * 1024;
    const peak = kB('VmHWM') * 1024;
    // A process killed but not yet reaped has no memory lines left.
    return Number.isFinite(rss) && Number.isFinite(peak) ? { rss, peak } : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds the process has used; `undefined` once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** The peak and last resident memory of a process, sampled. */
export interface MemoryTrack {
  peak: number;
  last: number;
}

/** Samples the memory of `pids` every `everyMs` until stopped; a process gone keeps its last sample. */
export function trackMemory(pids: readonly number[], everyMs = 1000): { stop(): MemoryTrack[] } {
  const tracks: MemoryTrack[] = pids.map(() => ({ peak: 0, last: 0 }));
  const sample = () => {
    pids.forEach((pid, i) => {
      const now = memoryOf(pid);
      const track = tracks[i] as MemoryTrack;
      if (!now) return;
      track.last = now.rss;
      track.peak = Math.max(track.peak, now.peak, now.rss);
    });
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return tracks;
    },
  };
}
