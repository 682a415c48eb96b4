/**
 * The shared budget's pacer: one per process (or per adapter group), all of them on one Redis budget.
 * Within the process, calls wait in the in-process pacer's queue (`pacing-queue.ts`: calls and cancels
 * first, then polls by deadline) and only the first of them asks Redis for a slot; when Redis says
 * no, it says when the next slot frees, and the queue sleeps until then (one timer, no polling in
 * between). Across processes, who asks first after a slot frees gets it: the order is best effort.
 *
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { NetworkError } from '../core/errors/NetworkError.js';
import type { Pacer, PacerRequest, PacerSlot, PacerStats } from '../core/transport.js';
import { onAbort } from '../internal/abort.js';
import { MAX_TIMER_MS, monotonicNow } from '../internal/clock.js';
import { classify, pacerStats, SlotQueue, type QueueEntry } from '../internal/pacing-queue.js';
import { closedPacerError, MAX_MARGIN_FRACTION, MAX_PAUSE_MS, MIN_MARGIN_FRACTION } from '../internal/pacing.js';
import { ACQUIRE, ANSWERED, type BudgetKeys, PAUSE, runScript, type ScriptClient } from './scripts.js';

/** The checked settings of one shared pacer. */
export interface SharedBudget {
  readonly redis: ScriptClient;
  readonly keys: BudgetKeys;
  readonly limit: number;
  readonly intervalMs: number;
  readonly maxConcurrency: number;
  readonly redisTimeoutMs: number;
}

interface Waiter extends QueueEntry {
  resolve: (slot: PacerSlot) => void;
  reject: (reason: unknown) => void;
  unsubscribe: (() => void) | undefined;
  /** Counted in `stats.delayed` already. */
  delayed: boolean;
}

/** What the acquire script answers: granted with Redis's `now`, or not with the wait. */
type Answer =
  | { granted: true; start: number; used: number }
  | { granted: false; waitMs: number; used: number; pausedMs: number };

/** A {@link Pacer} on a Redis budget shared by every process that uses the same key. */
export class RedisPacer implements Pacer {
  readonly stats: PacerStats;
  readonly #budget: SharedBudget;
  readonly #minMarginMs: number;
  readonly #maxMarginMs: number;
  /** Tells this process's grants apart from every other's in the window set. */
  readonly #prefix = randomBytes(6).toString('hex');
  #grants = 0;
  #seq = 0;
  #inFlight = 0;
  /** True while the first waiter's ask is in Redis: one ask at a time per pacer. */
  #asking = false;
  /** The one timer: set while the queue sleeps until the next slot Redis said frees. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The last pause seen (ours or Redis's), on the monotonic clock. */
  #pausedUntil = 0;
  /** The window's use as the last ask saw it. */
  #used = 0;
  #closed: { reason: unknown } | undefined;
  readonly #queue = new SlotQueue<Waiter>();

  constructor(budget: SharedBudget) {
    this.#budget = budget;
    this.#minMarginMs = Math.ceil(budget.intervalMs * MIN_MARGIN_FRACTION);
    this.#maxMarginMs = Math.ceil(budget.intervalMs * MAX_MARGIN_FRACTION);
    this.stats = this.#makeStats();
  }

