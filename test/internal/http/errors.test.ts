import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, toTaskPollError } from '../../../src/internal/http/errors.js';
import { AuthenticationError, HttpError, NetworkError } from '../../../src/index.js';

const SECRET = 'Bearer sk-review-canary';

/** What Node reports when OpenSSL only names the alert in the text (TLS 1.2 handshake, write path). */
const eproto = (alert: string, prefix = 'sslv3') =>
  Object.assign(
    new Error(
      `write EPROTO 803CE64F0C7F0000:error:0A000410:SSL routines:ssl3_read_bytes:${prefix} alert ${alert}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n`,
    ),
    { isAxiosError: true, code: 'EPROTO', config: { headers: {} } },
  );

describe('toTaskPollError: TLS alerts named only in the message', () => {
  it('"handshake failure" (e.g. a TLS 1.2 server that wants a client certificate) is not transient and says why', () => {
    const mapped = toTaskPollError(eproto('handshake failure'), { provider: 'p', operation: 'GET /x' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(false);
    expect(mapped?.message).toBe(
      'p: GET /x failed: the server ended the TLS handshake with alert "handshake failure": it may require a client certificate, or share no TLS version or cipher with us',
    );
    expect((mapped as NetworkError).errno).toBe('EPROTO');
  });

  it('the OpenSSL of Node 22 and later words it "ssl/tls alert handshake failure": the same answer', () => {
    const mapped = toTaskPollError(eproto('handshake failure', 'ssl/tls'), { provider: 'p', operation: 'GET /x' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(false);
    expect(mapped?.message).toContain('alert "handshake failure": it may require a client certificate');
  });

  it.each(['bad certificate', 'certificate required', 'unknown ca'])('"%s" → AuthenticationError', (alert) => {
    const mapped = toTaskPollError(eproto(alert), { provider: 'p' });
    expect(mapped).toBeInstanceOf(AuthenticationError);
    expect(mapped?.message).toContain(`alert "${alert}"`);
  });

  it('a plain EPROTO without an alert stays a transient network error', () => {
    const error = Object.assign(new Error('write EPROTO something else'), { isAxiosError: true, code: 'EPROTO' });
    const mapped = toTaskPollError(error, { provider: 'p' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(true);
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
    const mapped = toTaskPollError(axiosLike(code, 'failed https://h/x?token=SECRET-Q'), {
      provider: 'p',
      taskId: 't',
    });
    expect(mapped).toBeInstanceOf(type);
    expect(mapped?.transient).toBe(transient);
    const views = [
      JSON.stringify(mapped),
      inspect(mapped, { depth: 10 }),
      inspect(mapped?.cause, { depth: 10 }),
      mapped?.stack ?? '',
    ];
    for (const view of views) {
      expect(view).not.toContain('SECRET-KEY');
      expect(view).not.toContain('SECRET-Q');
    }
    expect((mapped?.cause as { config?: unknown } | undefined)?.config).toBeUndefined();
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

describe('toTaskPollError: an axios error that carries an HTTP answer (a custom adapter using axios)', () => {
  const config = { headers: new AxiosHeaders({ Authorization: SECRET }) };
  const answered = (status: number, headers: Record<string, string> = {}) =>
    new AxiosError(
      `Request failed with status code ${status}`,
      status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
      config as never,
      {},
      {
        status,
        statusText: '',
        data: { token: SECRET },
        headers,
        config,
      } as never,
    );

  it.each([
    [401, AuthenticationError, false],
    [403, AuthenticationError, false],
    [404, HttpError, false],
    [400, HttpError, false],
    [500, HttpError, true],
    [429, HttpError, true],
  ] as const)(
    'HTTP %i maps by status like every other answer, not to a transient NetworkError',
    (status, type, transient) => {
      const mapped = toTaskPollError(answered(status), {
        provider: 'custom',
        taskId: 't',
        operation: 'GET /jobs/{id}',
      });
      expect(mapped).toBeInstanceOf(type);
      expect(mapped?.transient).toBe(transient);
      expect((mapped as HttpError).httpStatus).toBe(status);
      for (const view of [mapped?.message, JSON.stringify(mapped), inspect(mapped, { depth: 10 })])
        expect(view).not.toContain(SECRET);
    },
  );

  it("keeps the answer's Retry-After", () => {
    const mapped = toTaskPollError(answered(429, { 'retry-after': '7' }), { provider: 'custom' });
    expect(mapped?.retryAfterMs).toBe(7000);
  });

  it('an axios error without an answer is still a NetworkError', () => {
    const reset = new AxiosError('socket hang up', 'ECONNRESET', config as never);
    expect(toTaskPollError(reset, { provider: 'custom' })).toBeInstanceOf(NetworkError);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    ['99999999999', 2_147_483_647],
    ['-5', undefined],
    ['soon', undefined],
    ['', undefined],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
  ] as const)('parseRetryAfter(%o) = %o', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});
