import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PreparedRequest } from '../../../src/internal/http/types.js';
import { createAkSkSigner, formatSdkDate } from '../../../src/providers/dgc/signer.js';
import { parseAuthorization, referenceEscape, referenceSign } from './reference-signature.js';

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'sk/Example+Secret=Key0123456789abcdefABCD';
const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
// 2019-03-18T09:47:51.345Z: an instant with milliseconds, which X-Sdk-Date (whole seconds) must drop.
const NOW = Date.UTC(2019, 2, 18, 9, 47, 51, 345);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const hex256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (text: string): string => createHmac('sha256', SK).update(text, 'utf8').digest('hex');

/** The signature of a bodiless GET to h.example that sends no header of its own, written out by hand. */
const plainGetSignature = (canonicalUri: string, canonicalQuery: string): string =>
  hmac(
    `SDK-HMAC-SHA256\n20190318T094751Z\n${hex256(
      [
        'GET',
        canonicalUri,
        canonicalQuery,
        'host:h.example',
        `x-project-id:${PROJECT}`,
        'x-sdk-date:20190318T094751Z',
        '',
        'host;x-project-id;x-sdk-date',
        EMPTY_SHA256,
      ].join('\n'),
    )}`,
  );

function sign(
  request: { method: string; url: string; headers?: Record<string, string>; body?: string },
  securityToken?: string,
) {
  const prepared: PreparedRequest = {
    method: request.method,
    url: new URL(request.url),
    headers: { ...(request.headers ?? {}) },
    body: request.body ?? '',
  };
  createAkSkSigner({ accessKey: AK, secretKey: SK, projectId: PROJECT, securityToken })(prepared);
  return prepared.headers;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('dgc AK/SK signer (SDK-HMAC-SHA256)', () => {
  it('X-Sdk-Date is UTC YYYYMMDDTHHMMSSZ from Date.now (fake clock)', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    expect(formatSdkDate(NOW)).toBe('20190318T094751Z');
    expect(sign({ method: 'GET', url: 'https://h.example/x' })['X-Sdk-Date']).toBe('20190318T094751Z');
    vi.setSystemTime(Date.UTC(2024, 11, 31, 23, 59, 59, 999));
    expect(sign({ method: 'GET', url: 'https://h.example/x' })['X-Sdk-Date']).toBe('20241231T235959Z');
  });

  it('GET with an empty body: the canonical request written out by hand', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const headers = sign({
      method: 'GET',
      url: `https://dayu-dlf.cn-north-4.myhuaweicloud.com/v1/${PROJECT}/system-tasks/008aae2e675d3bcb01675d3c66f20000`,
      headers: { Accept: 'application/json', workspace: ' ws-1 ' },
    });
    // Every header sent is signed, plus host; values trimmed; names lower-cased and sorted.
    const canonical = [
      'GET',
      `/v1/${PROJECT}/system-tasks/008aae2e675d3bcb01675d3c66f20000/`,
      '',
      'accept:application/json',
      'host:dayu-dlf.cn-north-4.myhuaweicloud.com',
      'workspace:ws-1',
      `x-project-id:${PROJECT}`,
      'x-sdk-date:20190318T094751Z',
      '',
      'accept;host;workspace;x-project-id;x-sdk-date',
      EMPTY_SHA256,
    ].join('\n');
    const stringToSign = `SDK-HMAC-SHA256\n20190318T094751Z\n${hex256(canonical)}`;
    expect(headers['Authorization']).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=accept;host;workspace;x-project-id;x-sdk-date, Signature=${hmac(stringToSign)}`,
    );
    expect(headers['X-Project-Id']).toBe(PROJECT);
    expect(headers).not.toHaveProperty('X-Security-Token');
  });

  it('query pairs sorted by raw key then value and escaped byte-wise (the Go SDK canonical-query vector)', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const url = new URL('https://h.example/path');
    // Out of order on purpose; the expected string is the Go SDK's signer_test.go vector.
    for (const [k, v] of [
      ['test', '一 (&=?!#%.*)'],
      ['multi', '3'],
      ['limit', '1'],
      ['multi', '1'],
      ['enable', 'true'],
      ['path', '/tmp/123'],
      ['multi', '2'],
    ] as const) {
      url.searchParams.append(k, v);
    }
    const headers = sign({ method: 'GET', url: url.toString() });
    expect(parseAuthorization(headers['Authorization'])?.signature).toBe(
      plainGetSignature(
        '/path/',
        'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
      ),
    );
  });

  it('raw keys sort before escaping, case-sensitively and in UTF-8 byte order', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const url = new URL('https://h.example/q');
    // "B" < "a" < "b" < "é" (0xC3…) < "😀" (0xF0…) in byte order; "a~" vs "a-": '-' (0x2D) < '~' (0x7E).
    for (const [k, v] of [
      ['😀', 'x'],
      ['b', '2'],
      ['é', 'e'],
      ['a~', '1'],
      ['a-', '1'],
      ['B', '1'],
      ['b', '10'],
    ] as const) {
      url.searchParams.append(k, v);
    }
    const headers = sign({ method: 'GET', url: url.toString() });
    expect(parseAuthorization(headers['Authorization'])?.signature).toBe(
      plainGetSignature('/q/', 'B=1&a-=1&a~=1&b=10&b=2&%C3%A9=e&%F0%9F%98%80=x'),
    );
  });

  it('path segments escaped like query values (reserved and non-ASCII characters), trailing / appended once', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const raw = "任务 a!*'()~.-_";
    const headers = sign({ method: 'GET', url: `https://h.example/v1/${encodeURIComponent(raw)}/tasks/` });
    expect(parseAuthorization(headers['Authorization'])?.signature).toBe(
      plainGetSignature('/v1/%E4%BB%BB%E5%8A%A1%20a%21%2A%27%28%29~.-_/tasks/', ''),
    );
  });

  it('POST: the body hash covers the exact UTF-8 bytes; X-Security-Token is sent and signed; a stale Authorization is replaced', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const body = JSON.stringify({ path: 'obs://bucket/导入.zip', params: { k: 'v' } });
    const headers = sign(
      {
        method: 'POST',
        url: 'https://h.example:8443/v1/p/jobs/import',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', authorization: 'stale' },
        body,
      },
      'temporary-security-token',
    );
    const canonical = [
      'POST',
      '/v1/p/jobs/import/',
      '',
      'accept:application/json',
      'content-type:application/json',
      'host:h.example:8443',
      `x-project-id:${PROJECT}`,
      'x-sdk-date:20190318T094751Z',
      'x-security-token:temporary-security-token',
      '',
      'accept;content-type;host;x-project-id;x-sdk-date;x-security-token',
      createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex'),
    ].join('\n');
    expect(headers['X-Security-Token']).toBe('temporary-security-token');
    expect(headers).not.toHaveProperty('authorization');
    expect(headers['Authorization']).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=accept;content-type;host;x-project-id;x-sdk-date;x-security-token, Signature=${hmac(`SDK-HMAC-SHA256\n20190318T094751Z\n${hex256(canonical)}`)}`,
    );
  });

  it('the secret key is never put in a header', () => {
    const headers = sign({ method: 'POST', url: 'https://h.example/x', body: SK });
    expect(Object.values(headers).join('\n')).not.toContain(SK);
  });

  it('agrees with the independent reference on arbitrary paths, queries, headers and bodies', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const segment = text.filter((s) => s !== '' && s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(text, text), { maxLength: 5 }),
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[\x21-\x7e]{1,12}$/), {
          maxKeys: 4,
        }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.integer({ min: 0, max: 4102444800000 }),
        (segments, query, extra, body, now) => {
          vi.useFakeTimers({ toFake: ['Date'] });
          vi.setSystemTime(now);
          const url = new URL(`https://h.example/${segments.map(encodeURIComponent).join('/')}`);
          for (const [k, v] of query) url.searchParams.append(k, v);
          const sent = { ...extra };
          for (const own of ['host', 'authorization', 'x-sdk-date', 'x-project-id', 'x-security-token'])
            delete sent[own];
          const headers = sign({ method: 'PUT', url: url.toString(), headers: sent, body });
          const date = headers['X-Sdk-Date']!;
          const expected = referenceSign({
            method: 'PUT',
            pathSegments: ['', ...segments],
            query,
            headers: [...Object.entries(sent), ['host', 'h.example'], ['x-project-id', PROJECT], ['x-sdk-date', date]],
            body,
            sdkDate: date,
            secretKey: SK,
          });
          const auth = parseAuthorization(headers['Authorization']);
          expect(auth?.signedHeaders.join(';')).toBe(expected.signedHeaders);
          expect(auth?.signature).toBe(expected.signature);
          vi.useRealTimers();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the reference escape matches the rule: A-Za-z0-9-_.~ kept, everything else %XX upper-case', () => {
    expect(referenceEscape("AZaz09-_.~ !*'()/?#[]@$&+,;=%é")).toBe(
      'AZaz09-_.~%20%21%2A%27%28%29%2F%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25%C3%A9',
    );
  });
});
