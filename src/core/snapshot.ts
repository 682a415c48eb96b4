/**
 * Wait snapshots: the state of a wait as plain data, so that another process can continue it with
 * `resumeFrom`. The behaviour comes from the adapter and the options of the resuming call; the snapshot
 * carries only what the wait itself had learnt (when it started, its deadline, its polls so far, when
 * the next poll is due, what the schedule needs). It is versioned, and checked field by field before a
 * resumed wait sends anything: a snapshot that cannot be used is refused, never silently restarted.
 */
import { describe, describeOption } from '../internal/checks.js';
import { MAX_TIMER_MS } from '../internal/clock.js';
import { isTraceparent } from '../internal/diagnostics.js';
import { frozenCopy, jsonProblem } from '../internal/json.js';
import { isTaskState, type TaskState, type TaskStatus } from './status.js';

/**
 * A wait as plain, JSON-safe data: what `onProgress`'s `info.snapshot` and `pollTask(...).snapshot()`
 * hand out after each poll, and what `resumeFrom` continues. Store it anywhere (a database row, a queue
 * job, a file) with `JSON.stringify`, and read it back with `JSON.parse`. It never holds a credential
 * (only the adapter has those) nor the task's result. Instants are epoch ms on the wall clock, the only
 * clock two processes share.
 */
export interface WaitSnapshot {
  /** The snapshot format. This version of taskpoll writes and reads `1`; any other is refused. */
  readonly version: 1;
  /** The adapter's `provider`: a snapshot is only resumed with an adapter of the same provider. */
  readonly provider: string;
  /** The task id (`adapter.taskId(ref)`): a snapshot is only resumed for a ref naming the same task. */
  readonly taskId: string;
  /**
   * The ref the wait polled, to pass again to `waitForTask` / `pollTask`. JSON-safe: strings, finite
   * numbers, booleans, `null`, arrays and plain objects of them.
   */
  readonly ref: unknown;
  /** When the wait started, in epoch ms. Resuming keeps it: elapsed time and the schedule go on from it. */
  readonly startedAt: number;
  /**
   * The wait's deadline, in epoch ms: the instant given as `deadline`, or `startedAt + timeoutMs`; `null`
   * when the wait has none (`timeoutMs: Infinity`). It never changes across snapshots and resumes,
   * unless the resuming call gives a new `timeoutMs` or `deadline`.
   */
  readonly deadline: number | null;
  /** Polls started so far (retries of one poll not counted): a resumed wait counts on from it. */
  readonly attempts: number;
  /**
   * No poll goes out before this instant, in epoch ms (the schedule's delay, or the server's
   * `pollAfterMs` / `Retry-After`); `null` when no poll was planned (the status was terminal, or no
   * further poll fitted before the deadline): a resumed wait then polls at once.
   */
  readonly nextPollAt: number | null;
  /** The last status observed, in short; `null` when no poll has answered. */
  readonly last: {
    /** Its normalized state. */
    readonly state: TaskState;
    /** The provider's own word or code. */
    readonly providerState: string;
    /** Its progress, 0 to 100; `null` when it reported none. */
    readonly progress: number | null;
  } | null;
  /** The progress seen so far, oldest first, for the progress-aware schedule (`elapsedMs` from `startedAt`). */
  readonly progressSamples: readonly {
    /** When the status was observed, in ms after `startedAt`. */
    readonly elapsedMs: number;
    /** The progress it reported, 0 to 100. */
    readonly progress: number;
  }[];
  /** How long the last answered polls took, in ms, oldest first: where the last poll before the deadline goes. */
  readonly latenciesMs: readonly number[];
  /**
   * Time the wait's requests spent queued for the adapter's pacing so far, in ms, in every process that
   * ran it: a resumed wait counts on from it (`queuedMs` of its progress and errors). Read as 0 when
   * left out.
   */
  readonly queuedMs?: number;
  /**
   * The W3C `traceparent` of the trace the wait belongs to (`00-<trace id>-<span id>-<flags>`), when a
   * diagnostics subscriber (`taskpoll/otel`, say) gave the wait one at its start: a wait resumed from
   * the snapshot reports it (`resumedFrom.traceparent` of its `taskpoll:wait` context), so its trace can
   * link to the first. A resumed wait whose subscriber gives none carries its snapshot's on. Left out
   * when there is none.
   */
  readonly traceparent?: string;
}

/** The format this version writes and reads. */
const VERSION = 1;

