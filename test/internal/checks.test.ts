import { describe, expect, it } from 'vitest';
import { AuthenticationError, HttpError, ProviderError, TaskNotFoundError } from '../../src/core/errors/index.js';
import {
  booleanOption,
  checkCallOptions,
  checkId,
  checkOptions,
  clipProviderText,
  describe as describeValue,
  describeOption,
  didYouMean,
  durationOption,
  envelopeError,
  isAbortSignal,
  numberOption,
  type EnvelopeAnswer,
} from '../../src/internal/checks.js';
import { REDACTED } from '../../src/internal/redact.js';

const P = 'test.provider';
const SECRET = 'sk_live_4f9Q2mZ9xV4bN8wLp3'; // long enough to be masked

/** What `run` throws, for assertions on its class and message. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

describe('describe / describeOption', () => {
  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'undefined'],
    [[1], 'an array'],
    [42, '42'],
    [true, 'true'],
    [10n, '10'],
    ['hunter2', 'a string of length 7'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    [{ a: 1 }, 'an object'],
  ])('describe(%o) is %s, never the string itself', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('the value of a credential is never shown, only its length', () => {
    for (const name of [
      'apiKey',
      'token',
      'password',
      'secretKey',
      'accessKey',
      'securityToken',
      'auth.token',
      'tls.key',
      'tls.cert',
      'passphrase',
      'clientKey',
    ]) {
      expect(describeOption(name, 'hunter2-secret')).toBe('a string of length 14');
    }
    expect(describeOption('timeoutMs', 'hunter2')).toBe('"hunter2"');
    expect(describeOption('timeoutMs', 42)).toBe('42');
  });

  it('a long string is clipped to 32 characters, JSON-quoted', () => {
    expect(describeOption('site', `a\n${'x'.repeat(40)}`)).toBe(`"a\\n${'x'.repeat(30)}"… (a string of length 42)`);
  });
});

describe('option values', () => {
  it('durationOption: the fallback when left out; a number of ms within the timer range; Infinity only where allowed', () => {
    expect(durationOption('waitMs', undefined, 5, { min: 1 })).toBe(5);
    expect(durationOption('waitMs', 0, 5, { min: 0 })).toBe(0);
    expect(durationOption('waitMs', Number.POSITIVE_INFINITY, 5, { min: 1, infinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(thrown(() => durationOption('waitMs', 'soon', 5, { min: 1 }))).toEqual(
      new TypeError('waitMs must be a number of milliseconds, got "soon"'),
    );
    expect(thrown(() => durationOption('waitMs', Number.POSITIVE_INFINITY, 5, { min: 1 }))).toEqual(
      new RangeError('waitMs must be from 1 to 2147483647 ms, got Infinity'),
    );
    expect(thrown(() => durationOption('waitMs', 0, 5, { min: 1, infinity: true }))).toEqual(
      new RangeError('waitMs must be from 1 to 2147483647 or Infinity ms, got 0'),
    );
    expect(thrown(() => durationOption('waitMs', 2 ** 31, 5, { min: 1 }))).toBeInstanceOf(RangeError);
  });

  it('numberOption: a finite number in [min, max]', () => {
    expect(numberOption('factor', undefined, 2, 1, 10)).toBe(2);
    expect(numberOption('factor', 10, 2, 1, 10)).toBe(10);
    expect(thrown(() => numberOption('factor', Number.NaN, 2, 1, 10))).toEqual(
      new TypeError('factor must be a number, got NaN'),
    );
    expect(thrown(() => numberOption('factor', 11, 2, 1, 10))).toEqual(
      new RangeError('factor must be from 1 to 10, got 11'),
    );
  });

  it('booleanOption: a boolean or the fallback', () => {
    expect(booleanOption('flag', undefined, true)).toBe(true);
    expect(booleanOption('flag', false, true)).toBe(false);
    expect(thrown(() => booleanOption('flag', 'yes', true))).toEqual(
      new TypeError('flag must be a boolean, got "yes"'),
    );
  });

  it('isAbortSignal: by shape, so a signal of another realm or a polyfill passes', () => {
    expect(isAbortSignal(new AbortController().signal)).toBe(true);
    expect(isAbortSignal({ aborted: false, addEventListener: () => undefined })).toBe(true);
    expect(isAbortSignal({ aborted: false })).toBe(false);
    expect(isAbortSignal(null)).toBe(false);
    expect(isAbortSignal('signal')).toBe(false);
  });
});

describe('didYouMean', () => {
  it('suggests nothing for a name close to no known one', () => {
    expect(didYouMean('x', ['ca', 'cert', 'key'])).toBe('');
    expect(didYouMean('', ['ca'])).toBe('');
    expect(didYouMean('maxDelay', ['initialDelayMs', 'maxDelayMs'])).toBe(' (did you mean "maxDelayMs"?)');
  });

  it('suggests a name a typo away, of another case, or that the key starts', () => {
    expect(didYouMean('signall', ['signal'])).toBe(' (did you mean "signal"?)');
    expect(didYouMean('baseUrl', new Set(['apiKey', 'baseURL']))).toBe(' (did you mean "baseURL"?)');
    expect(didYouMean('download', ['downloadTimeoutMs', 'maxDownloadBytes'])).toBe(
      ' (did you mean "downloadTimeoutMs"?)',
    );
  });
});

describe('checkOptions', () => {
  const known = ['apiKey', 'baseURL'];

  it('passes an object whose keys are all known, and an empty one', () => {
    expect(() => checkOptions({ apiKey: 'k', baseURL: 'u' }, P, known)).not.toThrow();
    expect(() => checkOptions({}, P, known)).not.toThrow();
  });

  it.each<[unknown, string]>([
    [undefined, 'undefined'],
    [null, 'null'],
    [[], 'an array'],
    ['options', 'a string of length 7'],
  ])('%o is not an options object', (value, got) => {
    expect(thrown(() => checkOptions(value, P, known))).toEqual(
      new TypeError(`test.provider: options must be an object, got ${got}`),
    );
  });

  it('an unknown key is named, with the closest known one', () => {
    expect(thrown(() => checkOptions({ baseUrl: 'u' }, P, known))).toEqual(
      new TypeError('test.provider: unknown option "baseUrl" (did you mean "baseURL"?)'),
    );
    expect(thrown(() => checkOptions({ region: 'x' }, P, known))).toEqual(
      new TypeError('test.provider: unknown option "region"'),
    );
  });

  it('a sub-object is named as such, with its shape and the reason a key is refused on purpose', () => {
    const tls = {
      name: 'tls',
      shape: '{ cert, key, ca }',
      refused: { rejectUnauthorized: 'the server certificate is always verified' },
    };
    expect(thrown(() => checkOptions(true, P, ['cert', 'key', 'ca'], tls))).toEqual(
      new TypeError('test.provider: tls must be an object { cert, key, ca }, got true'),
    );
    expect(thrown(() => checkOptions({ rejectUnauthorized: false }, P, ['cert', 'key', 'ca'], tls))).toEqual(
      new TypeError(
        'test.provider: unknown tls option "rejectUnauthorized": the server certificate is always verified',
      ),
    );
    expect(thrown(() => checkOptions({ certs: 'x' }, P, ['cert', 'key', 'ca'], tls))).toEqual(
      new TypeError('test.provider: unknown tls option "certs" (did you mean "cert"?)'),
    );
  });

  it('a long unknown key is shown clipped to 40 characters', () => {
    const key = 'k'.repeat(100);
    expect(thrown(() => checkOptions({ [key]: 1 }, P, known)).message).toBe(
      `test.provider: unknown option "${'k'.repeat(40)}"`,
    );
  });
});

describe('checkCallOptions', () => {
  it('undefined, {} and { signal } pass; the signal comes back', () => {
    const { signal } = new AbortController();
    expect(checkCallOptions(undefined, P, 'submit')).toBeUndefined();
    expect(checkCallOptions({}, P, 'submit')).toBeUndefined();
    expect(checkCallOptions({ signal }, P, 'submit')).toBe(signal);
    expect(checkCallOptions({ signal: undefined }, P, 'submit')).toBeUndefined();
  });

  it('the call’s extra keys pass too', () => {
    expect(checkCallOptions({ limit: 5 }, P, 'sampleResult', ['limit'])).toBeUndefined();
    expect(thrown(() => checkCallOptions({ limt: 5 }, P, 'sampleResult', ['limit']))).toEqual(
      new TypeError('test.provider: unknown sampleResult option "limt" (did you mean "limit"?)'),
    );
  });

  it('names the call: not an object, an unknown key, a signal that is not an AbortSignal', () => {
    expect(thrown(() => checkCallOptions(null, P, 'importJobs'))).toEqual(
      new TypeError('test.provider: importJobs options must be an object, got null'),
    );
    expect(thrown(() => checkCallOptions([], P, 'importJobs'))).toEqual(
      new TypeError('test.provider: importJobs options must be an object, got an array'),
    );
    expect(thrown(() => checkCallOptions({ x: 1 }, P, 'importJobs'))).toEqual(
      new TypeError('test.provider: unknown importJobs option "x"'),
    );
    expect(thrown(() => checkCallOptions({ Signal: 1 }, P, 'importJobs'))).toEqual(
      new TypeError('test.provider: unknown importJobs option "Signal" (did you mean "signal"?)'),
    );
    expect(thrown(() => checkCallOptions({ signal: 'stop' }, P, 'importJobs'))).toEqual(
      new TypeError('test.provider: signal must be an AbortSignal, got a string of length 4'),
    );
  });
});

describe('checkId', () => {
  it('returns a good id as it is', () => {
    expect(checkId('a/b?c', P, { name: 'taskId' })).toBe('a/b?c');
    expect(checkId('x'.repeat(256), P, { name: 'taskId' })).toHaveLength(256);
  });

  it.each<[string, unknown, ErrorConstructor, string]>([
    ['a number', 42, TypeError, 'test.provider: taskId must be a string, got 42'],
    ['undefined', undefined, TypeError, 'test.provider: taskId must be a string, got undefined'],
    ['empty', '', TypeError, 'test.provider: taskId must not be empty, "." or ".."'],
    ['"."', '.', TypeError, 'test.provider: taskId must not be empty, "." or ".."'],
    ['".."', '..', TypeError, 'test.provider: taskId must not be empty, "." or ".."'],
    ['too long', 'x'.repeat(257), RangeError, 'test.provider: taskId must be at most 256 characters, got 257'],
    ['a newline', 'a\r\nX-Injected: 1', TypeError, 'test.provider: taskId must not contain control characters'],
    ['a NUL', 'a\u0000', TypeError, 'test.provider: taskId must not contain control characters'],
  ])('refuses %s', (_name, value, type, message) => {
    const error = thrown(() => checkId(value, P, { name: 'taskId' }));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toBe(message);
  });

  it('a pattern: the message says what a good id is, and never echoes the bad one', () => {
    const rule = { name: 'projectId', pattern: /^[0-9a-f]{8,64}$/, expected: 'a project id (8 to 64 hex digits)' };
    expect(checkId('0123abcd', P, rule)).toBe('0123abcd');
    expect(thrown(() => checkId('nothex!!', P, rule))).toEqual(
      new TypeError('test.provider: projectId must be a project id (8 to 64 hex digits), got a string of length 8'),
    );
    expect(thrown(() => checkId('ab', P, { name: 'id', pattern: /^a+$/ }))).toEqual(
      new TypeError('test.provider: id must be a string matching ^a+$, got a string of length 2'),
    );
  });

  it('numbers: a whole number ≥ 0 is read as its digits; any other number is refused like a bad string', () => {
    const rule = {
      name: 'jobId',
      numbers: true,
      pattern: /^\d{1,20}$/,
      expected: 'a whole number or a string of digits',
    };
    expect(checkId(42, P, rule)).toBe('42');
    expect(checkId('007', P, rule)).toBe('007');
    for (const bad of [-1, 1.5, Number.NaN, '1e3', '']) {
      expect(thrown(() => checkId(bad, P, rule)).message).toMatch(
        /^test\.provider: jobId must be a whole number or a string of digits, got /,
      );
    }
  });

  it('maxLength', () => {
    expect(thrown(() => checkId('x'.repeat(129), P, { name: 'ref.taskId', maxLength: 128 }))).toEqual(
      new RangeError('test.provider: ref.taskId must be at most 128 characters, got 129'),
    );
  });
});

describe('clipProviderText', () => {
  it('one line: every run of control characters becomes one space, the ends trimmed', () => {
    expect(clipProviderText('  disk\r\n\tfull \u0007')).toBe('disk full');
  });

  it('at most 300 characters, then …', () => {
    expect(clipProviderText('x'.repeat(300))).toBe('x'.repeat(300));
    expect(clipProviderText('x'.repeat(301))).toBe(`${'x'.repeat(300)}…`);
  });

  it('masks the secrets before clipping, so no part of one survives at the cut', () => {
    const text = `${'y'.repeat(290)}${SECRET}`;
    expect(clipProviderText(text, { secrets: [SECRET] })).toBe(`${'y'.repeat(290)}${REDACTED}`);
    expect(clipProviderText(`token ${SECRET} refused`, { secrets: [undefined, SECRET] })).toBe(
      `token ${REDACTED} refused`,
    );
  });

  it('oneLine: false keeps line breaks (a status’s own message)', () => {
    expect(clipProviderText('line 1\nline 2', { oneLine: false })).toBe('line 1\nline 2');
  });

  it('anything but a string is empty', () => {
    expect(clipProviderText(undefined)).toBe('');
    expect(clipProviderText(null)).toBe('');
    expect(clipProviderText({ message: 'x' })).toBe('');
  });
});

describe('envelopeError', () => {
  const answer = (overrides: Partial<EnvelopeAnswer> = {}): EnvelopeAnswer => ({
    provider: P,
    request: { method: 'GET', taskId: 't-1' },
    response: { path: '/base/tasks', status: 400, retryAfterMs: 7000 },
    code: 'E.42',
    text: 'it went wrong',
    kind: 'error',
    ...overrides,
  });

  it('error: a ProviderError, not transient unless said so; the message names the path sent, status, code and text', () => {
    const error = envelopeError(answer());
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('test.provider: GET /base/tasks answered HTTP 400, code E.42: it went wrong');
    expect(error).toMatchObject({
      provider: P,
      taskId: 't-1',
      httpStatus: 400,
      providerCode: 'E.42',
      transient: false,
      retryAfterMs: undefined,
    });
    const transient = envelopeError(
      answer({ response: { path: '/p', status: 503, retryAfterMs: 7000 }, transient: true, retryAfterMs: 7000 }),
    );
    expect(transient).toMatchObject({ transient: true, retryAfterMs: 7000, httpStatus: 503 });
  });

  it('rate-limit: a transient ProviderError with the pause the provider gives', () => {
    const error = envelopeError(answer({ kind: 'rate-limit', retryAfterMs: 3000 }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ transient: true, retryAfterMs: 3000, providerCode: 'E.42', httpStatus: 400 });
    expect(error.message).toBe(
      'test.provider: GET /base/tasks answered HTTP 400, code E.42: it went wrong; rate limited (transient)',
    );
  });

  it('auth: an AuthenticationError with the code and status, and the provider’s reason when it has one', () => {
    const error = envelopeError(
      answer({ kind: 'auth', response: { path: '/p', status: 401, retryAfterMs: undefined } }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'E.42', httpStatus: 401, transient: false });
    expect(error.message).toBe(
      'test.provider: GET /p answered HTTP 401, code E.42: it went wrong; credentials refused',
    );
    expect(envelopeError(answer({ kind: 'auth', reason: 'the API key was refused' })).message).toMatch(
      /; the API key was refused$/,
    );
  });

  it('not-found: a TaskNotFoundError that names the task (no code or status fields)', () => {
    const error = envelopeError(answer({ kind: 'not-found' }));
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ provider: P, taskId: 't-1', transient: false });
    expect(error).not.toHaveProperty('providerCode');
    expect(error.message).toBe(
      'test.provider: GET /base/tasks answered HTTP 400, code E.42: it went wrong; task t-1 was not found',
    );
    expect(envelopeError(answer({ kind: 'not-found', request: { method: 'GET' } })).message).toMatch(/; not found$/);
  });

  it('wrong-url: the generic 404 HttpError, the code and text as its detail', () => {
    const error = envelopeError(
      answer({ kind: 'wrong-url', response: { path: '/base/tasks', status: 404, retryAfterMs: undefined } }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false, taskId: 't-1' });
    expect(error.message).toBe(
      'test.provider: GET /base/tasks answered HTTP 404 (code E.42: it went wrong): not found; the URL may be wrong (check the base URL)',
    );
  });

  it('the provider’s text is made fit to quote: secrets masked, one line, clipped; no text, no colon', () => {
    const error = envelopeError(
      answer({ text: `bad key ${SECRET}\r\nretry later ${'z'.repeat(400)}`, secrets: [SECRET] }),
    );
    expect(error.message).toContain(`code E.42: bad key ${REDACTED} retry later z`);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('\n');
    expect(error.message.endsWith('z…')).toBe(true);
    expect(envelopeError(answer({ text: undefined })).message).toBe(
      'test.provider: GET /base/tasks answered HTTP 400, code E.42',
    );
  });
});
