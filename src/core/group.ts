/**
 * Waiting on many tasks: `waitForAll`, `waitForAllSettled`, `waitForAny` and `asCompleted`, each a
 * few lines over the group engine (`group-run.ts`), which runs every wait through `waitForTask`.
 *
 * Each takes either one adapter and its refs, or a list of `{ adapter, ref }` entries that may mix
 * providers. Everything is checked before any request: the refs (a bad one named by its index), the
 * options, `concurrency`.
 */
import type { TaskAdapter } from './adapter.js';
import type { TaskPollError } from './errors/index.js';
import {
  normalizeGroup,
  type AnyTaskEntry,
  type EntryRef,
  type EntryResult,
  type GroupDone,
  type GroupEnding,
  type GroupOptions,
  type GroupSettledResult,
  type NormalizedGroup,
  type TaskEntries,
} from './group-options.js';
import { GroupRun, type Ending } from './group-run.js';
import type { TaskStatus } from './status.js';

/**
 * Waits for every ref and resolves with their terminal statuses in input order (each typed as
 * `waitForTask` types it: a `SucceededTask`, or a `CompletedTask` with `acceptPartial: true`).
 *
 * On the first failure it stops the other waits at once (no request after that; with `cancelOnAbort`
 * each is asked to cancel its task) and rejects with that failure, once they have stopped; their
 * `TaskAbortedError`s are not surfaced. Empty `refs` resolve with `[]` at once.
 *
 * Every {@link GroupOptions} field applies to each wait; `timeoutMs` and `signal` bound the whole
 * group: `timeoutMs` runs from the call, so a wait that starts late (held back by `concurrency`) gets
 * what is left of it. All waits through one adapter share its pacing (one rate budget).
 *
 * @example
 * const done = await waitForAll(logmine, taskIds, { concurrency: 5, timeoutMs: 600_000 });
 * for (const status of done) console.log(status.taskId, status.result.clusters.length);
 */
export function waitForAll<TRef, TResult, TPartial extends boolean = false>(
  adapter: TaskAdapter<TRef, TResult>,
  refs: Iterable<TRef>,
  options?: GroupOptions<TResult, TPartial>,
): Promise<GroupDone<TResult, TPartial>[]>;
/**
 * The mixed-provider form: one `{ adapter, ref }` entry per wait. A tuple of entries resolves with a
 * tuple typed per entry (`const [a, b] = await waitForAll([{ adapter: g, ref: r1 }, { adapter: w, ref: r2 }])`).
 * Each entry's ref is checked by its adapter's `taskId` before any request.
 */
export function waitForAll<const E extends readonly AnyTaskEntry[], TPartial extends boolean = false>(
  entries: E & TaskEntries<E>,
  options?: GroupOptions<EntryResult<E[number]>, TPartial>,
): Promise<{ -readonly [K in keyof E]: GroupDone<EntryResult<E[K]>, TPartial> }>;
export async function waitForAll(...args: GroupArgs): Promise<unknown[]> {
  const group = checkGroup(args);
  const values: unknown[] = new Array(group.members.length);
  const run = new GroupRun(group, (ending) => {
    if (ending.error) run.fail(ending.error);
    else values[ending.member.index] = ending.status;
  });
  await run.start();
  if (run.failure) throw run.failure;
  return values;
}

/**
 * Waits for every ref and resolves with one `{ status: 'fulfilled', value }` or
 * `{ status: 'rejected', reason }` per ref, in input order, as `Promise.allSettled` does; `reason`
 * is a `TaskPollError` subclass. No wait stops another. It rejects only when `onGroupProgress` throws
 * (a `CallbackError`, the waits stopped). Empty `refs` resolve with `[]` at once. Options as
 * {@link waitForAll}.
 */
export function waitForAllSettled<TRef, TResult, TPartial extends boolean = false>(
  adapter: TaskAdapter<TRef, TResult>,
  refs: Iterable<TRef>,
  options?: GroupOptions<TResult, TPartial>,
): Promise<GroupSettledResult<GroupDone<TResult, TPartial>>[]>;
/** The mixed-provider form: one `{ adapter, ref }` entry per wait; a tuple of entries gives a tuple typed per entry. */
export function waitForAllSettled<const E extends readonly AnyTaskEntry[], TPartial extends boolean = false>(
  entries: E & TaskEntries<E>,
  options?: GroupOptions<EntryResult<E[number]>, TPartial>,
): Promise<{ -readonly [K in keyof E]: GroupSettledResult<GroupDone<EntryResult<E[K]>, TPartial>> }>;
export async function waitForAllSettled(...args: GroupArgs): Promise<GroupSettledResult<unknown>[]> {
  const group = checkGroup(args);
  const results: GroupSettledResult<unknown>[] = new Array(group.members.length);
  const run = new GroupRun(group, ({ member, status, error }) => {
    results[member.index] = error ? { status: 'rejected', reason: error } : { status: 'fulfilled', value: status };
  });
  await run.start();
  if (run.failure) throw run.failure;
  return results;
}

