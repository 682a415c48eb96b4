import { AdapterError } from './errors/index.js';
import { describe, describeOption } from '../internal/checks.js';
import type { PacerStats } from './transport.js';
import { isTaskState, isTerminalState, type SubtaskStatus, type TaskState, type TaskStatus } from './status.js';

/** What the poller hands an adapter with every call. */
export interface AdapterContext {
  /**
   * Aborts when the wait is aborted, times out, or the time limit of this call passes (for `getStatus`,
   * the wait's `requestTimeoutMs`). Pass it as is to the requests the call makes: the HTTP client the
   * built-in providers share then applies this limit instead of its own `requestTimeoutMs`, so a wait
   * may give a poll more (or less) time than the adapter's other calls get.
   */
  signal: AbortSignal;
}

/**
 * Reads the status of one kind of task. The poller owns all timing; the adapter only says what it sees.
 * `TRef` is how a caller names a task (a string id, or e.g. `{ jobId, taskId }`).
 */
export interface TaskAdapter<TRef, TResult> {
  /** The provider name put on every status and error. */
  readonly provider: string;
  /** The task id of a ref; throws a `TypeError` for a ref that cannot be valid (before any request). */
  taskId(ref: TRef): string;
  /** One observation of the task. Throws a `TaskPollError` subclass when it cannot tell. */
  getStatus(ref: TRef, ctx: AdapterContext): Promise<TaskStatus<TResult>>;
  /** Asks the provider to cancel the task, where it can. */
  cancel?(ref: TRef, ctx: AdapterContext): Promise<void>;
  /**
   * A snapshot of the adapter's pacer: calls waiting for a slot, in flight, started, delayed, and
   * until when a server's rate-limit answer holds them. `undefined` when the adapter paces nothing.
   * The provider factories' adapters have it; a hand-written adapter need not.
   */
  pacerStats?(): PacerStats | undefined;
  /**
   * True when every `succeeded` status carries `result` (the adapter has a result type, one without
   * `undefined`): the poller then rejects a `succeeded` status without one as an `AdapterError`, so the
   * `result` that `waitForTask` types as present is there at run time too. Types are erased, so the
   * poller cannot tell on its own; an adapter with no result (`TResult` left `unknown`, or `void`)
   * leaves it out and its `succeeded` statuses may omit `result`.
   */
  readonly resultRequired?: boolean;
}

/** The result type an adapter produces. */
export type AdapterResult<A> = A extends TaskAdapter<never, infer R> ? R : never;
/** The ref type an adapter takes. */
export type AdapterRef<A> = A extends TaskAdapter<infer R, unknown> ? R : never;

/** What a `defineAdapter` `getStatus` returns: a status without the fields the adapter fills in. */
export interface StatusReport<TResult> {
  /** The normalized state; a word outside {@link TaskState} is an `AdapterError`. */
  state: TaskState;
  /** The provider's own word or code, verbatim. */
  providerState: string;
  /** 0 to 100, where the provider reports it; anything else is an `AdapterError`. */
  progress?: number | undefined;
  /** The provider's reason or message text. */
  message?: string | undefined;
  /** When the provider created the task. */
  createdAt?: Date | undefined;
  /** When the task started running. */
  startedAt?: Date | undefined;
  /** When the task ended. */
  finishedAt?: Date | undefined;
  /** When the provider last changed the task. */
  updatedAt?: Date | undefined;
  /** The task's steps, where the provider reports them. */
  subtasks?: SubtaskStatus[] | undefined;
  /** The typed result: report it with every `succeeded` state when the adapter has a result type. */
  result?: TResult | undefined;
  /** The delay the provider asked for before the next poll, in ms (≥ 0; it wins over the schedule). */
  pollAfterMs?: number | undefined;
  /** The provider's body; defaults to the report itself. */
  raw?: unknown;
}

/** How to build an adapter with {@link defineAdapter}. */
export interface AdapterDefinition<TRef, TResult> {
  /** A name for the provider, put on every status and error, e.g. `'acme.export'`. */
  provider: string;
  /**
   * The task id of a ref. May be left out when refs are strings (the ref is the id). Throw a
   * `TypeError` for a ref that cannot be valid: it is called before any request.
   */
  taskId?: (ref: TRef) => string;
  /**
   * One observation of the task. Throw a `TaskPollError` subclass (e.g. `TaskNotFoundError`) when it
   * cannot tell. When the adapter has a result type, report `result` with every `succeeded` state
   * (`waitForTask` resolves with a `SucceededTask` whose `result` is typed as present), and set
   * `resultRequired` so that a report without one is an `AdapterError`.
   */
  getStatus(ref: TRef, ctx: AdapterContext): Promise<StatusReport<TResult>>;
  /** Asks the provider to cancel the task. */
  cancel?: (ref: TRef, ctx: AdapterContext) => Promise<void>;
  /**
   * Set it when the adapter has a result type: a `succeeded` report without `result` is then an
   * `AdapterError` instead of a `SucceededTask` whose `result` is typed as present but missing. Leave it
   * out when the adapter reports no result (see {@link TaskAdapter.resultRequired}).
   * @default false
   */
  resultRequired?: boolean;
}

