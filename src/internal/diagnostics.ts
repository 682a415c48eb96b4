/**
 * The diagnostics channels taskpoll publishes on (their names and payloads are the public contract of
 * `core/diagnostics.ts`), and the checks that keep publishing free while nobody subscribes: every
 * publisher asks {@link tracing} or a channel's `hasSubscribers` before it builds a payload.
 *
 * `TracingChannel.hasSubscribers` exists only from Node 20.13 (the package supports every Node 20), so
 * {@link tracing} asks each of its five channels instead.
 *
 * @internal
 */
import { channel, tracingChannel, type Channel, type TracingChannel } from 'node:diagnostics_channel';
import type {
  CancelMessage,
  DIAGNOSTIC_CHANNELS,
  PacingMessage,
  PollContext,
  RetryMessage,
  StatusMessage,
  WaitContext,
} from '../core/diagnostics.js';

/** The names, typed against the public constant so that the two cannot drift apart. */
type Names = typeof DIAGNOSTIC_CHANNELS;
const WAIT: Names['wait'] = 'taskpoll:wait';
const POLL: Names['poll'] = 'taskpoll:poll';
const STATUS: Names['status'] = 'taskpoll:status';
const RETRY: Names['retry'] = 'taskpoll:retry';
const PACING: Names['pacing'] = 'taskpoll:pacing';
const CANCEL: Names['cancel'] = 'taskpoll:cancel';

/** A plain channel whose messages are `T` (`publish` typed; the object is Node's own). */
export interface TypedChannel<T> extends Channel {
  publish(message: T): void;
}

/** `taskpoll:wait`, around each wait. */
export const waitChannel: TracingChannel<unknown, WaitContext> = tracingChannel(WAIT);
/** `taskpoll:poll`, around each request of a poll. */
export const pollChannel: TracingChannel<unknown, PollContext> = tracingChannel(POLL);
/** `taskpoll:status`. */
export const statusChannel = channel(STATUS) as TypedChannel<StatusMessage>;
/** `taskpoll:retry`. */
export const retryChannel = channel(RETRY) as TypedChannel<RetryMessage>;
/** `taskpoll:pacing`. */
export const pacingChannel = channel(PACING) as TypedChannel<PacingMessage>;
/** `taskpoll:cancel`. */
export const cancelChannel = channel(CANCEL) as TypedChannel<CancelMessage>;

/** True when any of a tracing channel's five channels has a subscriber (or a bound store). */
export function tracing(traced: TracingChannel<unknown, object>): boolean {
  return (
    traced.start.hasSubscribers ||
    traced.end.hasSubscribers ||
    traced.asyncStart.hasSubscribers ||
    traced.asyncEnd.hasSubscribers ||
    traced.error.hasSubscribers
  );
}

/** True when a wait needs its {@link WaitContext}: some channel that carries it has a subscriber. */
export function waitObserved(): boolean {
  return (
    tracing(waitChannel) ||
    tracing(pollChannel) ||
    statusChannel.hasSubscribers ||
    retryChannel.hasSubscribers ||
    cancelChannel.hasSubscribers
  );
}

/**
 * Publishes the end of a trace that `tracePromise` did not run (a `pollTask` iteration): `error` first
 * when it failed, then `asyncStart` and `asyncEnd`, as `tracePromise` does.
 */
export function publishTraceEnd<C extends { error?: unknown }>(
  traced: TracingChannel<unknown, C>,
  context: C,
  failed: boolean,
): void {
  if (failed) traced.error.publish(context);
  traced.asyncStart.publish(context);
  traced.asyncEnd.publish(context);
}

/** The W3C `traceparent` header's shape (version 00's 55 characters; no all-zero ids, no version ff). */
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True when `value` is a string of the W3C `traceparent` shape. */
export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}
