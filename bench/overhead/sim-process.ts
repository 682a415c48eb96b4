/**
 * The simulator in a child process of its own (`fork` with `--import tsx`), driven over IPC, so that
 * the CPU time, heap and RSS of a benchmark's client process are the client's alone.
 *
 * Start it with {@link startSimulatorProcess}; the child runs the `main()` at the bottom.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GuanceTaskScript, SimulatorOptions } from '../../src/testing/index.js';

/** What the child reports about the requests it saw. */
export interface SimulatorReport {
  /** Requests recorded. */
  requests: number;
  /** Requests by HTTP status (`'none'` for unanswered ones). */
  byStatus: Record<string, number>;
  /** Guance rate-limit refusals: 401 with `ft.TriggerApiAkCurrentLimiting`. */
  rateLimited: number;
  /** CPU time of the simulator process (user + system), in ms. */
  cpuMs: number;
}

/** A simulator running in a child process. */
export interface SimulatorProcess {
  guance: { baseURL: string; apiKey: string };
  /** Creates `count` Guance tasks (as if submitted by another client) and returns their ids. */
  createGuanceTasks(count: number, script: GuanceTaskScript): Promise<string[]>;
  report(): Promise<SimulatorReport>;
  close(): Promise<void>;
}

type Command = { cmd: 'create'; count: number; script: GuanceTaskScript } | { cmd: 'report' } | { cmd: 'close' };
type Request = { id: number } & Command;
type Reply = { id: number; ids?: string[]; report?: SimulatorReport; error?: string };

const HERE = fileURLToPath(import.meta.url);

/** Forks the simulator process with `options` (JSON-serializable ones only). */
export async function startSimulatorProcess(options: SimulatorOptions): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(HERE, ['--bench-sim-child'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SIM_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: Reply) => void>();
  let next = 0;
  const ready = new Promise<{ baseURL: string; apiKey: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { baseURL: string; apiKey: string }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
  });
  const guance = await ready;
  child.on('message', (m) => {
    const reply = m as Reply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const ask = (request: Command): Promise<Reply> =>
    new Promise((resolve, reject) => {
      next += 1;
      const id = next;
      pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      child.send({ ...request, id });
    });
  return {
    guance,
    createGuanceTasks: async (count, script) => (await ask({ cmd: 'create', count, script })).ids as string[],
    report: async () => (await ask({ cmd: 'report' })).report as SimulatorReport,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ cmd: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const { startSimulator } = await import('../../src/testing/index.js');
  const sim = await startSimulator(JSON.parse(process.env['BENCH_SIM_OPTIONS'] ?? '{}') as SimulatorOptions);
  const cpu0 = process.cpuUsage();
  const send = (message: unknown): void => void process.send?.(message);
  process.on('message', (message) => {
    const request = message as Request;
    try {
      if (request.cmd === 'create') {
        const ids = Array.from({ length: request.count }, () => sim.guance.createTask(request.script));
        send({ id: request.id, ids });
      } else if (request.cmd === 'report') {
        const byStatus: Record<string, number> = {};
        let rateLimited = 0;
        const requests = sim.requests;
        for (const r of requests) {
          const key = r.status === undefined ? 'none' : String(r.status);
          byStatus[key] = (byStatus[key] ?? 0) + 1;
          if (r.provider === 'guance' && r.status === 401) rateLimited += 1;
        }
        const cpu = process.cpuUsage(cpu0);
        send({
          id: request.id,
          report: { requests: requests.length, byStatus, rateLimited, cpuMs: (cpu.user + cpu.system) / 1000 },
        });
      } else {
        void sim.close().then(() => {
          send({ id: request.id });
          process.disconnect?.();
        });
      }
    } catch (error) {
      send({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey });
}

if (process.argv.includes('--bench-sim-child')) await main();
