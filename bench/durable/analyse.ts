/**
 * Reads the worker logs of the durable-waits benchmark (see worker.ts for the line format) back into
 * one trace per wait, and measures them: lateness of each poll against its `nextPollAt`, the waits a
 * killed worker held, and how long they took to be polled again.
 */

/** One poll: its request's start and, unless the worker died first, its answer. */
export interface Poll {
  worker: number;
  start: number;
  end?: number;
  state?: string;
  /** What it threw: the error's code, and errno for a network error. */
  failed?: string;
}

/** Every poll and activation of one wait, in time order. */
export interface WaitTrace {
  polls: Poll[];
  activations: { worker: number; at: number }[];
}

/** Parses the logs (index = worker number) into traces by task id. */
export function readTraces(logs: readonly string[]): Map<string, WaitTrace> {
  const traces = new Map<string, WaitTrace>();
  const traceOf = (id: string): WaitTrace => {
    let trace = traces.get(id);
    if (!trace) {
      trace = { polls: [], activations: [] };
      traces.set(id, trace);
    }
    return trace;
  };
  logs.forEach((text, worker) => {
    const open = new Map<string, Poll>();
    for (const line of text.split('\n')) {
      const [kind, id, at, state] = line.split(' ');
      if (id === undefined || at === undefined) continue;
      const time = Number(at);
      if (kind === 'A') traceOf(id).activations.push({ worker, at: time });
      else if (kind === 'S') {
        const poll: Poll = { worker, start: time };
        open.set(id, poll);
        traceOf(id).polls.push(poll);
      } else if (kind === 'E' || kind === 'X') {
        const poll = open.get(id);
        if (!poll) continue;
        open.delete(id);
        poll.end = time;
        if (kind === 'X') poll.failed = state ?? 'unknown';
        else if (state !== undefined) poll.state = state;
      }
    }
  });
  // Each log is in time order; across logs, only sorting makes them so.
  for (const trace of traces.values()) {
    trace.polls.sort((a, b) => a.start - b.start);
    trace.activations.sort((a, b) => a.at - b.at);
  }
  return traces;
}

/** The waits a killed worker held at its death, and when each was polled again. */
export interface KillFigures {
  /** Held waits whose poll request was in flight (started, not answered). */
  pollsInFlight: number;
  /** Held waits taken up by the worker's processor, whose poll had not started yet. */
  activatedOnly: number;
  /** Held waits whose poll had answered: the snapshot was being stored and the job put back. */
  answered: number;
  /** Held waits the worker had fetched from BullMQ but not yet handed to its processor. */
  notInLog: number;
  /** For each held wait, ms from the kill until another worker took it up. */
  recoveryMs: number[];
  /**
   * For each held wait, its next poll's lateness against its `nextPollAt`, in ms: a poll whose answer
   * was stored before the kill is due an interval later, one in flight was due before the kill.
   */
  nextPollLatenessMs: number[];
  /** Held waits never taken up again. */
  unrecovered: number;
}

type HeldKind = 'pollsInFlight' | 'activatedOnly' | 'answered' | 'notInLog';

/** What {@link measure} finds. */
export interface Figures {
  /** Poll requests logged (retries included). */
  polls: number;
  /** Polls that threw (retried or not), by what they threw. */
  pollErrors: Map<string, number>;
  /** Lateness (ms) of polls due before the kill (every poll when there was none); first polls excluded. */
  before: number[];
  /** Lateness (ms) of polls due after the kill, the held waits' next polls excluded. */
  after: number[];
  kill: KillFigures;
}

/**
 * Where a held wait was in the killed worker, from its log: its last activation before the kill, if
 * the killed worker's, had a poll request in flight, no poll started yet, or a poll answered (the
 * snapshot being stored and the job put back); else it was fetched but not yet handed to the processor.
 */
function heldAs(trace: WaitTrace, worker: number, at: number): HeldKind {
  const before = trace.activations.filter((a) => a.at <= at);
  const last = before[before.length - 1];
  if (!last || last.worker !== worker) return 'notInLog';
  const polls = trace.polls.filter((p) => p.worker === worker && p.start >= last.at && p.start <= at);
  if (polls.length === 0) return 'activatedOnly';
  return polls.some((p) => p.end === undefined) ? 'pollsInFlight' : 'answered';
}

