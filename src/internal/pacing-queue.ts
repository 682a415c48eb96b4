/**
 * The order in which the pacer hands out slots to the calls waiting for one: the pacer's policy, kept
 * apart from its window (where slots come from), so that another store of the window can share it.
 *
 * The rule, read from each call's {@link CallContext} on its signal:
 * 1. Calls that start work or are the user's own (no poll context: `submit`, `importJobs`, `runJob`,
 *    a login, a download) and the remote cancels of aborted waits come first, in arrival order. A
 *    call that starts work is one the user waits on, and a cancel frees work that nobody waits for.
 * 2. Then polls, earliest rank first, ties in arrival order. A poll's rank is its wait's deadline, but
 *    never later than {@link URGENCY_HORIZON_MS} after the poll queued. A poll is only queued when its
 *    wait's own schedule says it is due, so earliest deadline first among queued polls is the rule;
 *    the horizon is what keeps it from starving anyone (see {@link URGENCY_HORIZON_MS}).
 *
 * A binary heap: queueing, taking the first and leaving (an abort) each cost O(log n), whatever the
 * number of waits queued on one adapter.
 *
 * @internal
 */
import type { PacerRequest, PacerStats } from '../core/transport.js';
import { callContextOf } from './call-context.js';
import { monotonicNow } from './clock.js';

/** What a queued call is for, as the pacer's stats count it. */
export type QueuedKind = 'poll' | 'call' | 'cancel';

/**
 * How far ahead a wait's deadline makes its poll urgent: a poll ranks by the earlier of its wait's
 * deadline and 60 s after it queued. Waits whose deadline is further off than that (the default
 * 30-minute wait, a wait without a deadline) are served in arrival order among themselves, which is
 * as good as any order that cannot see when tasks end; a wait whose deadline is near goes before them.
 *
 * It also bounds how long a poll can be passed over: a poll that queued at `t` ranks at `t + 60 s` at
 * the latest, and a poll queued after that instant has a deadline after it (or its wait has ended), so
 * only the polls already queued with an earlier rank go first. A steady stream of urgent waits
 * therefore delays a poll with a far deadline by at most 60 s, plus the time the budget takes to serve
 * the polls ranked before it then.
 */
export const URGENCY_HORIZON_MS = 60_000;

/** One call in the queue; the pacer's waiter extends it. */
export interface QueueEntry {
  readonly kind: QueuedKind;
  /** Where it goes: `-Infinity` for calls and cancels, else the poll's rank on the monotonic clock. */
  readonly rank: number;
  /** Arrival order, for ties. */
  readonly seq: number;
  /** Its place in the heap; -1 once out. */
  index: number;
}

/**
 * What a call asking at `now` with `signal` is for, and its rank: from `request` when given (a deadline
 * in epoch ms, as a pacer shared by adapters gets it), else from the signal's call context.
 */
export function classify(
  signal: AbortSignal | undefined,
  now: number,
  request?: PacerRequest,
): { kind: QueuedKind; rank: number } {
  if (request !== undefined) {
    if (request.kind !== 'poll') return { kind: request.kind, rank: Number.NEGATIVE_INFINITY };
    const deadline = request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - Date.now() + now;
    return { kind: 'poll', rank: Math.min(deadline, now + URGENCY_HORIZON_MS) };
  }
  const context = callContextOf(signal);
  if (context === undefined) return { kind: 'call', rank: Number.NEGATIVE_INFINITY };
  if (context.kind === 'cancel') return { kind: 'cancel', rank: Number.NEGATIVE_INFINITY };
  return { kind: 'poll', rank: Math.min(context.deadline, now + URGENCY_HORIZON_MS) };
}

/** What a call made with `signal` is for, as a {@link PacerRequest} (its deadline on the wall clock). */
export function pacerRequestOf(signal: AbortSignal | undefined): PacerRequest {
  const context = callContextOf(signal);
  if (context === undefined) return { kind: 'call', deadline: undefined };
  if (context.kind === 'cancel') return { kind: 'cancel', deadline: undefined };
  const left = context.deadline - monotonicNow();
  return { kind: 'poll', deadline: Number.isFinite(left) ? Math.round(Date.now() + left) : undefined };
}

/** True when `a` goes before `b`. */
function before(a: QueueEntry, b: QueueEntry): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.seq < b.seq);
}

/** The calls waiting for a slot, first to be served on top, with counts by kind. */
export class SlotQueue<E extends QueueEntry> {
  readonly #heap: E[] = [];
  /** Queued calls by kind. */
  readonly counts: Record<QueuedKind, number> = { poll: 0, call: 0, cancel: 0 };

  get length(): number {
    return this.#heap.length;
  }

  push(entry: E): void {
    entry.index = this.#heap.length;
    this.#heap.push(entry);
    this.counts[entry.kind] += 1;
    this.#up(entry.index);
  }

  /** Takes the first call out, if any. */
  shift(): E | undefined {
    const first = this.#heap[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  /** Takes `entry` out wherever it is; false when it was not queued. */
  remove(entry: E): boolean {
    const at = entry.index;
    if (at < 0 || this.#heap[at] !== entry) return false;
    const last = this.#heap.pop() as E;
    entry.index = -1;
    this.counts[entry.kind] -= 1;
    if (last !== entry) {
      this.#heap[at] = last;
      last.index = at;
      this.#down(at);
      this.#up(last.index);
    }
    return true;
  }

  /** Empties the queue; returns what was in it. */
  drain(): E[] {
    const all = this.#heap.splice(0);
    for (const entry of all) entry.index = -1;
    this.counts.poll = 0;
    this.counts.call = 0;
    this.counts.cancel = 0;
    return all;
  }

  #up(at: number): void {
    const heap = this.#heap;
    const entry = heap[at] as E;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt] as E;
      if (!before(entry, parent)) break;
      heap[at] = parent;
      parent.index = at;
      at = parentAt;
    }
    heap[at] = entry;
    entry.index = at;
  }

  #down(at: number): void {
    const heap = this.#heap;
    const entry = heap[at] as E;
    const size = heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && before(heap[right] as E, heap[left] as E) ? right : left;
      const first = heap[child] as E;
      if (!before(first, entry)) break;
      heap[at] = first;
      first.index = at;
      at = child;
    }
    heap[at] = entry;
    entry.index = at;
  }
}

/**
 * A pacer's public counters: plain fields the pacer updates (`started`, `delayed`, `inFlight`), and
 * getters for what is read on demand: the calls waiting (the queue's length), the pause (kept on the
 * monotonic clock by `pausedUntil()`, shown on the wall clock, which is what a user can read), the
 * queue's counts and the window's use. One shape for every pacer taskpoll makes.
 */
export function pacerStats(
  queue: { readonly counts: Record<QueuedKind, number>; readonly length: number },
  pausedUntil: () => number,
  window: () => PacerStats['window'],
): PacerStats {
  const counts = queue.counts;
  return {
    started: 0,
    delayed: 0,
    inFlight: 0,
    get waiting() {
      return queue.length;
    },
    get pausedUntil() {
      const left = pausedUntil() - monotonicNow();
      return left > 0 ? Math.round(Date.now() + left) : undefined;
    },
    get queued() {
      return { polls: counts.poll, calls: counts.call, cancels: counts.cancel };
    },
    get window() {
      return window();
    },
  };
}
