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
import { toTaskPollError } from '../../src/internal/transport-errors.js';

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
    const error = new NetworkError('reset', { cause: Object.assign(new Error('inner'), { config: { headers: { token: 'SECRET' } } }) });
    const text = inspect(error);
    expect(text).toContain('NETWORK_ERROR');
    expect(text).not.toContain('SECRET');
    expect(JSON.stringify(error)).not.toContain('SECRET');
  });
});

describe('toTaskPollError: the one mapping of transport failures', () => {
  const axiosLike = (code: string, message = 'boom') =>
    Object.assign(new Error(message), {
      isAxiosError: true,
      code,
      config: { headers: { 'DF-API-KEY': 'SECRET-KEY' }, url: 'https://h/x?token=SECRET-Q' },
      request: {},
    });

  it.each([
    ['ECONNRESET', NetworkError, true],
    ['ECONNREFUSED', NetworkError, true],
    ['ETIMEDOUT', NetworkError, true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', NetworkError, false],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', NetworkError, false],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', AuthenticationError, false],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', AuthenticationError, false],
  ] as const)('%s → %o (transient %s), nothing of the request config kept', (code, type, transient) => {
    const mapped = toTaskPollError(axiosLike(code, 'failed https://h/x?token=SECRET-Q'), { provider: 'p', taskId: 't' });
    expect(mapped).toBeInstanceOf(type);
    expect(mapped?.transient).toBe(transient);
    const views = [JSON.stringify(mapped), inspect(mapped, { depth: 10 }), inspect(mapped?.cause, { depth: 10 }), mapped?.stack ?? ''];
    for (const view of views) {
      expect(view).not.toContain('SECRET-KEY');
      expect(view).not.toContain('SECRET-Q');
    }
    expect((mapped?.cause as { config?: unknown }).config).toBeUndefined();
  });

  it('returns undefined for errors that are not transport failures', () => {
    expect(toTaskPollError(new Error('x'), { provider: 'p' })).toBeUndefined();
    expect(toTaskPollError('x', { provider: 'p' })).toBeUndefined();
  });
});

describe('toTaskPollError: fetch failures', () => {
  it('a real fetch to a closed port becomes a transient NetworkError with the system code', async () => {
    // A port that was just free (fetch refuses port 1 itself, as a "bad port").
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const failure = await fetch(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e);
    const mapped = toTaskPollError(failure, { provider: 'custom', taskId: 't' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(true);
    expect((mapped as NetworkError).errno).toBe('ECONNREFUSED');
  });

  it('a TypeError that is not a fetch failure stays unmapped (an adapter bug, not the network)', () => {
    expect(toTaskPollError(new TypeError('x is not a function'), { provider: 'p' })).toBeUndefined();
  });
});
