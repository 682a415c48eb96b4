import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
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
  isAuthenticationError,
  isTaskPollError,
  isTaskTimeoutError,
  type TaskStatus,
} from '../../src/index.js';

const status: TaskStatus = {
  provider: 'p',
  taskId: 't',
  state: 'failed',
  terminal: true,
  providerState: 'FAILED',
  message: 'broken',
  raw: {},
};

const all: TaskPollError[] = [
  new TaskFailedError(status),
  new TaskTimeoutError({ lastStatus: status, attempts: 3, elapsedMs: 10, timeoutMs: 10 }, { taskId: 't' }),
  new TaskAbortedError({ lastStatus: undefined, attempts: 0, elapsedMs: 0 }, { cause: 'why' }),
  new TaskNotFoundError('gone'),
  new AuthenticationError('no', { providerCode: 'ft.InvalidAPIKey', httpStatus: 403 }),
  new ProviderError('no', { providerCode: 'X', httpStatus: 400 }),
  new ResponseValidationError('bad', { issues: [] }),
  new NetworkError('reset'),
  new HttpError('503', { httpStatus: 503, transient: true }),
  new AdapterError('bug'),
  new CallbackError('cb'),
];

describe('errors', () => {
  it.each(all.map((e) => [e.name, e] as const))('%s: one base, a distinct code, name = class name', (name, error) => {
    expect(error).toBeInstanceOf(TaskPollError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(isTaskPollError(error)).toBe(true);
    expect(error.toJSON()).toMatchObject({ name, code: error.code });
  });

  it('codes are distinct', () => {
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length);
  });

  it('guards narrow by code and recognise errors from another copy of the package by shape', () => {
    const foreign = Object.assign(new Error('x'), { code: 'TASK_TIMEOUT', transient: false });
    expect(isTaskTimeoutError(foreign)).toBe(true);
    expect(isAuthenticationError(foreign)).toBe(false);
    expect(isTaskPollError(new Error('plain'))).toBe(false);
    expect(isTaskPollError({ code: 'TASK_TIMEOUT' })).toBe(false);
  });

  it('the last status is a field, as data', () => {
    const error = new TaskFailedError(status);
    expect(error.status).toBe(status);
    expect(error.toJSON()['status']).toEqual(status);
  });

  it('inspect output shows the fields, not a raw cause object', () => {
    const error = new NetworkError('reset', {
      cause: Object.assign(new Error('inner'), { config: { headers: { token: 'SECRET' } } }),
    });
    const text = inspect(error);
    expect(text).toContain('NETWORK_ERROR');
    expect(text).not.toContain('SECRET');
    expect(JSON.stringify(error)).not.toContain('SECRET');
  });
});

describe('TaskPollError.toJSON: causes that are not Errors', () => {
  it('a null-prototype, error-shaped cause (as test runners clone causes) is described, not thrown on', () => {
    const cause = Object.assign(Object.create(null) as object, { name: 'Error', message: 'inner', code: 'ECONNRESET' });
    const error = new NetworkError('outer', { provider: 'p', cause });
    expect(error.toJSON()['cause']).toEqual({ name: 'Error', message: 'inner', code: 'ECONNRESET' });
    expect(() => inspect(error)).not.toThrow();
  });

  it('other objects are named by their tag, never String()-ed (no throw, no custom toString output)', () => {
    const bare = new NetworkError('outer', { cause: Object.create(null) });
    expect(bare.toJSON()['cause']).toBe('[object Object]');
    const chatty = new NetworkError('outer', { cause: { toString: () => 'secret-token' } });
    expect(JSON.stringify(chatty)).not.toContain('secret-token');
    expect(new NetworkError('outer', { cause: Symbol('s') }).toJSON()['cause']).toBe('Symbol(s)');
  });
});
