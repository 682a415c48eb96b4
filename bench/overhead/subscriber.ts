/**
 * A diagnostics subscriber for the overhead benchmark: every event of every taskpoll channel (the five
 * of each tracing channel, the four plain ones) counted, and one field of each message read, so that
 * every payload is built and published. What a real subscriber does on top (format a log line, start
 * a span) is its own cost, not the library's.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';

const TRACED = ['taskpoll:wait', 'taskpoll:poll'] as const;
const PLAIN = ['taskpoll:status', 'taskpoll:retry', 'taskpoll:pacing', 'taskpoll:cancel'] as const;
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/** Events seen since the process started. */
export const seen = { events: 0, providers: 0 };

/** Subscribes to every channel; returns the function that unsubscribes. */
export function subscribeEverywhere(): () => void {
  const onMessage = (message: unknown): void => {
    seen.events += 1;
    if ((message as { provider?: unknown }).provider !== undefined) seen.providers += 1;
  };
  const undo: (() => void)[] = [];
  for (const name of TRACED) {
    const traced = tracingChannel(name);
    for (const event of EVENTS) {
      traced[event].subscribe(onMessage);
      undo.push(() => traced[event].unsubscribe(onMessage));
    }
  }
  for (const name of PLAIN) {
    subscribe(name, onMessage);
    undo.push(() => unsubscribe(name, onMessage));
  }
  return () => {
    for (const off of undo) off();
  };
}
