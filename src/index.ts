/**
 * taskpoll: wait for long-running tasks on other systems' HTTP APIs.
 *
 * This entry point is the provider-neutral core: {@link waitForTask} and {@link pollTask} (the one
 * poller), {@link waitForAll}, {@link waitForAllSettled}, {@link waitForAny} and {@link asCompleted} for
 * many tasks at once, {@link defineAdapter} for any API, the {@link TaskStatus} model with its closed
 * {@link TaskState} union, the wait options with their defaults ({@link WAIT_DEFAULTS}), the
 * transport options every provider factory takes, and the error classes (one base,
 * {@link TaskPollError}, with a `code` per subclass) and their guards. The built-in providers have
 * their own entry points (`taskpoll/guance`, `taskpoll/edge`, `taskpoll/dgc`, `taskpoll/workflow`),
 * and the simulator for tests is `taskpoll/testing`.
 *
 * Explicit named exports only; the export list is pinned by a test.
 *
 * @module
 */
export { waitForTask, pollTask } from './core/poller.js';
export { waitForAll, waitForAllSettled, waitForAny, asCompleted } from './core/group.js';
export type {
  GroupOptions,
  GroupProgress,
  GroupProgressInfo,
  GroupDone,
  GroupEnding,
  GroupSettledResult,
  TaskEntry,
  TaskEntries,
  AnyTaskEntry,
  EntryRef,
  EntryResult,
} from './core/group-options.js';
export { defineAdapter } from './core/adapter.js';
export type {
  TaskAdapter,
  AdapterContext,
  AdapterDefinition,
  StatusReport,
  AdapterRef,
  AdapterResult,
} from './core/adapter.js';
export { TASK_STATES, TERMINAL_STATES, isTaskState, isTerminalState } from './core/status.js';
export type {
  TaskState,
  TerminalTaskState,
  TaskStatus,
  SubtaskStatus,
  CompletedTask,
  SucceededTask,
} from './core/status.js';
export { WAIT_DEFAULTS } from './core/options.js';
export type { WaitOptions, RetryOptions, ProgressInfo } from './core/options.js';
export type { WaitSnapshot, TaskPollIterator } from './core/snapshot.js';
export { createPacer } from './core/transport.js';
export type { TransportOptions, PacingOptions, PacerStats, Pacer, PacerSlot, PacerRequest } from './core/transport.js';
export { DIAGNOSTIC_CHANNELS } from './core/diagnostics.js';
export type {
  CancelMessage,
  PacingMessage,
  PollContext,
  RetryMessage,
  StatusMessage,
  WaitContext,
  WaitOptionsReport,
  WaitOutcome,
} from './core/diagnostics.js';
export {
  TaskPollError,
  TaskFailedError,
  TaskTimeoutError,
  TaskAbortedError,
  TaskNotFoundError,
  AuthenticationError,
  ProviderError,
  ResponseValidationError,
  NetworkError,
  HttpError,
  AdapterError,
  CallbackError,
  isTaskPollError,
  isTaskFailedError,
  isTaskTimeoutError,
  isTaskAbortedError,
  isTaskNotFoundError,
  isAuthenticationError,
  isProviderError,
  isResponseValidationError,
  isNetworkError,
  isHttpError,
  isAdapterError,
  isCallbackError,
} from './core/errors/index.js';
export type { TaskPollErrorCode, TaskPollErrorOptions, ValidationIssue, WaitReport } from './core/errors/index.js';
