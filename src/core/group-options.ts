/**
 * What the many-waits helpers (`group.ts`) take and give: their options, the group's progress, the
 * shape of each ending, and the one function that checks refs and options before any request.
 */
import type { AdapterRef, AdapterResult, TaskAdapter } from './adapter.js';
import type { TaskPollError } from './errors/index.js';
import { normalizeWaitOptions, type NormalizedWaitOptions, type ProgressInfo, type WaitOptions } from './options.js';
import { checkAdapterAndRef } from './poller.js';
import type { CompletedTask, SucceededTask, TaskStatus } from './status.js';
import { describe, describeOption, didYouMean } from '../internal/checks.js';

/** The options a group adds to `WaitOptions`. */
const GROUP_KEYS: readonly string[] = ['concurrency', 'onGroupProgress'];

/** What a group's per-wait `onProgress` is told beside the status: the wait's own info, and which wait it is. */
export interface GroupProgressInfo extends ProgressInfo {
  /** The wait's position in the refs (or entries) the group was given, from 0. */
  index: number;
}

/**
 * How many of a group's waits are where, handed to `onGroupProgress` at each change. Every wait is in
 * exactly one count, so `pending + queued + running + succeeded + partial + failed + cancelled +
 * timedOut + aborted + errored === total`.
 */
export interface GroupProgress {
  /** Waits in the group. */
  total: number;
  /** Not started yet: waiting for a `concurrency` slot. */
  pending: number;
  /** Started, and the task's last status was `queued`. */
  queued: number;
  /** Started, and no status yet or the last one was `running`, `cancelling` or `unknown`. */
  running: number;
  /** Ended `succeeded`. */
  succeeded: number;
  /** Ended `partial` (accepted with `acceptPartial`, or a `TaskFailedError` without it). */
  partial: number;
  /** Ended `failed` (a `TaskFailedError`). */
  failed: number;
  /** Ended `cancelled` on the provider's side (a `TaskFailedError`). */
  cancelled: number;
  /** Ended with `TaskTimeoutError`: the group's time limit passed. */
  timedOut: number;
  /** Ended with `TaskAbortedError`: the group's `signal` aborted, or the group stopped the wait. */
  aborted: number;
  /** Ended with any other error (not found, authentication, network, a callback that threw, …). */
  errored: number;
  /**
   * The mean `progress` (0 to 100) of the started waits whose last status reported one; `undefined`
   * when none did.
   */
  meanProgress: number | undefined;
}

/** Options of the many-waits helpers: every {@link WaitOptions} field applies to each wait, plus the group's own. */
export interface GroupOptions<TResult = unknown, TPartial extends boolean = boolean>
  extends Omit<WaitOptions<TResult>, 'onProgress' | 'acceptPartial' | 'resumeFrom'> {
  /**
   * Waits in progress at once; the rest start, in input order, as slots free up. A wait holds its slot
   * from its first poll until it settles: this bounds tasks being watched, not requests in flight
   * (the adapter's pacing bounds those, shared by every wait through it). A positive whole number or
   * `Infinity`.
   * @default Infinity
   */
  concurrency?: number;
  /**
   * Called with the group's counts at the start and whenever a count or the mean progress changes
   * (a wait starts, a task's state or progress changes, a wait ends); not on a timer. If it throws (or
   * its promise rejects), the group stops every wait and rejects with a `CallbackError` whose `cause`
   * is what it threw.
   */
  onGroupProgress?: (progress: GroupProgress) => void | Promise<void>;
  /**
   * Called after every status each wait observes, as {@link WaitOptions.onProgress}; `info.index`
   * (and `status.taskId`) tell which wait. If it throws, that wait ends with a `CallbackError`.
   */
  onProgress?: (status: TaskStatus<TResult>, info: GroupProgressInfo) => void | Promise<void>;
  /**
   * Whether a `partial` outcome counts as a success (see {@link WaitOptions.acceptPartial}).
   * @default false
   */
  acceptPartial?: TPartial;
}

/** One wait of a group that mixes providers: an adapter and a ref it takes. */
export interface TaskEntry<TRef = unknown, TResult = unknown> {
  /** The adapter that polls this task. */
  readonly adapter: TaskAdapter<TRef, TResult>;
  /** The task, as the adapter names it. */
  readonly ref: TRef;
}

/** Any {@link TaskEntry}: the constraint of the mixed-provider form. */
export interface AnyTaskEntry {
  /** Any adapter. */
  readonly adapter: TaskAdapter<never, unknown>;
  /** A ref it takes (checked at run time by its `taskId`). */
  readonly ref: unknown;
}

/** What a wait resolves with: a {@link SucceededTask}, or a {@link CompletedTask} when `acceptPartial` may be true. */
export type GroupDone<TResult, TPartial extends boolean> = true extends TPartial
  ? CompletedTask<TResult>
  : SucceededTask<TResult>;

/** The result type of an entry's adapter. */
export type EntryResult<E> = E extends {
  /** The entry's adapter. */
  readonly adapter: infer A;
}
  ? AdapterResult<A>
  : never;

/** The ref type of an entry's adapter. */
export type EntryRef<E> = E extends {
  /** The entry's adapter. */
  readonly adapter: infer A;
}
  ? AdapterRef<A>
  : never;

/**
 * The entries `E`, each ref typed as its own adapter's ref: the mixed-provider form takes `E &
 * TaskEntries<E>`, so a ref that does not fit its adapter fails to type-check.
 */
export type TaskEntries<E extends readonly AnyTaskEntry[]> = {
  readonly [K in keyof E]: {
    /** The entry's adapter. */
    readonly adapter: E[K]['adapter'];
    /** A ref of that adapter's ref type. */
    readonly ref: EntryRef<E[K]>;
  };
};

