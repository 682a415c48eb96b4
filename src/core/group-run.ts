/**
 * The engine of the many-waits helpers: runs a group's waits through the public `waitForTask`, at
 * most `concurrency` at once, under one time limit and one abort link, and keeps the group's counts.
 * The helpers of `group.ts` only decide what each ending means for them.
 */
import {
  CallbackError,
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  isTaskAbortedError,
  isTaskTimeoutError,
  type TaskPollError,
} from './errors/index.js';
import type { GroupProgress, Member, NormalizedGroup } from './group-options.js';
import type { ProgressInfo } from './options.js';
import { asTaskPollError } from './poll.js';
import { waitForTask } from './poller.js';
import type { TaskStatus } from './status.js';
import { linkAbort, type LinkedAbort } from '../internal/abort.js';
import { monotonicNow } from '../internal/clock.js';

/**
 * The abort reason of the waits a group no longer needs (another one failed, or succeeded for
 * `waitForAny`, or the `asCompleted` loop was left): not a failure of theirs, and never surfaced.
 */
class GroupStopped extends Error {
  constructor(why: string) {
    super(`The group stopped this wait: ${why}`);
    this.name = 'GroupStopped';
  }
}

/** How one wait of the group ended. */
export type Ending =
  | { member: Member; status: TaskStatus<unknown>; error?: undefined }
  | { member: Member; status?: undefined; error: TaskPollError };

/**
 * The time limit of a wait that starts now: the group's deadline instant itself, so every wait and
 * its snapshots carry exactly the instant the caller gave (or the group's start + `timeoutMs`), and a
 * wait that starts late (held back by `concurrency`) gets what is left of it. `undefined` when nothing
 * is left (`monotonicDeadline` decides that, immune to wall-clock steps). The one place that turns
 * the group's deadline into a wait's option.
 */
function memberTimeLimit(
  monotonicDeadline: number,
  deadline: number | undefined,
): { timeoutMs: number } | { deadline: number } | undefined {
  if (deadline === undefined) return { timeoutMs: Number.POSITIVE_INFINITY };
  return monotonicDeadline - monotonicNow() >= 1 ? { deadline } : undefined;
}

/** One run of a group. `start()` runs it; `onEnding` hears of each wait that ends while it is not stopped. */
export class GroupRun {
  readonly #group: NormalizedGroup;
  readonly #onEnding: (ending: Ending) => void;
  /** Follows the caller's signal; aborted by `stop()`. Every wait is given its signal. */
  readonly #life: LinkedAbort;
  /** The group's deadline on the monotonic clock. */
  readonly #deadline: number;
  /** The group's time limit as a timeout error reports it: the time it had in all, and its deadline (epoch ms). */
  readonly #limit: { timeoutMs: number; deadline: number | undefined };
  readonly #tally: Tally;
  /** The index of the next member to start. */
  #next = 0;
  #stopped = false;
  #finished = false;
  /** The first error the group as a whole fails with (set by `fail()`). */
  failure: TaskPollError | undefined;

