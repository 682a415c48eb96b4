/**
 * The normalized task model every adapter reports in.
 *
 * The state union is closed: every provider word is mapped onto one of these, and a word an adapter
 * does not know maps to `'unknown'` (never to a terminal state), with the word kept in `providerState`.
 */

/** Every state a task can be in. See {@link TERMINAL_STATES} for the ones that end a wait. */
export const TASK_STATES = [
  'queued',
  'running',
  'cancelling',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'unknown',
] as const;

/**
 * The normalized state of a task.
 *
 * - `queued`, `running`, `cancelling`: not terminal.
 * - `succeeded`, `partial`, `failed`, `cancelled`: terminal.
 * - `unknown`: not terminal; the provider answered with a word this adapter does not know.
 */
export type TaskState = (typeof TASK_STATES)[number];

/** The states that end a wait. */
export type TerminalTaskState = 'succeeded' | 'partial' | 'failed' | 'cancelled';

/** The terminal states, as a read-only set. */
export const TERMINAL_STATES: ReadonlySet<TerminalTaskState> = new Set<TerminalTaskState>([
  'succeeded',
  'partial',
  'failed',
  'cancelled',
]);

const STATE_SET: ReadonlySet<string> = new Set<string>(TASK_STATES);

/** True when `value` is one of the {@link TaskState} words. */
export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && STATE_SET.has(value);
}

/** True when `state` ends a wait. */
export function isTerminalState(state: TaskState): state is TerminalTaskState {
  return (TERMINAL_STATES as ReadonlySet<string>).has(state);
}

/** The status of one step inside a task, where the provider reports steps. */
export interface SubtaskStatus {
  /** The provider's id of the step. */
  id: string;
  /** The provider's name of the step. */
  name: string;
  /** The normalized state of the step. */
  state: TaskState;
  /** The provider's own word or code for the step's state, verbatim. */
  providerState: string;
  /** When the step started. */
  startedAt?: Date;
  /** When the step ended. */
  finishedAt?: Date;
  /** When the provider last changed the step. */
  updatedAt?: Date;
  /** The provider's message for this step. */
  message?: string;
}

/** One observation of a task, normalized. */
export interface TaskStatus<TResult = unknown> {
  /**
   * Which adapter produced it: `'guance.logmine'`, `'edge.logDump'`, `'dgc.systemTask'`,
   * `'workflow.task'` or a custom name.
   */
  provider: string;
  /** The task's id as the provider knows it. */
  taskId: string;
  /** The normalized state. */
  state: TaskState;
  /**
   * True when `state` is terminal (the wait is over), and only then: the poller rejects a status whose
   * `terminal` disagrees with its `state` as an `AdapterError` rather than trust either.
   */
  terminal: boolean;
  /** The provider's own word or code, verbatim: `'processing'`, `'RUNNING'`, `'1'`, `'ok'`. */
  providerState: string;
  /** 0..100, where the provider reports it or it can be derived honestly. */
  progress?: number;
  /** The provider's reason or message text. */
  message?: string;
  /** When the provider created the task. */
  createdAt?: Date;
  /** When the task started running. */
  startedAt?: Date;
  /** When the task ended. */
  finishedAt?: Date;
  /** When the provider last changed the task. */
  updatedAt?: Date;
  /** The task's steps, where the provider reports them. */
  subtasks?: SubtaskStatus[];
  /** The typed, parsed result: present on `succeeded` (and on `partial` where the provider gives one). */
  result?: TResult;
  /**
   * Server pacing: the provider asked (e.g. with `Retry-After` on a successful answer) that the next
   * poll wait this long. The poller uses it instead of its own schedule, clamped to the deadline.
   */
  pollAfterMs?: number;
  /** The validated provider body, for anything the model does not carry. */
  raw: unknown;
}

/**
 * A status that ended `succeeded`, with its typed result. The poller checks that `result` is there
 * when the adapter sets `resultRequired`; an adapter with no result type (`unknown`, `void`) may omit it.
 */
export type SucceededTask<TResult = unknown> = TaskStatus<TResult> & {
  /** Always `'succeeded'`. */
  state: 'succeeded';
  /** Always `true`. */
  terminal: true;
  /** The adapter's typed result. */
  result: TResult;
};

/**
 * A status whose wait ended well: `succeeded` (with its result) or, when `acceptPartial` is on,
 * `partial` (whose `result` is there only where the provider gives one). Narrow on `state`.
 */
export type CompletedTask<TResult = unknown> =
  | SucceededTask<TResult>
  | (TaskStatus<TResult> & {
      /** `'partial'`: some of the task's work succeeded. */
      state: 'partial';
      /** Always `true`. */
      terminal: true;
    });
