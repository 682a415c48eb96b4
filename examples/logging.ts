/**
 * Logging: one JSON line per poll, retry, rate-limit pause and wait ending, from the diagnostics
 * channels taskpoll publishes on (`node:diagnostics_channel`). No logger needed: with pino, pass
 * `(fields) => logger.info(fields)` instead of `jsonLines`. No credential can reach a line: messages
 * carry the provider, the task id, error codes and numbers, never a request header, and provider text
 * is masked as everywhere else. Run it with `npx tsx examples/logging.ts`.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { pathToFileURL } from 'node:url';
import {
  DIAGNOSTIC_CHANNELS,
  isTaskPollError,
  waitForTask,
  type PacingMessage,
  type PollContext,
  type RetryMessage,
  type TaskStatus,
  type WaitContext,
} from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator, type Simulator } from 'taskpoll/testing';

type Fields = Record<string, unknown>;

const codeOf = (error: unknown): string => (isTaskPollError(error) ? error.code : 'UNKNOWN');

/** Subscribes `log` to the channels; returns the function that unsubscribes it. */
export function logDiagnostics(log: (fields: Fields) => void): () => void {
  // A poll's request, once it answered or failed (each retry is a request of its own).
  const onPoll = (message: unknown): void => {
    const { provider, taskId, attempt, retry, result, error } = message as PollContext;
    const outcome = error === undefined ? { state: (result as TaskStatus).state } : { code: codeOf(error) };
    log({ event: 'poll', provider, taskId, attempt, retry, ...outcome });
  };
  const onRetry = (message: unknown): void => {
    const { provider, taskId, attempt, retry, error, delayMs, retryAfter } = message as RetryMessage;
    log({ event: 'retry', provider, taskId, attempt, retry, code: error.code, delayMs, retryAfter });
  };
  const onPacing = (message: unknown): void => {
    const m = message as PacingMessage;
    if (m.kind === 'pause') log({ event: 'pause', provider: m.provider, pauseMs: m.pauseMs, until: m.until });
    else log({ event: 'queued', provider: m.provider, taskId: m.taskId, call: m.call, queuedMs: m.queuedMs });
  };
  // `asyncEnd` comes before the caller's `await` resumes: the wait's end fields are all set.
  const onEnd = (message: unknown): void => {
    const { provider, taskId, outcome, attempts, elapsedMs, queuedMs, error } = message as WaitContext;
    log({ event: 'end', provider, taskId, outcome, attempts, elapsedMs, queuedMs, code: error && codeOf(error) });
  };
  const pollEnd = tracingChannel(DIAGNOSTIC_CHANNELS.poll).asyncEnd;
  const waitEnd = tracingChannel(DIAGNOSTIC_CHANNELS.wait).asyncEnd;
  pollEnd.subscribe(onPoll);
  waitEnd.subscribe(onEnd);
  subscribe(DIAGNOSTIC_CHANNELS.retry, onRetry);
  subscribe(DIAGNOSTIC_CHANNELS.pacing, onPacing);
  return () => {
    pollEnd.unsubscribe(onPoll);
    waitEnd.unsubscribe(onEnd);
    unsubscribe(DIAGNOSTIC_CHANNELS.retry, onRetry);
    unsubscribe(DIAGNOSTIC_CHANNELS.pacing, onPacing);
  };
}

/** Plain JSON lines on stdout, times rounded to the millisecond. */
export function jsonLines(fields: Fields): void {
  const round = (value: unknown) => (typeof value === 'number' ? Math.round(value) : value);
  const rounded = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, round(value)]));
  console.log(JSON.stringify({ time: new Date().toISOString(), ...rounded }));
}

/** A simulated Guance task of 1.5 s whose first poll is answered 429 with `Retry-After: 1`. */
export async function main(given?: Simulator) {
  const sim = given ?? (await startSimulator({ seed: 3, timeScale: 600 }));
  const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: sim.guance.pacing });
  const lines: Fields[] = [];
  const stop = logDiagnostics((fields) => {
    lines.push(fields);
    jsonLines(fields);
  });
  try {
    sim.guance.script({ durationMs: 900_000 }); // 15 simulated minutes: 1.5 s at 600×
    sim.faults.add({ kind: 'too-many-requests', retryAfterS: 1, route: 'guance.queryTask', count: 1 });
    const taskId = await logmine.submit({ analysisField: 'message' });
    const done = await waitForTask(logmine, taskId, { initialDelayMs: 500, jitter: 0 });
    return { taskId, state: done.state, lines };
  } finally {
    stop();
    logmine.close();
    if (!given) await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
