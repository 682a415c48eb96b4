/**
 * The results of durable waits, for one producer: ONE `QueueEvents` listener per queue and a map of
 * pending `result` calls by job id. The job is read again on each event (its `returnvalue` may not
 * read back yet at the event itself). The listener reads the events stream from the last entry that
 * was in it before its first `result` read its job, never from "now" (`$`): an event written between
 * that read and the listener's first blocking read, or while its connection was down, is still seen.
 *
 * @internal
 * @module
 */
import { type ConnectionOptions, type Job, QueueEvents } from 'bullmq';
import { TaskAbortedError, type TaskPollError, type TaskState, type TaskStatus } from '../index.js';
import { describe } from '../internal/checks.js';
import type { WaitJobData } from './data.js';
import { rebuildError, revivedStatus } from './errors.js';

/** What `result` takes. */
export interface ResultOptions {
  /** Stops waiting for the result (the wait itself goes on in the queue); rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Stops waiting for the result after this many ms, rejecting with a `TimeoutError` `DOMException`
   * (the wait itself goes on in the queue, to its own deadline).
   */
  timeoutMs?: number;
  /**
   * Told of each poll of the wait from now on, whichever worker process made it (through the queue's
   * `QueueEvents` listener). What it throws is ignored: it cannot end the wait.
   */
  onProgress?: (progress: WaitProgress) => void;
}

/** What a worker reports after each poll of a wait (the job's progress in BullMQ). */
export interface WaitProgress {
  /** Polls made so far (a resumed wait's earlier polls included). */
  attempts: number;
  /** The last status's state; `null` when no poll answered. */
  state: TaskState | null;
  /** The provider's own word for it; `null` when no poll answered. */
  providerState: string | null;
  /** Its progress, 0 to 100; `null` when the provider reported none. */
  progress: number | null;
}

interface Waiter {
  progress?: ((progress: WaitProgress) => void) | undefined;
  settle(job: Job<WaitJobData> | undefined): void;
  reject(reason: unknown): void;
}

type GetJob = (id: string) => Promise<Job<WaitJobData> | undefined>;
/** The id of the last entry in the queue's events stream (`0-0` when it is empty). */
type LastEventId = () => Promise<string>;

/** Pending results of one queue, woken by one listener. */
export class ResultBoard {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private events: QueueEvents | undefined;
  private ready: Promise<unknown> | undefined;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly connection: ConnectionOptions,
    private readonly getJob: GetJob,
    private readonly lastEventId: LastEventId,
  ) {}

  /** Resolves or rejects as {@link WaitQueue.result} says. */
  async wait(id: string, opts: ResultOptions = {}): Promise<TaskStatus> {
    const signal = signalOf(opts);
    signal.throwIfAborted();
    await this.listen();
    return new Promise<TaskStatus>((resolve, reject) => {
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, set);
      const done = () => {
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        progress: opts.onProgress,
        settle: (job) => {
          const outcome = outcomeOf(job, id);
          if (outcome === undefined) {
            // Finished, but its returnvalue does not read back yet: read it again shortly.
            if (job?.finishedOn) setTimeout(() => this.getJob(id).then(waiter.settle, waiter.reject), 50);
            return;
          }
          done();
          if (outcome.ok) resolve(outcome.status);
          else reject(outcome.error);
        },
        reject: (reason) => {
          done();
          reject(reason);
        },
      };
      const onAbort = () => waiter.reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      set.add(waiter);
      // Registered first, then read: an end between the two is seen either way.
      this.getJob(id).then((job) => {
        if (job) waiter.settle(job);
        else waiter.reject(new RangeError(`no durable wait with id "${id.slice(0, 80)}" in queue "${this.name}"`));
      }, waiter.reject);
    });
  }

  /** Rejects every pending result with an `AbortError` and closes the listener. */
  async close(): Promise<void> {
    this.closed = true;
    const reason = new DOMException('the wait queue was closed', 'AbortError');
    for (const set of this.waiters.values()) for (const w of [...set]) w.reject(reason);
    // A start still reading the stream's last entry sees `closed` and opens no listener.
    await this.events?.close();
  }

  /**
   * Starts the listener on first use; every later call waits for the same start. A start that fails
   * (Redis unreachable) is tried again by the next call; none starts once the queue is closed.
   */
  private listen(): Promise<unknown> {
    if (this.closed) return Promise.reject(new DOMException('the wait queue was closed', 'AbortError'));
    if (this.ready) return this.ready;
    this.ready = this.lastEventId().then((lastEventId) => {
      if (this.closed) throw new DOMException('the wait queue was closed', 'AbortError');
      return this.start(lastEventId);
    });
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private start(lastEventId: string): Promise<unknown> {
    const events = new QueueEvents(this.name, { connection: this.connection, lastEventId });
    this.events = events;
    events.on('error', () => undefined);
    events.on('completed', ({ jobId }) => this.wake(jobId, false));
    events.on('failed', ({ jobId }) => this.wake(jobId, false));
    events.on('removed', ({ jobId }) => this.wake(jobId, true));
    events.on('progress', ({ jobId, data }) => {
      for (const w of this.waiters.get(jobId) ?? []) {
        try {
          w.progress?.(data as unknown as WaitProgress);
        } catch {
          // A producer's callback cannot end a wait that runs elsewhere.
        }
      }
    });
    return events.waitUntilReady();
  }

  private wake(jobId: string, removed: boolean): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    void (removed ? Promise.resolve(undefined) : this.getJob(jobId)).then(
      (job) => {
        for (const w of [...set]) w.settle(job);
      },
      (error: unknown) => {
        for (const w of [...set]) w.reject(error);
      },
    );
  }
}

function signalOf(opts: ResultOptions): AbortSignal {
  const { signal, timeoutMs } = opts;
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw new TypeError(`onProgress must be a function, got ${describe(opts.onProgress)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs >= 1)) {
    throw new RangeError(`timeoutMs must be a whole number of ms ≥ 1, got ${describe(timeoutMs)}`);
  }
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  // One signal is used as it is: on Node 20, `AbortSignal.any` keeps some memory per call for good.
  if (signal === undefined || timeout === undefined) return signal ?? timeout ?? new AbortController().signal;
  return AbortSignal.any([signal, timeout]);
}

/** A finished job's outcome; `undefined` while it runs. A removed job reads as aborted. */
function outcomeOf(
  job: Job<WaitJobData> | undefined,
  id: string,
): { ok: true; status: TaskStatus } | { ok: false; error: TaskPollError } | undefined {
  if (!job) {
    const error = new TaskAbortedError({ lastStatus: undefined, attempts: 0, elapsedMs: 0 }, {});
    error.message = `The durable wait ${id.slice(0, 80)} was cancelled (its job was removed)`;
    return { ok: false, error };
  }
  if (job.data.error) return { ok: false, error: rebuildError(job.data.error) };
  if (job.finishedOn && job.returnvalue) return { ok: true, status: revivedStatus(job.returnvalue) };
  if (job.finishedOn && job.failedReason) return { ok: false, error: rebuildError({ message: job.failedReason }) };
  return undefined;
}