const KEYS: ReadonlySet<string> = new Set([
  'version',
  'provider',
  'taskId',
  'ref',
  'startedAt',
  'deadline',
  'attempts',
  'nextPollAt',
  'last',
  'progressSamples',
  'latenciesMs',
  'queuedMs',
  'traceparent',
]);

/** Most entries a snapshot's arrays may have (the wait keeps far fewer: anything more is not ours). */
const MAX_ENTRIES = 1000;

type Fields = Record<string, unknown>;

/**
 * Checks that `value` is a {@link WaitSnapshot} this version can resume, field by field: a `TypeError`
 * (wrong shape or type) or `RangeError` (unknown version, a number out of range) naming the field.
 * Whether it belongs to the adapter and ref of the call is {@link checkSnapshotTarget}'s part.
 */
export function checkSnapshot(value: unknown): WaitSnapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`resumeFrom must be a wait snapshot object, got ${describe(value)}`);
  }
  const s = value as Fields;
  // The version first: a snapshot of another format is refused as such, not for the fields it lacks.
  if (typeof s.version !== 'number') {
    throw new TypeError(`resumeFrom.version must be ${VERSION}, got ${describeOption('version', s.version)}`);
  }
  if (s.version !== VERSION) {
    throw new RangeError(
      `resumeFrom.version is ${s.version}: this version of taskpoll reads wait snapshots of version ${VERSION} only`,
    );
  }
  for (const key of Object.keys(s)) {
    if (!KEYS.has(key)) throw new TypeError(`resumeFrom has an unknown field "${key.slice(0, 40)}"`);
  }
  for (const key of ['provider', 'taskId'] as const) {
    if (typeof s[key] !== 'string' || s[key] === '') {
      throw new TypeError(`resumeFrom.${key} must be a non-empty string, got ${describeOption(key, s[key])}`);
    }
  }
  const problem = jsonProblem(s.ref, 'resumeFrom.ref');
  if (problem !== undefined) throw new TypeError(`${problem}: a snapshot's ref must be JSON-safe`);
  instant('startedAt', s.startedAt, false);
  instant('deadline', s.deadline, true);
  // A timer cannot wait longer; no wait of this version has a deadline further from its start.
  if (typeof s.deadline === 'number' && s.deadline - Date.now() > MAX_TIMER_MS) {
    throw new RangeError(`resumeFrom.deadline must be at most ${MAX_TIMER_MS} ms (about 24.8 days) ahead`);
  }
  instant('nextPollAt', s.nextPollAt, true);
  if (!Number.isSafeInteger(s.attempts) || (s.attempts as number) < 0) {
    throw new RangeError(`resumeFrom.attempts must be a whole number ≥ 0, got ${describe(s.attempts)}`);
  }
  checkLast(s.last);
  const samples = list('progressSamples', s.progressSamples);
  samples.forEach((sample, i) => {
    const name = `resumeFrom.progressSamples[${i}]`;
    if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
      throw new TypeError(`${name} must be an object { elapsedMs, progress }, got ${describe(sample)}`);
    }
    const { elapsedMs, progress, ...rest } = sample as Fields;
    if (Object.keys(rest).length > 0) throw new TypeError(`${name} has fields besides elapsedMs and progress`);
    nonNegative(`${name}.elapsedMs`, elapsedMs);
    percent(`${name}.progress`, progress);
  });
  list('latenciesMs', s.latenciesMs).forEach((latency, i) => {
    nonNegative(`resumeFrom.latenciesMs[${i}]`, latency);
  });
  if (s.queuedMs !== undefined) nonNegative('resumeFrom.queuedMs', s.queuedMs);
  if (s.traceparent !== undefined && !isTraceparent(s.traceparent)) {
    throw new TypeError(
      `resumeFrom.traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got ${describeOption('traceparent', s.traceparent)}`,
    );
  }
  return value as WaitSnapshot;
}

/**
 * Refuses a snapshot of another provider's wait, or of another task than the call's ref names: the
 * wait would otherwise carry one task's deadline and schedule over to another.
 */
export function checkSnapshotTarget(snapshot: WaitSnapshot, provider: string, taskId: string): void {
  if (snapshot.provider !== provider) {
    throw new TypeError(
      `resumeFrom is a snapshot of a ${describeOption('provider', snapshot.provider)} wait; ` +
        `this adapter's provider is ${describeOption('provider', provider)}`,
    );
  }
  if (snapshot.taskId !== taskId) {
    throw new TypeError(
      `resumeFrom is a snapshot of task ${describeOption('taskId', snapshot.taskId)}; ` +
        `the ref names task ${describeOption('taskId', taskId)}`,
    );
  }
}

