/**
 * What a request is made for, carried on its `AbortSignal` from the wait that makes it down to the
 * HTTP client and the pacer, through any adapter in between: the adapter contract passes nothing but
 * the signal (`AdapterContext.signal`), and a user's adapter must not have to forward anything more.
 *
 * A wait attaches a {@link CallContext} to its own signal; every link made from that signal with
 * `linkAbort` (a poll's time limit, an adapter's own call limit, the client's request limit) carries
 * the same context, so the client can tell the wait how long its request queued for a pacing slot
 * and the pacer can see the wait's deadline and what the call is for.
 *
 * Module-level state: one `WeakMap` keyed by signal; an entry lives only as long as its signal is
 * reachable elsewhere, so nothing outlives the wait and its requests.
 *
 * @internal
 */
import { monotonicNow } from './clock.js';

/** What a call is for: a wait's poll, or the remote cancel of an aborted wait. */
export type CallKind = 'poll' | 'cancel';

/** The context a wait attaches to the signal of every request it makes. */
export interface CallContext {
  /** What the request is for. */
  readonly kind: CallKind;
  /** The instant the wait ends, on the monotonic clock; `Infinity` when it has no deadline. */
  readonly deadline: number;
  /** Where the time the wait's requests spend queued for a pacing slot is counted. */
  readonly queue: QueueMeter;
}

/**
 * Counts the time a wait spends queued for its adapter's pacing slots, including a queue wait still
 * under way (a deadline that fires while a request is queued reports that time too). Queue waits that
 * overlap (two requests of one wait queued at once) count once.
 */
export class QueueMeter {
  #totalMs: number;
  /** When the queue waits under way began, on the monotonic clock; set while `#depth > 0`. */
  #since = 0;
  #depth = 0;

  /** @param initialMs time already queued (a resumed wait's, in the processes before). */
  constructor(initialMs = 0) {
    this.#totalMs = initialMs;
  }

  /** Starts counting; returns the function that stops (once). */
  begin(): () => void {
    if (this.#depth === 0) this.#since = monotonicNow();
    this.#depth += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#depth -= 1;
      if (this.#depth === 0) this.#totalMs += monotonicNow() - this.#since;
    };
  }

  /** The time queued so far, in ms, a queue wait under way included. */
  queuedMs(): number {
    return this.#depth > 0 ? this.#totalMs + (monotonicNow() - this.#since) : this.#totalMs;
  }

  /** True while a request of the wait is queued. */
  get queued(): boolean {
    return this.#depth > 0;
  }
}

const contexts = new WeakMap<AbortSignal, CallContext>();

/** Attaches `context` to `signal`: requests made with it, or with a signal linked from it, carry it. */
export function attachCallContext(signal: AbortSignal, context: CallContext): void {
  contexts.set(signal, context);
}

/** The context `signal` carries, if any (none for a caller's own signal or an adapter's other calls). */
export function callContextOf(signal: AbortSignal | undefined): CallContext | undefined {
  return signal ? contexts.get(signal) : undefined;
}

/**
 * Gives `signal` (a new link's) the context of the first of `parents` that carries one, or none: a
 * reused controller's signal must not keep the context of the link it served before.
 */
export function inheritCallContext(signal: AbortSignal, parents: readonly (AbortSignal | undefined)[]): void {
  for (const parent of parents) {
    const context = parent ? contexts.get(parent) : undefined;
    if (context) {
      contexts.set(signal, context);
      return;
    }
  }
  contexts.delete(signal);
}