/** How one wait of `waitForAllSettled` ended, as `Promise.allSettled` tells it. */
export type GroupSettledResult<T> =
  | {
      /** The wait resolved. */
      status: 'fulfilled';
      /** Its terminal status. */
      value: T;
    }
  | {
      /** The wait rejected. */
      status: 'rejected';
      /** Why: a `TaskPollError` subclass, as `waitForTask` throws. */
      reason: TaskPollError;
    };

/** One ending yielded by `asCompleted`: a wait that resolved (`status`) or rejected (`error`). */
export type GroupEnding<TRef, T> =
  | {
      /** The ref the wait was given. */
      ref: TRef;
      /** Its position in the refs (or entries), from 0. */
      index: number;
      /** The terminal status it resolved with. */
      status: T;
      /** Absent: the wait resolved. */
      error?: never;
    }
  | {
      /** The ref the wait was given. */
      ref: TRef;
      /** Its position in the refs (or entries), from 0. */
      index: number;
      /** Absent: the wait rejected. */
      status?: never;
      /** Why the wait rejected: a `TaskPollError` subclass, as `waitForTask` throws. */
      error: TaskPollError;
    };

/** One checked wait of a group. */
export interface Member {
  adapter: TaskAdapter<unknown, unknown>;
  ref: unknown;
  taskId: string;
  index: number;
}

/** A group's options after validation. */
export interface NormalizedGroup {
  members: Member[];
  /** The options handed to each wait (without the group's own keys and its time limit). */
  waitOptions: WaitOptions<unknown>;
  wait: NormalizedWaitOptions<unknown>;
  concurrency: number;
  onProgress: GroupOptions['onProgress'];
  onGroupProgress: GroupOptions['onGroupProgress'];
}

/**
 * Checks a group before any request: the refs (an array or any iterable), each ref through its
 * adapter's `taskId` (a bad one named by its index), the options once, and `concurrency`. `entries`
 * is the mixed-provider form (`adapter` undefined): a list of `{ adapter, ref }`.
 */
export function normalizeGroup(
  adapter: TaskAdapter<unknown, unknown> | undefined,
  refs: unknown,
  options: GroupOptions | undefined,
): NormalizedGroup {
  const what = adapter === undefined ? 'entries' : 'refs';
  if (adapter !== undefined && !isAdapter(adapter)) {
    throw new TypeError(`adapter must be a TaskAdapter (with getStatus() and taskId()), got ${describe(adapter)}`);
  }
  if (typeof refs !== 'object' || refs === null || typeof (refs as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what} must be an array or an iterable, got ${describe(refs)}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  // A typo of a group option would otherwise be refused as an unknown wait option with no hint.
  for (const key of Object.keys(options ?? {})) {
    const hint = GROUP_KEYS.includes(key) ? '' : didYouMean(key, GROUP_KEYS);
    if (hint !== '') throw new TypeError(`Unknown group option "${key}"${hint}`);
  }
  if ((options as WaitOptions | undefined)?.resumeFrom !== undefined) {
    throw new TypeError(
      'resumeFrom is not a group option: a snapshot names one wait; resume each with waitForTask(adapter, snapshot.ref, { resumeFrom })',
    );
  }
  const { concurrency, onGroupProgress, onProgress, ...groupWide } = options ?? {};
  const wait = normalizeWaitOptions(groupWide);
  // The group's time limit bounds every wait; each is given what is left of it when it starts.
  const { timeoutMs: _timeoutMs, deadline: _deadline, ...waitOptions } = groupWide;
  if (onGroupProgress !== undefined && typeof onGroupProgress !== 'function') {
    throw new TypeError(
      `onGroupProgress must be a function, got ${describeOption('onGroupProgress', onGroupProgress)}`,
    );
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`onProgress must be a function, got ${describeOption('onProgress', onProgress)}`);
  }
  const members = [...(refs as Iterable<unknown>)].map((item, index) => member(adapter, item, index, what));
  return {
    members,
    waitOptions,
    wait,
    concurrency: concurrencyOption(concurrency),
    onProgress,
    onGroupProgress,
  };
}

/** Whether `value` looks like a {@link TaskAdapter}; `checkAdapterAndRef` checks the rest with each ref. */
function isAdapter(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { getStatus, taskId } = value as Partial<TaskAdapter<unknown, unknown>>;
  return typeof getStatus === 'function' && typeof taskId === 'function';
}

/** `concurrency`: a positive whole number or `Infinity`. */
function concurrencyOption(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`concurrency must be a number, got ${describe(value)}`);
  }
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && value >= 1)) {
    throw new RangeError(`concurrency must be a whole number ≥ 1 or Infinity, got ${value}`);
  }
  return value;
}

/** Checks one ref (or entry) through its adapter, naming its index in any error. */
function member(
  adapter: TaskAdapter<unknown, unknown> | undefined,
  item: unknown,
  index: number,
  what: 'refs' | 'entries',
): Member {
  let ref = item;
  let own = adapter;
  if (own === undefined) {
    if (typeof item !== 'object' || item === null || !('adapter' in item) || !('ref' in item)) {
      throw new TypeError(`entries[${index}] must be an object { adapter, ref }, got ${describe(item)}`);
    }
    ({ adapter: own, ref } = item as TaskEntry);
  }
  try {
    const taskId = checkAdapterAndRef(own as TaskAdapter<unknown, unknown>, ref);
    return { adapter: own as TaskAdapter<unknown, unknown>, ref, taskId, index };
  } catch (error) {
    const message = `${what}[${index}]: ${error instanceof Error ? error.message : describe(error)}`;
    if (error instanceof RangeError) throw new RangeError(message, { cause: error });
    throw new TypeError(message, { cause: error });
  }
}