/**
 * A deep, frozen copy of a ref for snapshots, or a `TypeError` saying which part of it is not JSON-safe
 * (a function, a class instance such as a `Date`, a bigint, a symbol, `undefined`, a number that is not
 * finite, a cycle). Made once per wait, when the first snapshot is asked for.
 */
export function snapshotRef(ref: unknown): unknown {
  const problem = jsonProblem(ref, 'ref');
  if (problem !== undefined) {
    throw new TypeError(
      `the wait cannot be snapshotted: ${problem}; a ref must be JSON-safe (strings, finite numbers, ` +
        'booleans, null, arrays and plain objects) to be snapshotted',
    );
  }
  return frozenCopy(ref);
}

function instant(name: string, value: unknown, nullable: boolean): void {
  if (nullable && value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const expected = nullable ? 'epoch ms (a finite number) or null' : 'epoch ms (a finite number)';
    throw new TypeError(`resumeFrom.${name} must be ${expected}, got ${describe(value)}`);
  }
}

function nonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite number ≥ 0, got ${describe(value)}`);
  }
}

function percent(name: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 100)) {
    throw new TypeError(`${name} must be a number from 0 to 100, got ${describe(value)}`);
  }
}

function list(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`resumeFrom.${name} must be an array, got ${describe(value)}`);
  if (value.length > MAX_ENTRIES) {
    throw new RangeError(`resumeFrom.${name} must have at most ${MAX_ENTRIES} entries, got ${value.length}`);
  }
  return value;
}

function checkLast(value: unknown): void {
  if (value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`resumeFrom.last must be null or { state, providerState, progress }, got ${describe(value)}`);
  }
  const { state, providerState, progress, ...rest } = value as Fields;
  if (Object.keys(rest).length > 0) {
    throw new TypeError('resumeFrom.last has fields besides state, providerState and progress');
  }
  if (!isTaskState(state)) {
    throw new TypeError(`resumeFrom.last.state must be a TaskState, got ${describeOption('state', state)}`);
  }
  if (typeof providerState !== 'string') {
    throw new TypeError(`resumeFrom.last.providerState must be a string, got ${describe(providerState)}`);
  }
  if (progress !== null) percent('resumeFrom.last.progress', progress);
}

/** The wait as it stood after one poll: what a snapshot of that moment is built from, when asked for. */
export interface WaitFrame {
  /** Polls started so far. */
  attempts: number;
  /** The status that poll observed. */
  last: WaitSnapshot['last'];
  /** When the next poll is due, in epoch ms; `null` when none is planned. */
  nextPollAt: number | null;
  /** The progress samples then (a copy: the wait goes on changing its own). */
  samples: { elapsedMs: number; progress: number }[];
  /** The latencies then (a copy). */
  latencies: number[];
  /** Time queued for pacing so far, in ms. */
  queuedMs: number;
}

/** The options a wait's span comes from. */
interface SpanOptions {
  timeoutMs: number;
  timeoutGiven: boolean;
  deadline: number | undefined;
  resumeFrom: WaitSnapshot | undefined;
}

/**
 * What a wait keeps for its snapshots: its start and deadline in epoch ms (converted once, at the start
 * or resume: within a process the wait runs on the monotonic clock), what a resume brought, and the
 * ref as snapshots carry it.
 */
export class WaitRecord {
  readonly provider: string;
  readonly taskId: string;
  readonly ref: unknown;
  /** The start, in epoch ms: the snapshot's on a resumed wait. */
  readonly startedAt: number;
  /** The deadline, in epoch ms; `null` for none. */
  readonly deadline: number | null;
  /** Epoch ms minus monotonic ms, when this process took the wait up. */
  readonly epochOffset: number;
  /** Time the wait had already run when this process took it up, in ms (0 unless resumed). */
  readonly elapsedMs: number;
  /** Time left to the deadline then, in ms (≤ 0: already past; `Infinity`: no deadline). */
  readonly remainingMs: number;
  /** On a resumed wait, how long the snapshot's `nextPollAt` lies ahead, in ms (else 0). */
  readonly resumeDelayMs: number;
  /** On a resumed wait, the snapshot's last status: a snapshot's until this process observes one. */
  readonly resumedLast: WaitSnapshot['last'];
  /** On a resumed wait, the time it had spent queued for pacing before (else 0). */
  readonly resumedQueuedMs: number;
  /** The trace the wait belongs to, for its snapshots: a subscriber's, else the resumed snapshot's. */
  traceparent: string | undefined;
  #ref: { copy: unknown } | undefined;

  constructor(wait: { provider: string; taskId: string; ref: unknown }, opts: SpanOptions, monoNow: number) {
    const wallNow = Date.now();
    const resume = opts.resumeFrom;
    this.provider = wait.provider;
    this.taskId = wait.taskId;
    this.ref = wait.ref;
    this.epochOffset = wallNow - monoNow;
    this.startedAt = resume ? resume.startedAt : wallNow;
    // The deadline is the instant the caller gave, or the start plus timeoutMs, exactly: a resume keeps
    // the snapshot's unless this call gives a new one (a timeoutMs counts from the first start).
    if (opts.deadline !== undefined) this.deadline = opts.deadline;
    else if (resume && !opts.timeoutGiven) this.deadline = resume.deadline;
    else this.deadline = Number.isFinite(opts.timeoutMs) ? this.startedAt + opts.timeoutMs : null;
    // A snapshot from a host whose clock runs ahead may start after this one's now: no time has passed.
    this.elapsedMs = Math.max(0, wallNow - this.startedAt);
    this.remainingMs = this.deadline === null ? Number.POSITIVE_INFINITY : this.deadline - wallNow;
    this.resumeDelayMs = resume?.nextPollAt != null ? Math.max(0, resume.nextPollAt - wallNow) : 0;
    this.resumedLast = resume ? resume.last : null;
    this.resumedQueuedMs = resume?.queuedMs ?? 0;
    this.traceparent = resume?.traceparent;
  }

  /** The time the wait had in all, in ms: from its start to its deadline (`timeoutMs` when it has none). */
  totalMs(timeoutMs: number): number {
    return this.deadline === null ? timeoutMs : Math.max(0, this.deadline - this.startedAt);
  }

  /**
   * What a snapshot after a poll needs: polls so far, the status observed, when the next poll is due
   * (monotonic ms; `undefined` for none), the schedule's samples and latencies, copied, and the time
   * queued for pacing so far.
   */
  frame(
    attempts: number,
    status: { state: TaskState; providerState: string; progress?: number } | undefined,
    nextPollAt: number | undefined,
    samples: readonly { elapsedMs: number; progress: number }[],
    latencies: readonly number[],
    queuedMs: number,
  ): WaitFrame {
    return {
      attempts,
      last: status
        ? { state: status.state, providerState: status.providerState, progress: status.progress ?? null }
        : this.resumedLast,
      // Rounded up: a resumed wait must not poll before the instant planned.
      nextPollAt: nextPollAt === undefined ? null : Math.ceil(nextPollAt + this.epochOffset),
      samples: samples.slice(),
      latencies: latencies.slice(),
      queuedMs: Math.round(queuedMs),
    };
  }

  /**
   * A fresh snapshot of `frame` (fresh objects each time: a caller may change what it was given); a
   * `TypeError` when the ref is not JSON-safe, checked and copied on the first call.
   */
  snapshot(frame: WaitFrame): WaitSnapshot {
    this.#ref ??= { copy: snapshotRef(this.ref) };
    return {
      version: VERSION,
      provider: this.provider,
      taskId: this.taskId,
      ref: this.#ref.copy,
      startedAt: this.startedAt,
      deadline: this.deadline,
      attempts: frame.attempts,
      nextPollAt: frame.nextPollAt,
      last: frame.last && { ...frame.last },
      progressSamples: frame.samples.map(({ elapsedMs, progress }) => ({ elapsedMs, progress })),
      // Whole ms: enough for the last-poll lead they feed, and shorter to store.
      latenciesMs: frame.latencies.map(Math.round),
      queuedMs: frame.queuedMs,
      // Written only when there is one: snapshots without a trace stay as they were.
      ...(this.traceparent === undefined ? {} : { traceparent: this.traceparent }),
    };
  }
}

/** What {@link pollTask} returns: the wait's statuses as an async iterator, and its snapshot. */
export interface TaskPollIterator<TResult> extends AsyncIterableIterator<TaskStatus<TResult>> {
  /**
   * The wait after the last status yielded, as plain data to persist and continue with `resumeFrom`
   * (see {@link WaitSnapshot}); `undefined` before the first status. Throws a `TypeError` when the ref
   * is not JSON-safe (such a wait cannot be snapshotted).
   */
  snapshot(): WaitSnapshot | undefined;
}
