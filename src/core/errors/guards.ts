import type { AdapterError } from './AdapterError.js';
import type { AuthenticationError } from './AuthenticationError.js';
import type { CallbackError } from './CallbackError.js';
import type { HttpError } from './HttpError.js';
import type { NetworkError } from './NetworkError.js';
import type { ProviderError } from './ProviderError.js';
import type { ResponseValidationError } from './ResponseValidationError.js';
import type { TaskAbortedError } from './TaskAbortedError.js';
import type { TaskFailedError } from './TaskFailedError.js';
import type { TaskNotFoundError } from './TaskNotFoundError.js';
import { TaskPollError, type TaskPollErrorCode } from './TaskPollError.js';
import type { TaskTimeoutError } from './TaskTimeoutError.js';

/**
 * True for any error taskpoll threw. Works across duplicated copies of the package (e.g. the ESM and
 * CJS builds loaded side by side) because it checks the shape, not only the prototype chain.
 */
export function isTaskPollError(error: unknown): error is TaskPollError {
  if (error instanceof TaskPollError) return true;
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    CODES.has((error as unknown as { code: string }).code) &&
    'transient' in error
  );
}

const CODES: ReadonlySet<string> = new Set<TaskPollErrorCode>([
  'TASK_FAILED',
  'TASK_TIMEOUT',
  'TASK_ABORTED',
  'TASK_NOT_FOUND',
  'AUTHENTICATION_FAILED',
  'PROVIDER_ERROR',
  'RESPONSE_VALIDATION_FAILED',
  'NETWORK_ERROR',
  'HTTP_ERROR',
  'ADAPTER_ERROR',
  'CALLBACK_FAILED',
]);

function guard<T extends TaskPollError>(code: TaskPollErrorCode) {
  return (error: unknown): error is T => isTaskPollError(error) && error.code === code;
}

/** True for {@link TaskFailedError}. */
export const isTaskFailedError: (error: unknown) => error is TaskFailedError = guard('TASK_FAILED');
/** True for {@link TaskTimeoutError}. */
export const isTaskTimeoutError: (error: unknown) => error is TaskTimeoutError = guard('TASK_TIMEOUT');
/** True for {@link TaskAbortedError}. */
export const isTaskAbortedError: (error: unknown) => error is TaskAbortedError = guard('TASK_ABORTED');
/** True for {@link TaskNotFoundError}. */
export const isTaskNotFoundError: (error: unknown) => error is TaskNotFoundError = guard('TASK_NOT_FOUND');
/** True for {@link AuthenticationError}. */
export const isAuthenticationError: (error: unknown) => error is AuthenticationError = guard('AUTHENTICATION_FAILED');
/** True for {@link ProviderError}. */
export const isProviderError: (error: unknown) => error is ProviderError = guard('PROVIDER_ERROR');
/** True for {@link ResponseValidationError}. */
export const isResponseValidationError: (error: unknown) => error is ResponseValidationError =
  guard('RESPONSE_VALIDATION_FAILED');
/** True for {@link NetworkError}. */
export const isNetworkError: (error: unknown) => error is NetworkError = guard('NETWORK_ERROR');
/** True for {@link HttpError}. */
export const isHttpError: (error: unknown) => error is HttpError = guard('HTTP_ERROR');
/** True for {@link AdapterError}. */
export const isAdapterError: (error: unknown) => error is AdapterError = guard('ADAPTER_ERROR');
/** True for {@link CallbackError}. */
export const isCallbackError: (error: unknown) => error is CallbackError = guard('CALLBACK_FAILED');
