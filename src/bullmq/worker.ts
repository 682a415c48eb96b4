/**
 * The wait worker: one job activation is one poll of one wait. The job's snapshot is resumed, one
 * status taken, the new snapshot stored, and the job put back in BullMQ's delayed set until its next
 * poll is due: a sleeping wait holds no worker slot and no memory in any process.
 */
import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { pollTask, type TaskAdapter, TaskFailedError, type TaskStatus, WAIT_DEFAULTS } from '../index.js';
import { checkSnapshot } from '../core/snapshot.js';
import { describe } from '../internal/checks.js';
import { checkJobData, type WaitJobData } from './data.js';
import { storedError, storedStatus } from './errors.js';
import { DEFAULT_QUEUE_NAME } from './queue.js';
import type { WaitProgress } from './results.js';

/** How long a worker's lock on a job in flight lasts, in ms (renewed every half of it while it polls). */
export const WAIT_LOCK_MS = 10_000;
/** How often a worker looks for jobs whose lock ran out (a killed worker's), in ms. */
export const WAIT_STALLED_INTERVAL_MS = 5_000;

/** What {@link startWaitWorker} takes. */
export interface WaitWorkerOptions {
  /**
   * The Redis connection: ioredis options (`{ host, port }`), or an ioredis instance made with
   * `maxRetriesPerRequest: null` (BullMQ refuses others).
   */
  connection: ConnectionOptions;
  /** The queue's name, as the producer's. @default 'taskpoll-waits' */
  name?: string;
  /**
   * The adapters the worker polls with, found by their `provider`. They hold the credentials, which
   * stay in this process: a job names only the provider.
   */
  // biome-ignore lint/suspicious/noExplicitAny: adapters of any ref and result type are accepted.
  adapters: readonly TaskAdapter<any, any>[];
  /** How many polls run at once in this worker. @default 10 */
  concurrency?: number;
}

/** A running wait worker. */
export interface WaitWorker {
  /**
   * Stops taking jobs, lets the polls in flight finish (each stores its snapshot and goes back to the
   * delayed set), and closes the worker's Redis connections. The adapters are left open.
   */
  close(): Promise<void>;
}

/**
 * Starts a worker that runs the durable waits of a queue with `adapters`. Its lock lasts
 * {@link WAIT_LOCK_MS} and stalled jobs are looked for every {@link WAIT_STALLED_INTERVAL_MS}, so a wait
 * whose worker was killed is polled again by another within 15 s; a wait survives any number of such
 * crashes. A Redis write that fails during an activation (Redis full or read-only, a command timeout)
 * never fails the wait: its poll is done again from the last stored snapshot. Throws
 * `TypeError`/`RangeError` on bad options.
 */
