/**
 * A wait's error as plain data in its job, and the same error class rebuilt from it by `result`: the
 * class by `code`, the message as thrown, and the fields each class has (listed on `WaitQueue.result`).
 * A status keeps everything but `raw` (the provider's body, which stays in the worker); dates come back
 * as `Date`s. A `cause` is not kept.
 *
 * @internal
 * @module
 */
import {
  AdapterError,
  AuthenticationError,
  CallbackError,
  HttpError,
  NetworkError,
  ProviderError,
  ResponseValidationError,
  TaskAbortedError,
  TaskFailedError,
  TaskNotFoundError,
  TaskPollError,
  TaskTimeoutError,
  type TaskStatus,
  type WaitSnapshot,
} from '../index.js';

type Data = Record<string, unknown>;

const DATE_FIELDS = ['createdAt', 'startedAt', 'finishedAt', 'updatedAt'] as const;

/** A status as JSON-safe data: `raw` dropped (set to `null`), dates as ISO strings by `JSON`. */
export function storedStatus(status: TaskStatus): Data {
  const { raw: _raw, ...rest } = status;
  return JSON.parse(JSON.stringify({ ...rest, raw: null })) as Data;
}

/** A stored status back as a `TaskStatus`: its dates (and its steps' dates) as `Date`s, `raw` `null`. */
export function revivedStatus(data: unknown): TaskStatus {
  const status = { ...(data as Data) };
  reviveDates(status);
  if (Array.isArray(status['subtasks'])) {
    status['subtasks'] = status['subtasks'].map((step: Data) => {
      const copy = { ...step };
      reviveDates(copy);
      return copy;
    });
  }
  return status as unknown as TaskStatus;
}

function reviveDates(target: Data): void {
  for (const key of DATE_FIELDS) {
    if (typeof target[key] === 'string') target[key] = new Date(target[key] as string);
  }
}

/** An error thrown by a wait, as data (credential-free: a `TaskPollError`'s fields already are). */
export function storedError(error: unknown): Data {
  if (error instanceof TypeError || error instanceof RangeError) {
    // The checks of job data and snapshots: their messages name fields, never a credential.
    return { code: 'ADAPTER_ERROR', message: `The durable wait's job was refused: ${error.message.slice(0, 500)}` };
  }
  if (!(error instanceof TaskPollError)) {
    // Not ours (a bug): its message may quote anything, so only its class name is kept.
    const name = error instanceof Error ? error.name : typeof error;
    return { code: 'ADAPTER_ERROR', message: `The wait worker failed with ${name}` };
  }
  const fields: Data = { code: error.code, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || key === 'cause' || key === 'code') continue;
    fields[key] = key === 'status' || key === 'lastStatus' ? storedStatus(value as TaskStatus) : value;
  }
  const { remoteCancel } = fields as { remoteCancel?: { ok: boolean; error?: unknown } };
  if (remoteCancel) fields['remoteCancel'] = { ok: remoteCancel.ok };
  return JSON.parse(JSON.stringify(fields)) as Data;
}

/** The error class the in-process wait would have thrown, rebuilt from {@link storedError}'s data. */
export function rebuildError(data: Data): TaskPollError {
  const message = String(data['message'] ?? '');
  const options = {
    provider: optionalString(data['provider']),
    taskId: optionalString(data['taskId']),
    transient: data['transient'] === true,
    retryAfterMs: optionalNumber(data['retryAfterMs']),
  };
  const error = build(String(data['code']), message, data, options);
  // The constructors compose most messages themselves: keep the one that was thrown.
  error.message = message;
  return error;
}

function build(code: string, message: string, data: Data, options: Record<string, unknown>): TaskPollError {
  const httpStatus = optionalNumber(data['httpStatus']);
  const providerCode = optionalString(data['providerCode']);
  switch (code) {
    case 'TASK_FAILED':
      return new TaskFailedError(revivedStatus(data['status']), options);
    case 'TASK_TIMEOUT':
      return new TaskTimeoutError(
        { ...report(data), timeoutMs: Number(data['timeoutMs']), deadline: optionalNumber(data['deadline']) },
        options,
      );
    case 'TASK_ABORTED':
      return new TaskAbortedError(report(data), options);
    case 'TASK_NOT_FOUND':
      return new TaskNotFoundError(message, options);
    case 'AUTHENTICATION_FAILED':
      return new AuthenticationError(message, { ...options, providerCode, httpStatus });
    case 'PROVIDER_ERROR':
      return new ProviderError(message, { ...options, providerCode: providerCode ?? '', httpStatus });
    case 'RESPONSE_VALIDATION_FAILED':
      return new ResponseValidationError(message, {
        ...options,
        httpStatus,
        issues: Array.isArray(data['issues']) ? (data['issues'] as []) : [],
      });
    case 'NETWORK_ERROR':
      return new NetworkError(message, {
        ...options,
        errno: optionalString(data['errno']),
        timedOut: data['timedOut'] === true,
        host: optionalString(data['host']),
        port: optionalNumber(data['port']),
      });
    case 'HTTP_ERROR':
      return new HttpError(message, { ...options, httpStatus: httpStatus ?? 0 });
    case 'CALLBACK_FAILED':
      return new CallbackError(message, options);
    default:
      return new AdapterError(message, options);
  }
}

function report(data: Data) {
  return {
    lastStatus: data['lastStatus'] === undefined ? undefined : revivedStatus(data['lastStatus']),
    attempts: Number(data['attempts'] ?? 0),
    elapsedMs: Number(data['elapsedMs'] ?? 0),
    queuedMs: Number(data['queuedMs'] ?? 0),
    snapshot: data['snapshot'] as WaitSnapshot | undefined,
    remoteCancel: data['remoteCancel'] as { ok: boolean } | undefined,
  };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
