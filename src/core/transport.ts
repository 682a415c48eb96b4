/**
 * The transport options every provider factory takes, and what an adapter's pacer reports. They are
 * public contract: callers pass them to the factories and read `pacerStats()`. The HTTP client and
 * the pacer that implement them are internal (`src/internal/http/`, `src/internal/pacing.ts`).
 */
import type { AxiosInstance } from 'axios';
import { createPacer as createInProcessPacer } from '../internal/pacing.js';

/** Options every provider factory takes for its HTTP transport. */
export interface TransportOptions {
  /**
   * Your own axios instance (proxies, interceptors, custom agents). Its defaults apply; taskpoll sets
   * per request only what it must (URL, method, headers, body, signal, response handling). Left out,
   * the adapter makes its own, with keep-alive agents that it frees on `close()`.
   */
  axios?: AxiosInstance;
  /**
   * Time limit of one request made by the adapter's own calls (submit, download, …), in ms.
   * Polls made by `waitForTask` / `pollTask` are bounded by the wait's `requestTimeoutMs` instead,
   * whether it is shorter or longer than this one. Neither runs while the request waits for a pacing slot.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * The adapter's request budget, shared by all its waits; `false` turns pacing off. Keys left out
   * keep the provider's default (`{ maxConcurrency: 2 }` keeps the documented rate and adds a cap).
   *
   * A {@link Pacer} (from {@link createPacer}, `redisPacer` of `taskpoll/redis`, or your own) is used as
   * it is, in place of the provider's default: give one to several adapters to share one budget. It
   * stays yours: the adapter's `close()` rejects only its own calls waiting for a slot and leaves the
   * pacer open (close it yourself once no adapter uses it).
   * @default each provider's documented budget (e.g. `GUANCE_DEFAULT_PACING`)
   */
  pacing?: PacingOptions | false | Pacer;
}

/** What a request asks a {@link Pacer} for a slot for: the pacer's queue serves calls by it. */
export interface PacerRequest {
  /**
   * `'call'`: an adapter's call that starts work (submit, …), a login, a download, your own;
   * `'cancel'`: the remote cancel of an aborted wait; `'poll'`: a poll of a wait. Calls and cancels go
   * first, then polls by deadline (see {@link PacingOptions.requestsPerInterval}).
   */
  readonly kind: 'poll' | 'call' | 'cancel';
  /**
   * A poll's wait's deadline, as epoch ms on the wall clock; `undefined` for a wait without one and
   * for calls and cancels.
   */
  readonly deadline: number | undefined;
}

/** A slot a {@link Pacer} granted: one request may go out. */
export interface PacerSlot {
  /**
   * The request's answer (its status line) or its failure is in: it reached the server by then, if
   * at all, which sets the margin its slot keeps (see {@link PacingOptions.requestsPerInterval}).
   * Idempotent; {@link PacerSlot.release} calls it too.
   */
  answered(): void;
  /** Gives the slot back: the request is over (its body read or dropped). Idempotent. */
  release(): void;
}

/**
 * A request budget: where an adapter gets a slot before each request. The factories' `pacing` takes
 * one, so that several adapters (in one process with {@link createPacer}, or in many with `redisPacer`
 * of `taskpoll/redis`) spend one budget.
 */
export interface Pacer {
  /**
   * Waits for a slot. Rejects with `signal.reason` as soon as `signal` aborts (a slot granted after
   * that is given back), and with the close reason once the pacer is closed.
   * @param signal aborts the wait for a slot.
   * @param request what the request is for; left out, a `'call'`.
   */
  acquire(signal?: AbortSignal, request?: PacerRequest): Promise<PacerSlot>;
  /**
   * Holds every request until `ms` from now (at most 5 minutes): a server answered that the budget
   * is spent (429 with `Retry-After`, or the provider's rate-limit answer).
   */
  pauseFor(ms: number): void;
  /**
   * Rejects every call waiting for a slot, and every later `acquire`, with `reason`; slots already
   * given out stay with their holders. Idempotent; the first reason stays.
   * @param reason what the waiting calls reject with; left out, a `NetworkError` saying the pacer
   * was closed.
   */
  close(reason?: unknown): void;
  /** What the pacer is doing now (read it, do not write it). */
  readonly stats: PacerStats;
}

