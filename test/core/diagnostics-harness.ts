import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach } from 'vitest';
import { DIAGNOSTIC_CHANNELS } from '../../src/index.js';

/**
 * A subscriber to every taskpoll diagnostics channel that records each event in order: the channel, the
 * event (`start`, `end`, `asyncStart`, `asyncEnd`, `error` for the tracing channels, `publish` for
 * the others) and the message object itself. `onWaitStart` runs at each `taskpoll:wait` start (a
 * subscriber setting `traceparent`, say). Unsubscribed after each test.
 */
export interface DiagEvent {
  channel: 'wait' | 'poll' | 'status' | 'retry' | 'pacing' | 'cancel';
  event: string;
  message: Record<string, unknown>;
}

const open: (() => void)[] = [];
afterEach(() => {
  for (const close of open.splice(0)) close();
});

export function record(onWaitStart?: (context: Record<string, unknown>) => void): DiagEvent[] {
  const events: DiagEvent[] = [];
  for (const name of ['wait', 'poll'] as const) {
    const traced = tracingChannel(DIAGNOSTIC_CHANNELS[name]);
    const on = (event: string) => (message: unknown) => {
      if (name === 'wait' && event === 'start') onWaitStart?.(message as Record<string, unknown>);
      events.push({ channel: name, event, message: message as Record<string, unknown> });
    };
    const handlers = {
      start: on('start'),
      end: on('end'),
      asyncStart: on('asyncStart'),
      asyncEnd: on('asyncEnd'),
      error: on('error'),
    };
    traced.subscribe(handlers);
    open.push(() => traced.unsubscribe(handlers));
  }
  for (const name of ['status', 'retry', 'pacing', 'cancel'] as const) {
    const handler = (message: unknown) =>
      void events.push({ channel: name, event: 'publish', message: message as Record<string, unknown> });
    subscribe(DIAGNOSTIC_CHANNELS[name], handler);
    open.push(() => unsubscribe(DIAGNOSTIC_CHANNELS[name], handler));
  }
  return events;
}

/** The events as `channel.event` strings, e.g. `wait.start`, `retry.publish`. */
export const names = (events: readonly DiagEvent[]): string[] => events.map((e) => `${e.channel}.${e.event}`);

/** The messages of one channel and event. */
export const messages = (events: readonly DiagEvent[], channel: DiagEvent['channel'], event = 'publish') =>
  events.filter((e) => e.channel === channel && e.event === event).map((e) => e.message);