/**
 * Builds a {@link TaskAdapter} for any API, so it gets the same poller, errors and guarantees as the
 * built-in providers. `getStatus` returns a {@link StatusReport}; `provider`, `taskId` and `terminal`
 * are filled in and every report is checked (an unknown `state` is an `AdapterError`, not a guess).
 *
 * @example
 * const jobs = defineAdapter({
 *   provider: 'acme.export',
 *   async getStatus(id: string, { signal }) {
 *     const job = await fetchJob(id, signal);
 *     return { state: job.done ? 'succeeded' : 'running', providerState: job.status, result: job.url };
 *   },
 * });
 * const done = await waitForTask(jobs, 'job-42'); // done.result: string
 */
export function defineAdapter<TRef = string, TResult = unknown>(
  definition: AdapterDefinition<TRef, TResult>,
): TaskAdapter<TRef, TResult> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(`defineAdapter needs an object, got ${describe(definition)}`);
  }
  const { provider, getStatus, cancel, resultRequired } = definition;
  if (typeof provider !== 'string' || provider.trim() === '') {
    throw new TypeError(`provider must be a non-empty string, got ${describe(provider)}`);
  }
  if (typeof getStatus !== 'function') throw new TypeError(`getStatus must be a function, got ${describe(getStatus)}`);
  if (cancel !== undefined && typeof cancel !== 'function') {
    throw new TypeError(`cancel must be a function, got ${describe(cancel)}`);
  }
  if (definition.taskId !== undefined && typeof definition.taskId !== 'function') {
    throw new TypeError(`taskId must be a function, got ${describe(definition.taskId)}`);
  }
  if (resultRequired !== undefined && typeof resultRequired !== 'boolean') {
    throw new TypeError(`resultRequired must be a boolean, got ${describe(resultRequired)}`);
  }
  const idOf = definition.taskId ?? ((ref: TRef) => ref as unknown as string);
  const taskId = (ref: TRef): string => {
    const id = idOf(ref);
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`${provider}: a task ref must name a non-empty task id, got ${describe(id)}`);
    }
    return id;
  };

  const adapter: TaskAdapter<TRef, TResult> = {
    provider,
    taskId,
    async getStatus(ref, ctx) {
      const id = taskId(ref);
      const report = await getStatus(ref, ctx);
      return toTaskStatus(provider, id, report);
    },
    ...(resultRequired ? { resultRequired } : {}),
  };
  if (cancel) adapter.cancel = (ref, ctx) => cancel(ref, ctx);
  return adapter;
}

/** Checks a report and completes it into a {@link TaskStatus}. */
function toTaskStatus<TResult>(provider: string, taskId: string, report: StatusReport<TResult>): TaskStatus<TResult> {
  const fail = (what: string): never => {
    throw new AdapterError(`${provider}: getStatus ${what}`, { provider, taskId });
  };
  if (typeof report !== 'object' || report === null) fail(`returned ${describe(report)} instead of a status`);
  if (!isTaskState(report.state))
    fail(`returned state ${describeOption('state', report.state)}, which is not a TaskState`);
  if (typeof report.providerState !== 'string')
    fail(`returned providerState ${describe(report.providerState)}, not a string`);
  const { progress, pollAfterMs } = report;
  if (progress !== undefined && !(typeof progress === 'number' && progress >= 0 && progress <= 100)) {
    fail(`returned progress ${describe(progress)}, not a number from 0 to 100`);
  }
  if (pollAfterMs !== undefined && !(typeof pollAfterMs === 'number' && pollAfterMs >= 0)) {
    fail(`returned pollAfterMs ${describe(pollAfterMs)}, not a number ≥ 0`);
  }
  const status: TaskStatus<TResult> = {
    provider,
    taskId,
    state: report.state,
    terminal: isTerminalState(report.state),
    providerState: report.providerState,
    raw: 'raw' in report ? report.raw : report,
  };
  // Copy only the optional fields that are present, so `'result' in status` means something.
  for (const key of [
    'progress',
    'message',
    'createdAt',
    'startedAt',
    'finishedAt',
    'updatedAt',
    'subtasks',
    'result',
    'pollAfterMs',
  ] as const) {
    if (report[key] !== undefined) (status as unknown as Record<string, unknown>)[key] = report[key];
  }
  return status;
}
