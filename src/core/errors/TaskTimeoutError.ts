import type { WaitSnapshot } from '../snapshot.js';
import type { TaskStatus } from '../status.js';
import { TaskPollError, type TaskPollErrorOptions } from './TaskPollError.js';

/** What the poller knows of the wait when it timed out or was aborted. */
export interface WaitReport {
  /** The last status observed, if any poll answered. */
  lastStatus: TaskStatus | undefined;
  /** How many polls were started (retries of one poll not counted). */
  attempts: number;
  /** Time from the start of the wait to this error, in ms. */
  elapsedMs: number;
  /**
   * Of `elapsedMs`, the time the wait's requests spent queued for the adapter's pacing slots, in ms (a
   * queue wait still under way when the wait ended included). Left out, 0.
   */
  queuedMs?: number | undefined;
  /**
   * The wait as it stood when it ended, to continue it later with `resumeFrom` (see `WaitSnapshot`);
   * `undefined` when it cannot be snapshotted (a ref that is not JSON-safe).
   */
  snapshot?: WaitSnapshot | undefined;
  /** Set when `cancelOnAbort` asked the provider to cancel the task: whether that call succeeded. */
  remoteCancel?:
    | {
        /** True when the provider accepted the cancel. */
        ok: boolean;
        /** Why it did not, as a `TaskPollError` (its own `cancelTimeoutMs` passing included). */
        error?: unknown;
      }
    | undefined;
}

/** Queued time above this share of the wait's time earns the message a word on pacing. */
const QUEUED_SHARE_HINT = 0.5;

/**
 * The sentence a timeout or abort message ends with when the wait spent most of its time queued for
 * the adapter's pacing (its share of the provider's rate limit), saying what to change; else `''`.
 * Without it, a wait whose polls never left the process reads like a slow task.
 */
export function queuedHint(report: WaitReport, moreTime: string): string {
  const queuedMs = report.queuedMs ?? 0;
  if (!(queuedMs > 0 && queuedMs > report.elapsedMs * QUEUED_SHARE_HINT)) return '';
  return (
    `. It spent ${Math.round(queuedMs)} of its ${Math.round(report.elapsedMs)} ms queued for the adapter's ` +
    "request budget (the provider's rate limit, shared by every call and wait of the adapter; its " +
    'pacerStats() shows the queue): give the adapter a larger `pacing` if the provider allows it, wait ' +
    `on fewer tasks at once (\`concurrency\` of the group helpers), or ${moreTime}`
  );
}

/**
 * The wait's deadline (`timeoutMs` after its start, or the `deadline` instant) passed before the task
 * reached a terminal state, or had passed already when the wait began (a wait resumed late).
 */
export class TaskTimeoutError extends TaskPollError {
  override readonly code = 'TASK_TIMEOUT' as const;
  /** The last status observed; `undefined` when no poll answered. */
  readonly lastStatus: TaskStatus | undefined;
  /** How many polls were started (retries of one poll not counted; a resumed wait's earlier polls included). */
  readonly attempts: number;
  /** Time from the start of the wait to this error, in ms (from its first start, on a resumed wait). */
  readonly elapsedMs: number;
  /**
   * Of `elapsedMs`, the time the wait's requests spent queued for the adapter's pacing slots, in ms,
   * the queue wait under way at the deadline included. When it is most of the wait, the provider's
   * rate budget (spent by other calls and waits of the adapter), not the task, used up the time; the
   * message then says so.
   */
  readonly queuedMs: number;
  /**
   * The time the wait had in all, in ms: its `timeoutMs`, or from its start to its `deadline` (0 when
   * that instant was already past at the start).
   */
  readonly timeoutMs: number;
  /** The deadline that passed, in epoch ms; `undefined` when the error was built without one. */
  readonly deadline: number | undefined;
  /** With `cancelOnAbort`: whether the provider accepted the cancel; `undefined` when none was asked. */
  readonly remoteCancel: WaitReport['remoteCancel'];
  /**
   * The wait as it stood at the deadline: plain data (see `WaitSnapshot`) to continue it with
   * `resumeFrom` and a later `deadline`; `undefined` when the ref is not JSON-safe.
   */
  readonly snapshot: WaitSnapshot | undefined;

  constructor(
    report: WaitReport & { timeoutMs: number; deadline?: number | undefined },
    options: TaskPollErrorOptions = {},
  ) {
    const last = lastSeen(report);
    const by = report.deadline === undefined ? '' : `, by ${instant(report.deadline)}`;
    const counts = `(${report.attempts} polls${last})`;
    super(
      `Task ${options.taskId ?? ''} did not finish within ${report.timeoutMs} ms${by} ${counts}` +
        queuedHint(report, 'allow a longer `timeoutMs` or a later `deadline`'),
      options,
    );
    this.lastStatus = report.lastStatus;
    this.attempts = report.attempts;
    this.elapsedMs = report.elapsedMs;
    this.queuedMs = report.queuedMs ?? 0;
    this.timeoutMs = report.timeoutMs;
    this.deadline = report.deadline;
    this.remoteCancel = report.remoteCancel;
    this.snapshot = report.snapshot;
  }
}

/**
 * The last status a report knows of, for a message: this process's last answer, or, on a resumed wait
 * that has had none yet, the one its snapshot carried.
 */
export function lastSeen(report: WaitReport): string {
  if (report.lastStatus) return `; last state ${report.lastStatus.state} (${report.lastStatus.providerState})`;
  const before = report.snapshot?.last;
  if (before) return `; last state ${before.state} (${before.providerState}), seen before the wait was resumed`;
  return '; no poll answered';
}

/** An epoch instant as ISO 8601, or as a number where `Date` cannot show it. */
function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} (epoch ms)` : date.toISOString();
}
