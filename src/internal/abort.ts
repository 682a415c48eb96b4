/**
 * Abort linking: how a wait's deadline, each poll's time limit, each request's time limit and the
 * caller's signal are tied together, and how thousands of waits share one caller signal.
 *
 * Module-level state, all of it in `WeakMap`s keyed by an `AbortSignal`:
 * - `fanOut`: for a signal taskpoll does not own (a caller's), the one real `abort` listener on it and
 *   the set of our subscribers it calls. The entry is removed when its last subscriber leaves or the
 *   signal aborts.
 * - `linkSubscribers`: for the signals of our own links, the subscribers the link calls itself when it
 *   aborts (no `EventTarget` listener at all). Removed when the link aborts or hands its controller on.
 * - `pausable`: the links whose time limit the transport may pause while a request queues (the
 *   poller's per-poll limit, an adapter's own call limits).
 * None of them can keep anything alive: a `WeakMap` entry lives only as long as its key, the signal,
 * is reachable elsewhere, and a value that refers back to its own key (a link holds its signal) does
 * not keep that key alive. Once a wait and its requests are done and dropped, their entries go with
 * them. A caller's signal may live for the whole process (a shutdown signal): every subscription to
 * it is removed when what it guards (a sleep, a race, a queued request, a link) settles, so it only
 * ever holds the subscriptions of work still running, and no listener once there is none.
 *
 * @internal
 */
import { inheritCallContext } from './call-context.js';
import { MAX_TIMER_MS, monotonicNow } from './clock.js';

/**
 * Rejects with `signal.reason` when `signal` aborts, whether or not `promise` listens to the signal:
 * an adapter that ignores its signal still cannot hold the poller past a deadline or an abort.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => {
      promise.catch(() => undefined);
      reject(signal.reason);
    });
    promise.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        unsubscribe();
        reject(error);
      },
    );
  });
}

/**
 * One real listener per parent signal, fanned out to every subscriber: thousands of waits sharing one
 * caller signal add one listener to it (no MaxListenersExceededWarning) and each unsubscribes in O(1).
 * The real listener is removed once nobody subscribes any more.
 */
interface FanOut {
  subscribers: Set<() => void>;
  listener: () => void;
}
const fanOut = new WeakMap<AbortSignal, FanOut>();

/**
 * The subscribers of the signals made by {@link linkAbort} (the wait's and each request's), which the
 * link calls itself right after it aborts: our own subscriptions add no `EventTarget` listener to
 * those signals. Every poll makes fresh signals, and adding the first listener to a fresh
 * `AbortSignal` costs far more than adding to a `Set`.
 */
const linkSubscribers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts; returns the function that unsubscribes. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  const own = linkSubscribers.get(signal);
  if (own) {
    own.add(callback);
    return () => {
      own.delete(callback);
    };
  }
  let entry = fanOut.get(signal);
  if (!entry) {
    const subscribers = new Set<() => void>();
    const listener = (): void => {
      fanOut.delete(signal);
      callAll(subscribers);
    };
    entry = { subscribers, listener };
    fanOut.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { subscribers, listener } = entry;
  subscribers.add(callback);
  return () => {
    if (!subscribers.delete(callback) || subscribers.size > 0) return;
    signal.removeEventListener('abort', listener);
    if (fanOut.get(signal)?.subscribers === subscribers) fanOut.delete(signal);
  };
}

/** Calls every subscriber once; as with EventTarget listeners, one unsubscribed meanwhile is not called. */
function callAll(subscribers: Set<() => void>): void {
  for (const subscriber of [...subscribers]) if (subscribers.has(subscriber)) subscriber();
  subscribers.clear();
}

/** A child AbortController that aborts when any parent does; `dispose()` removes every listener. */
export interface LinkedAbort {
  /** Aborts when a parent does, when the time limit passes, or on `abort()`. */
  readonly signal: AbortSignal;
  /** Aborts the link now with `reason` (a no-op once aborted); its subscribers are called. */
  abort(reason: unknown): void;
  /** Unsubscribes from the parents and clears the timer; the signal stays as it is. */
  dispose(): void;
  /**
   * Stops the timeout clock until the returned function is called (calls nest). Time spent waiting
   * for a pacing slot, for example, is not time the request itself took.
   */
  pauseTimeout(): () => void;
  /**
   * After `dispose()`, the controller when it never aborted, for another link to reuse (a fresh
   * `AbortSignal`'s first listener is costly); `undefined` otherwise. Only for signals nobody else kept.
   */
  reusableController(): AbortController | undefined;
}

/**
 * The links made with `registerPausable` (the poller's per-request limit, adapters' own call limits),
 * so the transport can pause their clocks while it queues.
 */
const pausable = new WeakMap<AbortSignal, Link>();

/**
 * Pauses the timeout clock of the link that owns `signal`, if any (the poller's per-request limit, an
 * adapter's own call limit), and of every pausable link it follows (e.g. a download's header limit and
 * the whole download's limit); returns the function that resumes them. A no-op for any other signal.
 */