  constructor(group: NormalizedGroup, onEnding: (ending: Ending) => void) {
    this.#group = group;
    this.#onEnding = onEnding;
    this.#life = linkAbort([group.wait.signal]);
    // On the monotonic clock, as a wait keeps its own: a `deadline` instant is converted once, here.
    const { deadline, timeoutMs } = group.wait;
    const now = Date.now();
    const totalMs = deadline === undefined ? timeoutMs : Math.max(0, deadline - now);
    this.#deadline = monotonicNow() + totalMs;
    this.#limit = { timeoutMs: totalMs, deadline: Number.isFinite(totalMs) ? (deadline ?? now + totalMs) : undefined };
    this.#tally = new Tally(group.members.length, group.onGroupProgress, (error) =>
      this.fail(new CallbackError('onGroupProgress threw; the group was stopped', { cause: error })),
    );
  }

  /** Runs every wait (or until stopped); resolves once every wait it started has settled. Never rejects. */
  async start(): Promise<void> {
    this.#tally.emit();
    const workers = Math.min(this.#group.concurrency, this.#group.members.length);
    try {
      await Promise.all(Array.from({ length: workers }, () => this.#worker()));
    } finally {
      this.#finished = true;
      this.#life.dispose();
    }
  }

  /** Aborts the waits in progress and starts no more; their endings are not reported. */
  stop(why: string): void {
    if (this.#stopped || this.#finished) return;
    this.#stopped = true;
    this.#life.abort(new GroupStopped(why));
  }

  /** Ends the group with `error` (the first one wins) and stops the rest. */
  fail(error: TaskPollError): void {
    this.failure ??= error;
    this.stop(error.message);
  }

  /** One of `concurrency` workers: starts the next wait each time its last one settles. */
  async #worker(): Promise<void> {
    for (;;) {
      const member = this.#stopped ? undefined : this.#group.members[this.#next];
      if (member === undefined) return;
      this.#next += 1;
      const ending = await this.#runOne(member);
      if (!this.#stopped) this.#onEnding(ending);
    }
  }

  /** One wait, through the public `waitForTask`; never rejects. */
  async #runOne(member: Member): Promise<Ending> {
    const { adapter, ref, taskId, index } = member;
    const { provider } = adapter;
    const signal = this.#life.signal;
    const limit = memberTimeLimit(this.#deadline, this.#limit.deadline);
    // Waits that never started still end the way the group did, without a request.
    if (signal.aborted || limit === undefined) {
      const report = { lastStatus: undefined, attempts: 0, elapsedMs: 0 };
      const error = signal.aborted
        ? new TaskAbortedError(report, { provider, taskId, cause: signal.reason })
        : new TaskTimeoutError({ ...report, ...this.#limit }, { provider, taskId });
      this.#tally.end(index, outcomeOf(error));
      return { member, error };
    }
    this.#tally.begin(index);
    const { onProgress, onGroupProgress } = this.#group;
    try {
      const status = await waitForTask(adapter, ref, {
        ...this.#group.waitOptions,
        ...limit,
        signal,
        // Only when someone listens: the poller awaits an `onProgress` after every poll.
        ...(onProgress || onGroupProgress
          ? {
              onProgress: (status: TaskStatus<unknown>, info: ProgressInfo) => {
                this.#tally.observe(index, status);
                // Added to the poller's own info: a spread copy would lose its `snapshot` getter.
                return onProgress?.(status, Object.assign(info, { index }));
              },
            }
          : {}),
      });
      this.#tally.end(index, status.state);
      return { member, status };
    } catch (thrown) {
      const error = asTaskPollError(thrown, provider, taskId);
      this.#tally.end(index, outcomeOf(error));
      return { member, error };
    }
  }
}

/** The count a wait that ended goes to. */
type Outcome = 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'timedOut' | 'aborted' | 'errored';

function outcomeOf(error: TaskPollError): Outcome {
  if (error instanceof TaskFailedError) {
    const { state } = error.status;
    return state === 'partial' || state === 'cancelled' || state === 'failed' ? state : 'errored';
  }
  if (isTaskTimeoutError(error)) return 'timedOut';
  if (isTaskAbortedError(error)) return 'aborted';
  return 'errored';
}

/**
 * The group's counts, kept up to date in O(1) per change (only the started waits are held), and told
 * to `onGroupProgress` when they change.
 */
class Tally {
  readonly #counts: Omit<GroupProgress, 'meanProgress'>;
  /** The started waits: whether the task's last status was `queued`, and its last progress. */
  readonly #active = new Map<number, { queued: boolean; progress: number | undefined }>();
  #progressSum = 0;
  #progressCount = 0;
  #callback: ((progress: GroupProgress) => void | Promise<void>) | undefined;
  readonly #onThrow: (error: unknown) => void;
  #last: GroupProgress | undefined;

  constructor(
    total: number,
    callback: ((progress: GroupProgress) => void | Promise<void>) | undefined,
    onThrow: (error: unknown) => void,
  ) {
    this.#counts = {
      total,
      pending: total,
      queued: 0,
      running: 0,
      succeeded: 0,
      partial: 0,
      failed: 0,
      cancelled: 0,
      timedOut: 0,
      aborted: 0,
      errored: 0,
    };
    this.#callback = callback;
    this.#onThrow = onThrow;
  }

  /** A wait started. */
  begin(index: number): void {
    this.#counts.pending -= 1;
    this.#counts.running += 1;
    this.#active.set(index, { queued: false, progress: undefined });
    this.emit();
  }

  /** A started wait observed `status` (a terminal one is counted by `end`). */
  observe(index: number, status: TaskStatus<unknown>): void {
    const entry = this.#active.get(index);
    if (entry === undefined || status.terminal) return;
    const queued = status.state === 'queued';
    if (queued !== entry.queued) {
      this.#counts.queued += queued ? 1 : -1;
      this.#counts.running += queued ? -1 : 1;
      entry.queued = queued;
    }
    this.#setProgress(entry, status.progress);
    this.emit();
  }

  /** A wait ended (`index` started or not). */
  end(index: number, outcome: Outcome): void {
    const entry = this.#active.get(index);
    if (entry === undefined) this.#counts.pending -= 1;
    else {
      this.#counts[entry.queued ? 'queued' : 'running'] -= 1;
      this.#setProgress(entry, undefined);
      this.#active.delete(index);
    }
    this.#counts[outcome] += 1;
    this.emit();
  }

  /** Calls `onGroupProgress` when anything changed since its last call; what it throws stops the group. */
  emit(): void {
    const callback = this.#callback;
    if (callback === undefined) return;
    const progress: GroupProgress = {
      ...this.#counts,
      meanProgress: this.#progressCount > 0 ? this.#progressSum / this.#progressCount : undefined,
    };
    const last = this.#last;
    if (last !== undefined && (Object.keys(progress) as (keyof GroupProgress)[]).every((k) => progress[k] === last[k]))
      return;
    this.#last = progress;
    const fail = (error: unknown): void => {
      this.#callback = undefined;
      this.#onThrow(error);
    };
    try {
      const returned = callback({ ...progress });
      if (returned !== undefined) Promise.resolve(returned).catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  #setProgress(entry: { progress: number | undefined }, progress: number | undefined): void {
    if (entry.progress !== undefined) {
      this.#progressSum -= entry.progress;
      this.#progressCount -= 1;
    }
    if (progress !== undefined) {
      this.#progressSum += progress;
      this.#progressCount += 1;
    }
    entry.progress = progress;
  }
}
