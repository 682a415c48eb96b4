export { TaskPollError, type TaskPollErrorCode, type TaskPollErrorOptions } from './TaskPollError.js';
export { TaskFailedError } from './TaskFailedError.js';
export { TaskTimeoutError, type WaitReport } from './TaskTimeoutError.js';
export { TaskAbortedError } from './TaskAbortedError.js';
export { TaskNotFoundError } from './TaskNotFoundError.js';
export { AuthenticationError } from './AuthenticationError.js';
export { ProviderError } from './ProviderError.js';
export { ResponseValidationError, type ValidationIssue } from './ResponseValidationError.js';
export { NetworkError } from './NetworkError.js';
export { HttpError } from './HttpError.js';
export { AdapterError } from './AdapterError.js';
export { CallbackError } from './CallbackError.js';
export {
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
} from './guards.js';
