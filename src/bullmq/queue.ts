/**
 * The producer side of durable waits: adds waits to a BullMQ queue and reads their outcome, from any
 * process. It holds no adapter and no credential: the workers have those.
 */
import { type ConnectionOptions, type Job, Queue } from 'bullmq';
import type { TaskStatus, WaitSnapshot } from '../index.js';
import { describe, numberOption } from '../internal/checks.js';
import { type DurableWaitOptions, jobDataOf, type WaitJobData } from './data.js';
import { type JobEnd, type ResultOptions, ResultBoard } from './results.js';

/** The queue name producers and workers use when given none. */
export const DEFAULT_QUEUE_NAME = 'taskpoll-waits';

export type { ResultOptions } from './results.js';

/** What {@link createWaitQueue} takes. */
export interface WaitQueueOptions {
  /**
   * The Redis connection: ioredis options (`{ host, port }`), or an ioredis instance made with
   * `maxRetriesPerRequest: null`.
   */
  connection: ConnectionOptions;
  /** The queue's name, as the workers'. @default 'taskpoll-waits' */
  name?: string;
  /**
   * How long a finished wait (its outcome, for `result` and `status`) stays in Redis, in ms: at least
   * 1000, or `Infinity` to keep every one. BullMQ removes older ones as later waits end the same way
   * (completed, or failed), by the setting of the wait that ends: give every producer of a queue the
   * same value. `result` of a removed wait rejects with `RangeError`. @default 604800000 (7 days)
   */
  keepFinishedMs?: number;
}

/** How long a finished wait stays in Redis when the queue is given no `keepFinishedMs`: 7 days. */
export const KEEP_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;

/** How many activations BullMQ's own failures (not the wait's) may end before a wait fails for them. */
const BULLMQ_ATTEMPTS = 10;

/** What `add` resolves with. */
export interface AddedWait {
  /** The wait's job id, for `result`, `status` and `cancel`. */
  id: string;
}

/** A queue of durable waits, seen from a producer. */
export interface WaitQueue {
  /**
   * Adds a wait for `ref` with the workers' adapter of `provider`, and resolves with its job id once it
   * is stored. Options are checked first (`TypeError`/`RangeError`, nothing written). `timeoutMs` is
   * turned into a deadline at this call: the time a job spends queued counts. With a `jobId` the queue
   * already holds, no second wait starts: that wait's id is returned.
   */
  add(provider: string, ref: unknown, options?: DurableWaitOptions): Promise<AddedWait>;
  /**
   * The wait's end: resolves with the terminal status (`succeeded`, or `partial` with `acceptPartial`;
   * `raw` is `null`: the provider's body stays in the worker), or rejects with the error class the
   * in-process wait would have thrown, rebuilt from data: `code`, `message`, `provider`, `taskId`,
   * `transient`, `retryAfterMs` and the class's own fields (`status`, `lastStatus`, `attempts`,
   * `elapsedMs`, `queuedMs`, `timeoutMs`, `deadline`, `snapshot`, `httpStatus`, `providerCode`, `errno`,
   * `issues`, …); never `cause`, `rows` or `remoteCancel.error`. A wait removed by `cancel` rejects with
   * `TaskAbortedError`; an unknown id with `RangeError`. An end whose event the queue's listener missed
   * (BullMQ trims the events stream) is found by a sweep of the pending waits' jobs a few seconds later.
   * `timeoutMs`, `signal` and `close()` end it even while Redis is unreachable.
   */
  result(id: string, options?: ResultOptions): Promise<TaskStatus>;
  /** The wait's last snapshot (after its last poll); `undefined` for an unknown id or before its first poll. */
  status(id: string): Promise<WaitSnapshot | undefined>;
  /**
   * Removes a wait that has not ended, so no worker polls it again; resolves with whether one was
   * removed. A poll in flight finishes first. The provider's task is not cancelled.
   */
  cancel(id: string): Promise<boolean>;
  /** Closes the queue's Redis connections; pending `result` calls reject with an `AbortError`. */
  close(): Promise<void>;
}