/**
 * An in-process {@link Pacer}: the one each adapter makes from its `pacing` options. Make one yourself
 * and give it to several adapters of one process to share one budget (e.g. two adapters on one API key).
 * @param options the budget; `{}` limits nothing.
 * @throws TypeError or RangeError for bad options.
 */
export function createPacer(options: PacingOptions): Pacer {
  return createInProcessPacer(options);
}

/**
 * A request budget shared by every wait and call made through one adapter instance.
 * Both limits apply together; leave one out to not limit by it.
 */
export interface PacingOptions {
  /**
   * At most this many requests may reach the provider in any window of `intervalMs` (a sliding
   * window): give the provider's documented limit as it is.
   *
   * The provider counts a request when it arrives, which is some time after it was sent, and arrivals
   * can bunch. So the pacer keeps a margin: a request's slot is used again only `intervalMs` plus a
   * margin after that request started. The margin is the time the request took until its answer came
   * (the request had reached the server by then), but at least 2 % of `intervalMs` and at most 25 %
   * of it; while the request is still in flight, the 25 %. Only a request that takes longer than a
   * quarter of the window to reach the server can still be counted in the next window by the
   * provider: its rate-limit answer is a transient error that the wait retries after a pause.
   *
   * When more requests want a slot than the budget allows, the adapter's calls that start work
   * (`submit` and the like, your own calls) and the remote cancels of aborted waits go first, in the
   * order they came. Polls come next, the one whose wait's deadline is nearest first; a wait whose
   * deadline is more than a minute off ranks as if it were due a minute after its poll queued, so
   * polls without a near deadline are served in the order they came and no poll waits behind newer
   * urgent ones for more than that minute.
   * @default no limit
   */
  requestsPerInterval?: number;
  /**
   * The window of `requestsPerInterval`, in ms.
   * @default 1000
   */
  intervalMs?: number;
  /**
   * At most this many requests in flight at once (1 = serial calls).
   * @default no limit (with the adapter's own agent: its 64 sockets)
   */
  maxConcurrency?: number;
}

/**
 * What an adapter's pacer is doing, as its `pacerStats()` reports it: to watch how close a service runs
 * to the provider's budget, and why calls wait.
 */
export interface PacerStats {
  /** Requests started since the adapter was made. */
  started: number;
  /** Requests that had to wait for a slot (those aborted while waiting included). */
  delayed: number;
  /** Requests waiting for a slot now (all kinds: the sum of `queued`). */
  waiting: number;
  /** Requests in flight now. */
  inFlight: number;
  /**
   * Until when a server's rate-limit answer (`Retry-After`, or the provider's documented pause) holds
   * every request of the adapter, as epoch ms on the wall clock; `undefined` when nothing holds them.
   */
  readonly pausedUntil: number | undefined;
  /**
   * The requests waiting for a slot now, by what they are for. When slots are short, `calls` and
   * `cancels` are served first, then `polls`, the nearest deadline first (see {@link PacingOptions}).
   */
  readonly queued: {
    /** Polls of waits (`waitForTask`, `pollTask`). */
    readonly polls: number;
    /** The adapter's other calls: those that start work (submit, …), logins, downloads, your own. */
    readonly calls: number;
    /** Remote cancels of aborted waits. */
    readonly cancels: number;
  };
  /**
   * The rate window's use now; `undefined` when pacing sets no `requestsPerInterval`.
   */
  readonly window:
    | {
        /**
         * Requests that count against the window now: started within the last `intervalMs` plus
         * their margin. A new request waits while this is at `limit`.
         */
        readonly used: number;
        /** The window's limit: `requestsPerInterval`. */
        readonly limit: number;
      }
    | undefined;
}