/** Counts a held wait and finds when it was taken up and polled again; returns that poll. */
function recovered(
  trace: WaitTrace,
  kill: { worker: number; at: number },
  into: KillFigures,
  intervalMs: number,
): Poll | undefined {
  into[heldAs(trace, kill.worker, kill.at)] += 1;
  const takenUp = trace.activations.find((a) => a.at > kill.at && a.worker !== kill.worker);
  if (!takenUp) {
    into.unrecovered += 1;
    return undefined;
  }
  into.recoveryMs.push(takenUp.at - kill.at);
  const next = trace.polls.find((p) => p.start >= takenUp.at);
  const answered = trace.polls.filter((p) => p.start <= kill.at && p.end !== undefined && !p.failed);
  const last = answered[answered.length - 1];
  if (next && last?.end !== undefined) into.nextPollLatenessMs.push(next.start - (last.end + intervalMs));
  return next;
}

/**
 * Lateness of every poll but a wait's first: its start minus (the previous poll's answer + the
 * interval), which is how the poller sets `nextPollAt` on a fixed schedule. A poll after one that
 * threw (a retry) has no scheduled due time and is left out.
 */
export function measure(
  traces: ReadonlyMap<string, WaitTrace>,
  intervalMs: number,
  kill?: { worker: number; at: number; held: ReadonlySet<string> },
): Figures {
  const figures: Figures = {
    polls: 0,
    pollErrors: new Map(),
    before: [],
    after: [],
    kill: {
      pollsInFlight: 0,
      activatedOnly: 0,
      answered: 0,
      notInLog: 0,
      recoveryMs: [],
      nextPollLatenessMs: [],
      unrecovered: 0,
    },
  };
  for (const [id, trace] of traces) {
    const { polls } = trace;
    figures.polls += polls.length;
    for (const p of polls) {
      if (p.failed) figures.pollErrors.set(p.failed, (figures.pollErrors.get(p.failed) ?? 0) + 1);
    }
    const recovery = kill?.held.has(id) ? recovered(trace, kill, figures.kill, intervalMs) : undefined;
    for (let k = 1; k < polls.length; k += 1) {
      const poll = polls[k] as Poll;
      const previous = polls[k - 1] as Poll;
      if (poll === recovery || previous.end === undefined || previous.failed) continue;
      const due = previous.end + intervalMs;
      (kill && due >= kill.at ? figures.after : figures.before).push(poll.start - due);
    }
  }
  return figures;
}

/** Polls started in [from, to), per second. */
export function pollRate(traces: ReadonlyMap<string, WaitTrace>, from: number, to: number): number {
  let count = 0;
  for (const trace of traces.values()) for (const p of trace.polls) if (p.start >= from && p.start < to) count += 1;
  return (count * 1000) / Math.max(1, to - from);
}

/**
 * How far the due times derived from the logs (answer + interval) lie from the `nextPollAt` the
 * snapshots hold, in ms (snapshot − derived), for the sampled waits whose poll is in the logs.
 */
export function dueOffsets(
  traces: ReadonlyMap<string, WaitTrace>,
  samples: readonly { id: string; attempts: number; due: number }[],
  intervalMs: number,
): number[] {
  const offsets: number[] = [];
  for (const { id, attempts, due } of samples) {
    const polls = traces.get(id)?.polls.filter((p) => !p.failed) ?? [];
    const end = polls[attempts - 1]?.end;
    if (end !== undefined && due > 0) offsets.push(due - (end + intervalMs));
  }
  return offsets;
}

/** The time of the last line a worker wrote. */
export function lastLineOf(traces: ReadonlyMap<string, WaitTrace>, worker: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const { polls, activations } of traces.values()) {
    for (const a of activations) if (a.worker === worker && a.at > last) last = a.at;
    for (const p of polls) if (p.worker === worker) last = Math.max(last, p.start, p.end ?? p.start);
  }
  return last;
}