  acquire(signal?: AbortSignal, request?: PacerRequest): Promise<PacerSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closed.reason);
    const { kind, rank } = classify(undefined, monotonicNow(), request ?? { kind: 'call', deadline: undefined });
    return new Promise<PacerSlot>((resolve, reject) => {
      const busy = this.#queue.length > 0 || this.#timer !== undefined;
      const waiter: Waiter = {
        kind,
        rank,
        seq: this.#seq++,
        index: -1,
        resolve,
        reject,
        unsubscribe: undefined,
        delayed: busy,
      };
      if (busy) this.stats.delayed += 1;
      if (signal) waiter.unsubscribe = onAbort(signal, () => this.#leave(waiter, signal.reason));
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  pauseFor(ms: number): void {
    if (!(ms > 0) || this.#closed) return;
    const held = Math.ceil(Math.min(ms, MAX_PAUSE_MS));
    this.#pausedUntil = Math.max(this.#pausedUntil, monotonicNow() + held);
    // Best effort: with Redis down, the next ask fails anyway; this process holds on its own meanwhile.
    this.#run(PAUSE, [this.#budget.keys.pause], [held], true).catch(() => undefined);
  }

  close(reason: unknown = closedPacerError()): void {
    if (this.#closed) return;
    this.#closed = { reason };
    this.#clearTimer();
    this.#failAll(reason);
  }

  #makeStats(): PacerStats {
    // The window as the last ask saw it: other processes change it in between.
    return pacerStats(
      this.#queue,
      () => this.#pausedUntil,
      () => ({ used: this.#used, limit: this.#budget.limit }),
    );
  }

  /** Asks Redis for a slot for the first waiter, unless an ask or a sleep is under way. */
  #pump(): void {
    if (this.#asking || this.#timer !== undefined || this.#closed) return;
    if (this.#queue.length === 0 || this.#inFlight >= this.#budget.maxConcurrency) return;
    const localPause = this.#pausedUntil - monotonicNow();
    if (localPause > 0) {
      this.#sleep(localPause);
      return;
    }
    this.#asking = true;
    const id = `${this.#prefix}${(this.#grants++).toString(36)}`;
    this.#ask(id).then(
      (answer) => {
        this.#asking = false;
        if (this.#closed) return;
        this.#used = answer.used;
        if (answer.granted) this.#grant(answer.start, `${answer.start}:${id}`);
        else this.#deny(answer);
      },
      (error: unknown) => {
        this.#asking = false;
        if (this.#closed) return;
        // Every queued call would fail the same way: none is sent on an unshared budget.
        this.#failAll(unreachable(this.#budget, error));
      },
    );
  }

  async #ask(id: string): Promise<Answer> {
    const { limit, intervalMs } = this.#budget;
    const keys = [this.#budget.keys.window, this.#budget.keys.pause];
    const reply = await this.#run(ACQUIRE, keys, [limit, Math.ceil(intervalMs), this.#maxMarginMs, id]);
    if (!Array.isArray(reply) || reply.length < 4) throw new Error(`unexpected script reply ${String(reply)}`);
    const [granted, at, used, pausedMs] = reply.map(Number) as [number, number, number, number];
    return granted === 1 ? { granted: true, start: at, used } : { granted: false, waitMs: at, used, pausedMs };
  }

  /** A slot for the first waiter; with nobody left (all aborted meanwhile) it stays counted, unused. */
  #grant(start: number, member: string): void {
    const waiter = this.#queue.shift();
    if (waiter !== undefined) {
      waiter.unsubscribe?.();
      this.#inFlight += 1;
      this.stats.inFlight = this.#inFlight;
      this.stats.started += 1;
      waiter.resolve(this.#slot(start, member));
    }
    this.#pump();
  }

  #deny(answer: { waitMs: number; pausedMs: number }): void {
    if (answer.pausedMs > 0) this.#pausedUntil = Math.max(this.#pausedUntil, monotonicNow() + answer.pausedMs);
    const first = this.#queue.length > 0 ? (this.#queue.shift() as Waiter) : undefined;
    if (first !== undefined) {
      if (!first.delayed) this.stats.delayed += 1;
      first.delayed = true;
      this.#queue.push(first);
    }
    this.#sleep(answer.waitMs);
  }

  #sleep(ms: number): void {
    if (this.#queue.length === 0) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.min(Math.max(1, Math.ceil(ms)), MAX_TIMER_MS),
    );
  }

  #slot(start: number, member: string): PacerSlot {
    let answered = false;
    let released = false;
    const slot: PacerSlot = {
      answered: () => {
        if (answered) return;
        answered = true;
        const { window } = this.#budget.keys;
        const args = [member, start, Math.ceil(this.#budget.intervalMs), this.#minMarginMs, this.#maxMarginMs];
        // Lost (Redis down), the slot keeps its most margin: the safe side.
        this.#run(ANSWERED, [window], args).catch(() => undefined);
      },
      release: () => {
        if (released) return;
        released = true;
        slot.answered();
        this.#inFlight -= 1;
        this.stats.inFlight = this.#inFlight;
        this.#pump();
      },
    };
    return slot;
  }

  /** Runs a script, failing fast while the connection is not ready and after `redisTimeoutMs`. */
  #run(script: string, keys: readonly string[], args: readonly (string | number)[], whole = false): Promise<unknown> {
    const { redis, redisTimeoutMs } = this.#budget;
    // A connection being made is waited for (within the time limit); one that was lost fails at once.
    if (LOST.has(redis.status)) return Promise.reject(new Error(`the connection is ${redis.status}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer in ${redisTimeoutMs} ms`)), redisTimeoutMs);
      runScript(redis, script, keys, args, whole).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #failAll(reason: unknown): void {
    const waiting = this.#queue.drain();
    this.#clearTimer();
    for (const waiter of waiting) {
      waiter.unsubscribe?.();
      waiter.reject(reason);
    }
  }

  #leave(waiter: Waiter, reason: unknown): void {
    this.#queue.remove(waiter);
    waiter.reject(reason);
    if (this.#queue.length === 0) this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The client's states after its connection was lost: ioredis reconnects, or was told to stop. */
const LOST: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/** The typed error of a call that could not get a slot because Redis did not answer. */
function unreachable(budget: SharedBudget, error: unknown): NetworkError {
  const detail = error instanceof Error ? error.message : String(error);
  const errno = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  return new NetworkError(
    `taskpoll/redis: the shared rate budget "${budget.keys.window}" is unreachable (${detail}); the request was not sent`,
    { errno, timedOut: detail.startsWith('no answer') },
  );
}