export function pauseTimeoutOf(signal: AbortSignal | undefined): () => void {
  const link = signal ? pausable.get(signal) : undefined;
  if (!link) return () => undefined;
  if (link.pausableParents === undefined) return link.pauseTimeout();
  // Parents are made before their children, so the chain has no cycle; pauses nest, so a link
  // reached twice is paused and resumed twice, harmlessly.
  const resumes: (() => void)[] = [];
  const visit = (one: Link): void => {
    resumes.push(one.pauseTimeout());
    for (const parent of one.pausableParents ?? []) visit(parent);
  };
  visit(link);
  return () => {
    for (const resume of resumes) resume();
  };
}

/**
 * True while `signal` belongs to a live link registered with `registerPausable` that has a time limit
 * (a poll's): a request made with it is already bounded by that limit, so the transport adds none of
 * its own, which could only cut the poll shorter than the wait's `requestTimeoutMs` asks.
 */
export function carriesTimeLimit(signal: AbortSignal | undefined): boolean {
  const link = signal ? pausable.get(signal) : undefined;
  return link?.timed === true;
}

/**
 * Links a new controller to `parents` (undefined entries are skipped) and optionally aborts it after
 * `timeout.ms` with the reason `timeout.reason()` builds. Unlike `AbortSignal.any`, it frees its
 * listeners and timer at once on `dispose()`, so thousands of short-lived links leave nothing behind.
 * With `registerPausable`, the transport can pause its clock through {@link pauseTimeoutOf}, together
 * with the clocks of the pausable parents it follows. `reuse` is a controller from
 * {@link LinkedAbort.reusableController} to use instead of a new one.
 */
export function linkAbort(
  parents: readonly (AbortSignal | undefined)[],
  timeout?: { ms: number; reason: () => unknown },
  registerPausable = false,
  reuse?: AbortController,
): LinkedAbort {
  const link = new Link(reuse ?? new AbortController(), timeout);
  inheritCallContext(link.signal, parents);
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      link.abort(parent.reason);
      return link;
    }
    link.follow(parent);
    const pausableParent = registerPausable ? pausable.get(parent) : undefined;
    if (pausableParent) {
      link.pausableParents ??= [];
      link.pausableParents.push(pausableParent);
    }
  }
  link.arm();
  if (registerPausable) pausable.set(link.signal, link);
  return link;
}

/** One {@link linkAbort} link: a class, so that a link is one object rather than a closure per method. */
class Link implements LinkedAbort {
  readonly signal: AbortSignal;
  readonly #controller: AbortController;
  readonly #subscribers = new Set<() => void>();
  readonly #timeout: { ms: number; reason: () => unknown } | undefined;
  /** The pausable links this one follows (none for most links): queueing pauses their clocks with this one's. */
  pausableParents: Link[] | undefined;
  #unsubscribers: (() => void)[] | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #remainingMs: number | undefined;
  #armedAt = 0;
  #pauses = 0;
  #disposed = false;
  /** Set once the controller went to another link: this one can no longer abort it. */
  #handedOver = false;

  constructor(controller: AbortController, timeout: { ms: number; reason: () => unknown } | undefined) {
    this.#controller = controller;
    this.signal = controller.signal;
    linkSubscribers.set(this.signal, this.#subscribers);
    this.#timeout = timeout;
    this.#remainingMs =
      timeout && Number.isFinite(timeout.ms) ? Math.min(Math.max(0, timeout.ms), MAX_TIMER_MS) : undefined;
  }

  /** Aborts this link when `parent` aborts, with its reason. */
  follow(parent: AbortSignal): void {
    this.#unsubscribers ??= [];
    this.#unsubscribers.push(onAbort(parent, () => this.abort(parent.reason)));
  }

  /** Starts the timeout clock with the time that is left (again after a pause). */
  arm(): void {
    const timeout = this.#timeout;
    if (this.#remainingMs === undefined || this.#disposed || timeout === undefined) return;
    this.#armedAt = monotonicNow();
    this.#timer = setTimeout(() => this.abort(timeout.reason()), this.#remainingMs);
  }

  dispose(): void {
    this.#disposed = true;
    const unsubscribers = this.#unsubscribers;
    this.#unsubscribers = undefined;
    if (unsubscribers) for (const unsubscribe of unsubscribers) unsubscribe();
    this.#clearTimer();
  }

  abort(reason: unknown): void {
    if (this.signal.aborted || this.#handedOver) return;
    this.dispose();
    // The signal's own listeners first (the abort event), then our subscribers, which see it aborted.
    this.#controller.abort(reason);
    linkSubscribers.delete(this.signal);
    callAll(this.#subscribers);
  }

  pauseTimeout(): () => void {
    if (this.#pauses === 0 && this.#timer !== undefined && this.#remainingMs !== undefined) {
      this.#clearTimer();
      this.#remainingMs = Math.max(0, this.#remainingMs - (monotonicNow() - this.#armedAt));
    }
    this.#pauses += 1;
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.#pauses -= 1;
      if (this.#pauses === 0 && !this.signal.aborted) this.arm();
    };
  }

  /** True until disposed when the link has a finite time limit. */
  get timed(): boolean {
    return !this.#disposed && this.#remainingMs !== undefined;
  }

  reusableController(): AbortController | undefined {
    if (!this.#disposed || this.signal.aborted || this.#handedOver) return undefined;
    this.#handedOver = true;
    linkSubscribers.delete(this.signal);
    return this.#controller;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