/** Creates the producer side of a durable-wait queue. */
export function createWaitQueue(options: WaitQueueOptions): WaitQueue {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createWaitQueue needs an options object, got ${describe(options)}`);
  }
  const { connection, name = DEFAULT_QUEUE_NAME, keepFinishedMs } = options;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  // BullMQ counts the age in seconds; `false` keeps finished jobs for good.
  const keep =
    keepFinishedMs === Number.POSITIVE_INFINITY
      ? false
      : {
          age: Math.ceil(
            numberOption('keepFinishedMs', keepFinishedMs, KEEP_FINISHED_MS, 1000, Number.MAX_SAFE_INTEGER) / 1000,
          ),
        };
  const queue = new Queue<WaitJobData>(name, { connection });
  queue.on('error', () => undefined);
  const getJob = (id: string) => queue.getJob(id) as Promise<Job<WaitJobData> | undefined>;
  const lastEventId = async (): Promise<string> => {
    const client = await queue.getBackend().client;
    const last = (await client.runCommand('xrevrange', [queue.keys.events, '+', '-', 'COUNT', 1])) as [string][];
    return last[0]?.[0] ?? '0-0';
  };
  // A removed job's key is gone; an ended one has its `finishedOn`.
  const jobEnds = async (ids: readonly string[]): Promise<JobEnd[]> => {
    const client = await queue.getBackend().client;
    const pipeline = client.pipeline();
    for (const id of ids) {
      pipeline.runCommand('exists', [queue.toKey(id)]).runCommand('hexists', [queue.toKey(id), 'finishedOn']);
    }
    const replies = (await pipeline.exec()) ?? [];
    const reply = (k: number): unknown => {
      const [error, value] = replies[k] ?? [new Error('a sweep read got fewer replies than it asked for'), null];
      if (error) throw error;
      return value;
    };
    return ids.map((_, i) => (reply(2 * i) === 0 ? 'removed' : reply(2 * i + 1) === 1 ? 'ended' : 'running'));
  };
  const board = new ResultBoard(name, connection, { getJob, lastEventId, jobEnds });

  return {
    add: async (provider, ref, addOptions) => {
      const data = jobDataOf(provider, ref, addOptions, Date.now());
      const job = await queue.add('wait', data, {
        ...(addOptions?.jobId !== undefined && { jobId: addOptions.jobId }),
        // A wait's own failures skip BullMQ's retries (UnrecoverableError); these are for BullMQ's
        // own writes that fail at the end of an activation (completing a job), which must not end it.
        attempts: BULLMQ_ATTEMPTS,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: keep,
        removeOnFail: keep,
      });
      return { id: String(job.id) };
    },
    result: (id, opts) => {
      checkId(id);
      return board.wait(id, opts);
    },
    status: async (id) => {
      checkId(id);
      return (await getJob(id))?.data.snapshot;
    },
    cancel: async (id) => {
      checkId(id);
      return removeWait(getJob, id);
    },
    close: async () => {
      await board.close();
      await queue.close();
    },
  };
}

/** Removes a wait's job that has not ended, once a poll in flight has let go of it. */
async function removeWait(getJob: (id: string) => Promise<Job<WaitJobData> | undefined>, id: string): Promise<boolean> {
  const job = await getJob(id);
  if (!job || job.finishedOn) return false;
  for (;;) {
    try {
      await job.remove();
      return true;
    } catch {
      // Locked by a poll in flight: it goes back to the delayed set within the lock's time.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!(await getJob(id)) || (await job.isCompleted()) || (await job.isFailed())) return false;
    }
  }
}

function checkId(id: unknown): void {
  if (typeof id !== 'string' || id === '') throw new TypeError(`id must be a non-empty string, got ${describe(id)}`);
}