export function startWaitWorker(options: WaitWorkerOptions): WaitWorker {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`startWaitWorker needs an options object, got ${describe(options)}`);
  }
  const { connection, name = DEFAULT_QUEUE_NAME, adapters, concurrency = 10 } = options;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  if (!Array.isArray(adapters) || adapters.length === 0) {
    throw new TypeError(`adapters must be a non-empty array of adapters, got ${describe(adapters)}`);
  }
  const byProvider = new Map<string, TaskAdapter<unknown, unknown>>();
  for (const adapter of adapters) {
    if (typeof adapter?.provider !== 'string' || typeof adapter.getStatus !== 'function') {
      throw new TypeError(`adapters must hold adapters, got ${describe(adapter)}`);
    }
    if (byProvider.has(adapter.provider)) throw new TypeError(`adapters has two adapters for "${adapter.provider}"`);
    byProvider.set(adapter.provider, adapter);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new RangeError(`concurrency must be a whole number from 1 to 10000, got ${describe(concurrency)}`);
  }
  const worker = new Worker<WaitJobData>(name, (job, token) => activate(job, token, byProvider), {
    connection,
    concurrency,
    lockDuration: WAIT_LOCK_MS,
    stalledInterval: WAIT_STALLED_INTERVAL_MS,
    // Every activation is one poll; a crash mid-poll only means the poll is done again.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  });
  // A Redis outage is reported by BullMQ here and retried by ioredis; without a listener Node would
  // treat it as an uncaught error and end the process.
  worker.on('error', () => undefined);
  return { close: () => worker.close() };
}

/**
 * How soon at the earliest a wait is activated again after a Redis write of its activation failed, in
 * ms: short, as the task may be close to its end; its schedule's next poll when that is later.
 */
const WRITE_RETRY_MS = 1_000;

/**
 * How far ahead of its stored `nextPollAt` a wait may be activated and still sleep in the activation,
 * in ms; further ahead, the job goes back to the delayed set at once.
 */
const EARLY_ACTIVATION_MS = 1_000;

/** One activation: one poll, then the job is delayed, completed or failed. */
async function activate(
  job: Job<WaitJobData>,
  token: string | undefined,
  adapters: ReadonlyMap<string, TaskAdapter<unknown, unknown>>,
): Promise<unknown> {
  let data: WaitJobData;
  try {
    // The snapshot is checked here too: its `nextPollAt` is read before `pollTask` would check it.
    data = checkJobData(job.data);
    if (data.snapshot !== undefined) checkSnapshot(data.snapshot);
  } catch (error) {
    return fail(job, token, error);
  }
  // Its failure is stored but the job was not moved to failed (that write failed): it ends as stored.
  if (data.error !== undefined) throw unrecoverable(String(data.error['message']));
  // Taken up before its poll is due (its worker died after storing the snapshot, before delaying the
  // job): back to the delayed set, rather than holding a worker slot while the resumed wait sleeps.
  // Never past the deadline (where the resumed wait times out), and at most the schedule's longest
  // delay (a minute at least) ahead: a stored instant is data read back, and one far off must not park
  // the wait for good.
  const dueAt = data.snapshot?.nextPollAt ?? Number.NEGATIVE_INFINITY;
  const now = Date.now();
  const horizon = now + Math.max(data.options.maxDelayMs ?? WAIT_DEFAULTS.maxDelayMs, 60_000);
  const wakeAt = Math.min(dueAt, data.options.deadline ?? dueAt, horizon);
  if (wakeAt - now > EARLY_ACTIVATION_MS) {
    await writeOrRetry(job, token, wakeAt, () => job.moveToDelayed(wakeAt, token));
    throw new DelayedError();
  }
  return pollOnce(job, token, data, adapters);
}

/** The poll of an activation, and the job delayed, completed or failed by what it saw. */
async function pollOnce(
  job: Job<WaitJobData>,
  token: string | undefined,
  data: WaitJobData,
  adapters: ReadonlyMap<string, TaskAdapter<unknown, unknown>>,
): Promise<unknown> {
  let status: TaskStatus | undefined;
  let iterator: ReturnType<typeof pollTask<unknown, unknown>> | undefined;
  try {
    const adapter = adapters.get(data.provider);
    if (!adapter) throw new TypeError(`this worker has no adapter for provider "${data.provider.slice(0, 80)}"`);
    const { deadline, ...rest } = data.options;
    const until = deadline === null ? { timeoutMs: Number.POSITIVE_INFINITY } : { deadline };
    iterator = pollTask(adapter, data.ref, { ...rest, ...until, ...(data.snapshot && { resumeFrom: data.snapshot }) });
    const step = await iterator.next();
    status = step.done ? undefined : step.value;
  } catch (error) {
    return fail(job, token, error);
  } finally {
    await iterator?.return?.(undefined);
  }
  const snapshot = iterator.snapshot();
  const next = { ...data, ...(snapshot && { snapshot }) };
  if (status?.terminal) {
    const accepted = status.state === 'succeeded' || (status.state === 'partial' && data.options.acceptPartial);
    let stored: ReturnType<typeof storedStatus>;
    try {
      stored = storedStatus(status);
    } catch (error) {
      // A result that is not JSON (a BigInt) cannot be handed to the producer: a typed failure, once.
      const why = error instanceof Error ? error.message : String(error);
      return fail(job, token, new TypeError(`the task's result cannot be stored as JSON: ${why}`), next);
    }
    await writeOrRetry(job, token, Date.now(), () => job.updateData(next));
    if (accepted) return stored;
    return fail(job, token, new TaskFailedError({ ...status, raw: null }), next);
  }
  const progress: WaitProgress = {
    attempts: snapshot?.attempts ?? 0,
    state: status?.state ?? null,
    providerState: status?.providerState ?? null,
    progress: status?.progress ?? null,
  };
  // No poll planned (none fits before the deadline): wake at the deadline, where the resume times out.
  const wakeAt = snapshot?.nextPollAt ?? data.options.deadline ?? Date.now();
  await writeOrRetry(job, token, wakeAt, async () => {
    await job.updateData(next);
    await job.updateProgress(progress as unknown as object);
    await job.moveToDelayed(wakeAt, token);
  });
  throw new DelayedError();
}

/**
 * Runs an activation's Redis writes. One that fails (Redis full or read-only, a command timeout set on
 * the caller's ioredis client, a lock lost in a long outage) must not end the wait, as a plain error
 * thrown to BullMQ would: the job goes back to the delayed set until `wakeAt` (its schedule's next
 * poll; at least {@link WRITE_RETRY_MS} ahead, so a Redis that stays full is not asked in a loop) and
 * that activation polls again from the snapshot last stored. Should that move fail too, the job stays
 * active until its lock runs out and BullMQ's stalled-job check hands it to a worker again; never is
 * it moved to failed with a lock it may no longer hold.
 */
async function writeOrRetry(
  job: Job<WaitJobData>,
  token: string | undefined,
  wakeAt: number,
  write: () => Promise<unknown>,
): Promise<void> {
  try {
    await write();
  } catch {
    await job.moveToDelayed(Math.max(wakeAt, Date.now() + WRITE_RETRY_MS), token).catch(() => undefined);
    throw new DelayedError();
  }
}

/** BullMQ's no-retry failure with `message` only: it stores the stack too (no paths, no quoted values). */
function unrecoverable(message: string): UnrecoverableError {
  const reason = new UnrecoverableError(message);
  reason.stack = reason.message;
  return reason;
}

/** Fails the job with `error` stored as data, its message only in BullMQ's reason, and no retry. */
async function fail(
  job: Job<WaitJobData>,
  token: string | undefined,
  error: unknown,
  data: unknown = job.data,
): Promise<never> {
  const stored = storedError(error);
  const base = typeof data === 'object' && data !== null ? data : {};
  await writeOrRetry(job, token, Date.now(), () => job.updateData({ ...(base as WaitJobData), error: stored }));
  throw unrecoverable(String(stored['message']));
}