/**
 * Resolves with the first wait that succeeds (its terminal status) and stops the others at once, as
 * `waitForAll` does on a failure. When every wait fails it rejects with an `AggregateError` whose
 * `errors` are the waits' errors in input order; empty `refs` reject with an `AggregateError` with no
 * errors, as `Promise.any([])` does. Options as {@link waitForAll}.
 */
export function waitForAny<TRef, TResult, TPartial extends boolean = false>(
  adapter: TaskAdapter<TRef, TResult>,
  refs: Iterable<TRef>,
  options?: GroupOptions<TResult, TPartial>,
): Promise<GroupDone<TResult, TPartial>>;
/** The mixed-provider form: one `{ adapter, ref }` entry per wait; resolves with a union of their statuses. */
export function waitForAny<const E extends readonly AnyTaskEntry[], TPartial extends boolean = false>(
  entries: E & TaskEntries<E>,
  options?: GroupOptions<EntryResult<E[number]>, TPartial>,
): Promise<GroupDone<EntryResult<E[number]>, TPartial>>;
export async function waitForAny(...args: GroupArgs): Promise<TaskStatus<unknown>> {
  const group = checkGroup(args);
  const total = group.members.length;
  if (total === 0) throw new AggregateError([], 'waitForAny was given no tasks to wait for');
  const errors: TaskPollError[] = new Array(total);
  let winner: TaskStatus<unknown> | undefined;
  const run = new GroupRun(group, ({ member, status, error }) => {
    if (error) errors[member.index] = error;
    else {
      winner = status;
      run.stop('another wait of the group succeeded');
    }
  });
  await run.start();
  if (run.failure) throw run.failure;
  if (winner) return winner;
  throw new AggregateError(errors, `All ${total} waits failed`);
}

/**
 * Yields each wait's ending in completion order: `{ ref, index, status }` when it resolved,
 * `{ ref, index, error }` when it rejected (a `TaskPollError`); every ref ends exactly once, so an
 * aborted `signal` or the group's `timeoutMs` yields an ending for each wait left. Nothing starts
 * until the first `next()`. Leaving the `for await` early stops the other waits at once (with
 * `cancelOnAbort`, after asking the providers to cancel) and leaves nothing pending. If
 * `onGroupProgress` throws, the loop throws its `CallbackError`.
 *
 * Refs and options are checked at once: a bad one throws a `TypeError` or `RangeError` from this
 * call. Options as {@link waitForAll}.
 */
export function asCompleted<TRef, TResult, TPartial extends boolean = false>(
  adapter: TaskAdapter<TRef, TResult>,
  refs: Iterable<TRef>,
  options?: GroupOptions<TResult, TPartial>,
): AsyncIterableIterator<GroupEnding<TRef, GroupDone<TResult, TPartial>>>;
/** The mixed-provider form: one `{ adapter, ref }` entry per wait; endings carry unions of their refs and statuses. */
export function asCompleted<const E extends readonly AnyTaskEntry[], TPartial extends boolean = false>(
  entries: E & TaskEntries<E>,
  options?: GroupOptions<EntryResult<E[number]>, TPartial>,
): AsyncIterableIterator<GroupEnding<EntryRef<E[number]>, GroupDone<EntryResult<E[number]>, TPartial>>>;
export function asCompleted(...args: GroupArgs): AsyncIterableIterator<GroupEnding<unknown, unknown>> {
  return endings(checkGroup(args));
}

/** The endings of a group as they come; the group starts with the first `next()`. */
async function* endings(group: NormalizedGroup): AsyncGenerator<GroupEnding<unknown, unknown>, void, undefined> {
  let queue: Ending[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const run = new GroupRun(group, (ending) => {
    queue.push(ending);
    wake?.();
  });
  const done = run.start().then(() => {
    finished = true;
    wake?.();
  });
  try {
    for (;;) {
      const ready = queue;
      queue = [];
      for (const { member, status, error } of ready) {
        const { ref, index } = member;
        yield error ? { ref, index, error } : { ref, index, status };
      }
      if (run.failure) throw run.failure;
      if (finished && queue.length === 0) return;
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  } finally {
    run.stop('the asCompleted loop was left');
    await done;
  }
}

/** The arguments of either form: `(adapter, refs, options?)` or `(entries, options?)`. */
type GroupArgs = [first: unknown, second?: unknown, third?: unknown];

/** Tells the two forms apart (an adapter has `getStatus`; entries are iterable) and checks the group. */
function checkGroup([first, second, third]: GroupArgs): NormalizedGroup {
  const isEntries =
    typeof first === 'object' &&
    first !== null &&
    typeof (first as Iterable<unknown>)[Symbol.iterator] === 'function' &&
    typeof (first as { getStatus?: unknown }).getStatus !== 'function';
  if (isEntries) return normalizeGroup(undefined, first, second as GroupOptions | undefined);
  // `null` rather than `undefined` when no adapter was given, so it is checked as one.
  return normalizeGroup((first ?? null) as TaskAdapter<unknown, unknown>, second, third as GroupOptions | undefined);
}
