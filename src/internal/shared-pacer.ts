/**
 * A pacer the caller gave (`pacing: somePacer`), as one adapter's client holds it: the client asks
 * for slots as it does of its own pacer, and this passes what each request is for explicitly (the
 * pacer may live in another module or serve other adapters, and cannot read this adapter's call
 * contexts). The pacer stays the caller's: closing the adapter rejects only this adapter's calls
 * waiting for a slot and leaves the pacer open for the other adapters that share it.
 *
 * @internal
 */
import type { Pacer as PublicPacer, PacerSlot } from '../core/transport.js';
import { onAbort } from './abort.js';
import { describe } from './checks.js';
import { pacingChannel } from './diagnostics.js';
import { pacerRequestOf } from './pacing-queue.js';
import { MAX_PAUSE_MS, type Pacer, type Slot } from './pacing.js';

/** True when `value` looks like a {@link PublicPacer} (an object with `acquire`), not pacing options. */
export function isPacer(value: unknown): value is PublicPacer {
  return typeof value === 'object' && value !== null && typeof (value as { acquire?: unknown }).acquire === 'function';
}

/** Checks that `value` has every member of a pacer; a half one fails here, not at the first request. */
export function checkPacer(value: PublicPacer, name = 'pacing'): PublicPacer {
  for (const method of ['acquire', 'pauseFor', 'close'] as const) {
    if (typeof value[method] !== 'function') {
      throw new TypeError(
        `${name} must be a Pacer (acquire, pauseFor, close, stats): its ${method} is ${describe(value[method])}`,
      );
    }
  }
  if (typeof value.stats !== 'object' || value.stats === null) {
    throw new TypeError(
      `${name} must be a Pacer (acquire, pauseFor, close, stats): its stats is ${describe(value.stats)}`,
    );
  }
  return value;
}

/** The client's view of a caller's pacer: one per adapter (`provider`'s, for the pauses it publishes). */
export function adoptPacer(shared: PublicPacer, provider: string): Pacer {
  /** This adapter's calls waiting for a slot: aborted with the close reason when the adapter closes. */
  const pending = new Set<AbortController>();
  let closed: { reason: unknown } | undefined;
  return {
    get stats() {
      return shared.stats;
    },
    pauseFor(ms) {
      const before = shared.stats.pausedUntil ?? 0;
      shared.pauseFor(ms);
      // As the in-process pacer publishes its pauses: once per answer that lengthens the pause in force.
      if ((shared.stats.pausedUntil ?? 0) - before >= 1 && pacingChannel.hasSubscribers) {
        const pauseMs = Math.min(ms, MAX_PAUSE_MS);
        pacingChannel.publish({ kind: 'pause', provider, pauseMs, until: Math.round(Date.now() + pauseMs) });
      }
    },
    close(reason) {
      if (closed) return;
      closed = { reason };
      for (const controller of pending) controller.abort(reason);
      pending.clear();
    },
    async acquire(signal) {
      if (signal?.aborted) throw signal.reason;
      if (closed) throw closed.reason;
      const request = pacerRequestOf(signal);
      const own = new AbortController();
      pending.add(own);
      const unsubscribe = signal ? onAbort(signal, () => own.abort(signal.reason)) : undefined;
      try {
        const slot = await waitFor(shared.acquire(own.signal, request), own.signal);
        return toSlot(slot);
      } finally {
        unsubscribe?.();
        pending.delete(own);
      }
    },
  };
}

/**
 * `granting`, but rejected at once when `signal` aborts, even by a pacer that does not listen to it;
 * a slot granted after that goes straight back.
 */
function waitFor(granting: Promise<PacerSlot>, signal: AbortSignal): Promise<PacerSlot> {
  return new Promise<PacerSlot>((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    granting.then(
      (slot) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) slot.release();
        else resolve(slot);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(signal.aborted ? signal.reason : error);
      },
    );
  });
}

/** The client's slot shape (callable, with `answered`) over a public slot. */
function toSlot(slot: PacerSlot): Slot {
  const release = (() => slot.release()) as Slot;
  release.answered = () => slot.answered();
  release.release = release;
  return release;
}
