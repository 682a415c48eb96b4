/**
 * One wait worker process of the durable-waits benchmark: `startWaitWorker` with a Guance adapter on
 * the simulator, whose `taskId` and `getStatus` are wrapped to append one line per event to this
 * worker's own log file with `writeSync` (so the lines written before a SIGKILL are on disk):
 * `A <taskId> <ms>` when an activation takes a wait up (`pollTask` reads the task id once per
 * activation), `S <taskId> <ms>` when a poll's request starts, `E <taskId> <ms> <state>` when it
 * answers and `X <taskId> <ms> <code>[/<errno>]` when it throws. Times are `Date.now()`. It says `ready` over IPC and,
 * on `close`, closes the worker and the adapter and exits.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TaskAdapter } from 'taskpoll';
import { startWaitWorker } from 'taskpoll/bullmq';
import { guanceLogmine } from 'taskpoll/guance';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const log = openSync(env('LOG'), 'a');
const line = (text: string): void => {
  writeSync(log, `${text}\n`);
};

const logmine = guanceLogmine({ baseURL: env('BASE_URL'), apiKey: env('API_KEY'), pacing: false });
const logged: TaskAdapter<string, unknown> = {
  ...logmine,
  taskId(ref) {
    const id = logmine.taskId(ref);
    line(`A ${id} ${Date.now()}`);
    return id;
  },
  async getStatus(ref, ctx) {
    line(`S ${ref} ${Date.now()}`);
    try {
      const status = await logmine.getStatus(ref, ctx);
      line(`E ${ref} ${Date.now()} ${status.state}`);
      return status;
    } catch (error) {
      const { code, errno } = error as { code?: string; errno?: string };
      line(`X ${ref} ${Date.now()} ${code ?? 'unknown'}${errno ? `/${errno}` : ''}`);
      throw error;
    }
  },
};

const worker = startWaitWorker({
  connection: { host: env('REDIS_HOST'), port: Number(env('REDIS_PORT')) },
  name: env('QUEUE'),
  adapters: [logged],
  concurrency: Number(env('CONCURRENCY')),
});

process.on('message', (message: { cmd: string }) => {
  if (message.cmd !== 'close') return;
  void worker.close().then(() => {
    logmine.close();
    closeSync(log);
    process.disconnect?.();
  });
});
process.send?.({ ready: true });
