/**
 * The results of durable waits, for one producer: ONE `QueueEvents` listener per queue and a map of
 * pending `result` calls by job id. The job is read again on each event (its `returnvalue` may not
 * read back yet at the event itself). The listener reads the events stream from the last entry that
 * was in it before its first `result` read its job, never from "now" (`$`): an event written between
 * that read and the listener's first blocking read, or while its connection was down, is still seen.
 *
 * BullMQ trims the events stream, so a listener that falls behind or reconnects late can miss an end
 * for good: while results are pending, a sweep also reads where their jobs stand every few seconds
 * (one round trip per batch) and settles those that ended or were removed.
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
  /** Set once its first read found the job: from then on a sweep may settle it. */
  armed: boolean;
  /** Set once it resolved or rejected: later reads and events are ignored. */
  done: boolean;
  settle(job: Job<WaitJobData> | undefined): void;
  reject(reason: unknown): void;
}

/** Where a job stands, as a sweep reads it: `removed` when its key is gone. */
export type JobEnd = 'running' | 'ended' | 'removed';

/** The Redis reads of a board, on the producer's queue connection. */
export interface BoardReads {
  /** The job of wait `id`; `undefined` once it was removed, or for an id the queue never held. */
  getJob(id: string): Promise<Job<WaitJobData> | undefined>;
  /** The id of the last entry in the queue's events stream (`0-0` when it is empty). */
  lastEventId(): Promise<string>;
  /** Where each of these jobs stands, read in one round trip. */
  jobEnds(ids: readonly string[]): Promise<JobEnd[]>;
}

/**
 * How often the jobs of pending results are read, in ms, for ends whose event the listener never saw.
 * Short enough that such a result is late by little, long enough that the reads cost Redis little.
 */
const SWEEP_MS = 5_000;
/** How many jobs one round trip of a sweep reads. */
const SWEEP_BATCH = 1_000;

const closedError = () => new DOMException('the wait queue was closed', 'AbortError');

/** Pending results of one queue, woken by one listener and by a sweep. */
export class ResultBoard {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private events: QueueEvents | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly name: string,
    private readonly connection: ConnectionOptions,
    private readonly reads: BoardReads,
  ) {}

  /** Resolves or rejects as {@link WaitQueue.result} says. */
  async wait(id: string, opts: ResultOptions = {}): Promise<TaskStatus> {
    const signal = signalOf(opts);
    signal.throwIfAborted();
    if (this.closed) throw closedError();
    return new Promise<TaskStatus>((resolve, reject) => {
      // Registered before the listener starts: `close()` and the signal reach it while the start
      // waits for Redis, which may be down for minutes.
      const waiter = this.register(id, signal, opts.onProgress, resolve, reject);
      // Read once the listener's place in the events stream is known: an end after the read is an event
      // the listener reads, an end before it is in the job read.
      this.listen()
        .then(() => (waiter.done ? undefined : this.reads.getJob(id)))
        .then((job) => {
          if (waiter.done) return;
          if (!job) {
            waiter.reject(new RangeError(`no durable wait with id "${id.slice(0, 80)}" in queue "${this.name}"`));
            return;
          }
          waiter.armed = true;
          this.sweepLater();
          waiter.settle(job);
        }, waiter.reject);
    });
  }

  /** Rejects every pending result with an `AbortError` and closes the listener. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const reason = closedError();
    for (const set of this.waiters.values()) for (const w of [...set]) w.reject(reason);
    // A start still reading the stream's last entry sees `closed` and opens no listener.
    await this.events?.close();
  }

  /** Adds a waiter for `id` that settles the promise once, and leaves the board when it does. */
  private register(
    id: string,
    signal: AbortSignal,
    progress: ResultOptions['onProgress'],
    resolve: (status: TaskStatus) => void,
    reject: (reason: unknown) => void,
  ): Waiter {
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    this.waiters.set(id, set);
    const finish = () => {
      waiter.done = true;
      set.delete(waiter);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
      if (this.waiters.size === 0) {
        clearTimeout(this.sweepTimer);
        this.sweepTimer = undefined;
      }
      signal.removeEventListener('abort', onAbort);
    };
    const waiter: Waiter = {
      progress,
      armed: false,
      done: false,
      settle: (job) => {
        if (waiter.done) return;
        const outcome = outcomeOf(job, id);
        if (outcome === undefined) {
          // Finished, but its returnvalue does not read back yet: read it again shortly.
          if (job?.finishedOn) setTimeout(() => this.reads.getJob(id).then(waiter.settle, waiter.reject), 50);
          return;
        }
        finish();
        if (outcome.ok) resolve(outcome.status);
        else reject(outcome.error);
      },
      reject: (reason) => {
        if (waiter.done) return;
        finish();
        reject(reason);
      },
    };
    const onAbort = () => waiter.reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    set.add(waiter);
    return waiter;
  }

  /**
   * Resolves once the listener's place in the events stream is known; the listener itself starts on
   * first use and connects on its own (it reads from that place whenever it gets there). A start that
   * fails (Redis unreachable) is tried again by the next call; none starts once the queue is closed.
   */
  private listen(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.ready) return this.ready;
    this.ready = this.reads.lastEventId().then((lastEventId) => {
      if (this.closed) throw closedError();
      this.start(lastEventId);
    });
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private start(lastEventId: string): void {
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
  }

  /**
   * Settles the results of `jobId` from its job read now (`removed`: from its absence). A sweep wakes
   * only the results whose first read found the job: for the others, that read still decides.
   */
  private wake(jobId: string, removed: boolean, armedOnly = false): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    const woken = () => [...set].filter((w) => w.armed || !armedOnly);
    void (removed ? Promise.resolve(undefined) : this.reads.getJob(jobId)).then(
      (job) => {
        for (const w of woken()) w.settle(job);
      },
      (error: unknown) => {
        for (const w of woken()) w.reject(error);
      },
    );
  }

  /** Plans the next sweep, unless one is planned or running; it holds no process open. */
  private sweepLater(): void {
    if (this.sweepTimer !== undefined || this.sweeping || this.closed || this.waiters.size === 0) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      void this.sweep();
    }, SWEEP_MS);
    this.sweepTimer.unref();
  }

  /**
   * Reads where the jobs of armed results stand and wakes those that ended or were removed: the events
   * stream is trimmed, so a listener that falls behind or reconnects can miss an end for good.
   */
  private async sweep(): Promise<void> {
    this.sweeping = true;
    try {
      const ids = [...this.waiters].filter(([, set]) => [...set].some((w) => w.armed)).map(([id]) => id);
      for (let i = 0; i < ids.length && !this.closed; i += SWEEP_BATCH) {
        const batch = ids.slice(i, i + SWEEP_BATCH);
        const ends = await this.reads.jobEnds(batch);
        batch.forEach((id, j) => {
          if (ends[j] !== 'running') this.wake(id, ends[j] === 'removed', true);
        });
      }
    } catch {
      // Redis unreachable: the next sweep reads again.
    } finally {
      this.sweeping = false;
    }
    this.sweepLater();
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
