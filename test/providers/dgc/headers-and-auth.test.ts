/**
 * The headers every request carries, and both forms of credentials at work
 * (src/providers/dgc/credentials.ts, signer.ts).
 */
import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import { AuthenticationError, waitForTask } from '../../../src/index.js';
import {
  AK,
  HOST,
  PROJECT,
  SECURITY_TOKEN,
  SK,
  STATUS_PATH,
  TASK,
  TOKEN,
  api,
  running,
  successful,
  useDgcAdapters,
} from './harness.js';
import { parseAuthorization, referenceSign } from './reference-signature.js';

const { make, settle, failure } = useDgcAdapters();

/**
 * A stand-in for the API Gateway's AK/SK check, for nock reply functions: it recomputes the signature
 * of what arrived with the independent reference (reference-signature.ts) and
 * answers `APIG.0303` unless it matches. nock hands the reply function a JSON body already parsed;
 * `JSON.stringify` gives back the exact bytes sent, because the adapter serializes with it too.
 */
function apigGateway(secretKey: string) {
  const verified: { signedHeaders: string[]; sdkDate: string }[] = [];
  const answer = (body: unknown) =>
    function (
      this: { req: { method: string; headers: Record<string, string> } },
      uri: string,
      received: unknown,
    ): [number, unknown] {
      const { headers, method } = this.req;
      const auth = parseAuthorization(headers['authorization']);
      const sdkDate = headers['x-sdk-date'] ?? '';
      const [path = '', search = ''] = uri.split('?');
      const raw = typeof received === 'string' ? received : JSON.stringify(received);
      const expected =
        auth &&
        referenceSign({
          method,
          pathSegments: path.split('/').map(decodeURIComponent),
          query: [...new URLSearchParams(search)],
          headers: auth.signedHeaders.map((name): [string, string] => [name, headers[name] ?? '']),
          body: raw,
          sdkDate,
          secretKey,
        });
      const signsWhatMatters =
        auth !== undefined && ['host', 'x-sdk-date'].every((name) => auth.signedHeaders.includes(name));
      if (!auth || auth.access !== AK || !signsWhatMatters || expected?.signature !== auth.signature) {
        return [
          401,
          { error_code: 'APIG.0303', error_msg: 'Incorrect app authentication information: signature mismatch' },
        ];
      }
      verified.push({ signedHeaders: auth.signedHeaders, sdkDate });
      return [200, body];
    };
  return { verified, answer };
}

describe('dgc.systemTask: headers and authentication', () => {
  it('workspace header is sent on polls and imports when set, and absent otherwise', async () => {
    const withWorkspace = make({ workspace: 'c8d7a3f2e1b04c9a9d6e5f4a3b2c1d0e' });
    const scope = nock(HOST, { reqheaders: { workspace: 'c8d7a3f2e1b04c9a9d6e5f4a3b2c1d0e' } })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(200, { taskId: TASK })
      .post(`/v1/${PROJECT}/connections/import`)
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(200, successful);
    await settle(withWorkspace.importJobs({ path: 'obs://b/j.zip' }));
    await settle(withWorkspace.importConnections({ path: 'obs://b/c.zip' }));
    await settle(waitForTask(withWorkspace, TASK));
    expect(scope.isDone()).toBe(true);

    const without = make();
    const plain = nock(HOST, { badheaders: ['workspace'] })
      .get(STATUS_PATH)
      .reply(200, successful);
    await settle(waitForTask(without, TASK));
    expect(plain.isDone()).toBe(true);
  });

  it('token auth: X-Auth-Token on every request, no signature headers (default transport, real timers)', async () => {
    vi.useRealTimers();
    const dgc = make({ axios: undefined });
    const scope = nock(HOST, {
      reqheaders: { 'x-auth-token': TOKEN, accept: 'application/json' },
      badheaders: ['authorization', 'x-sdk-date', 'x-project-id'],
    })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(200, { taskId: TASK })
      .get(STATUS_PATH)
      .reply(200, successful);
    await settle(dgc.importJobs({ path: 'obs://b/j.zip' }));
    await settle(waitForTask(dgc, TASK));
    expect(scope.isDone()).toBe(true);
  });

  it('AK/SK: the server recomputes every signature independently (import with a non-ASCII body, then polls)', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: SK, securityToken: SECURITY_TOKEN }, workspace: 'ws-0001' });
    const gateway = apigGateway(SK);
    const scope = nock(HOST, {
      reqheaders: { 'x-project-id': PROJECT, 'x-security-token': SECURITY_TOKEN, workspace: 'ws-0001' },
      badheaders: ['x-auth-token'],
    })
      .post(`/v1/${PROJECT}/jobs/import`)
      .reply(gateway.answer({ taskId: TASK }))
      .get(STATUS_PATH)
      .reply(gateway.answer(running()))
      .get(STATUS_PATH)
      .reply(gateway.answer(successful));

    const taskId = await settle(
      dgc.importJobs({ path: 'obs://bucket/作业 (1).zip', params: { 名称: 'ä ö ü', 'a&b': '=?' } }),
    );
    const done = await settle(waitForTask(dgc, taskId, { initialDelayMs: 5000, jitter: 0 }));
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
    expect(gateway.verified).toHaveLength(3);
    const [post, poll1, poll2] = gateway.verified;
    expect(post!.signedHeaders).toEqual([
      'accept',
      'content-type',
      'host',
      'workspace',
      'x-project-id',
      'x-sdk-date',
      'x-security-token',
    ]);
    expect(poll1!.signedHeaders).toEqual([
      'accept',
      'host',
      'workspace',
      'x-project-id',
      'x-sdk-date',
      'x-security-token',
    ]);
    // X-Sdk-Date follows the (fake) clock: 2026-01-02 03:04:05 UTC, and the second poll 5 s later.
    expect([post!.sdkDate, poll1!.sdkDate, poll2!.sdkDate]).toEqual([
      '20260102T030405Z',
      '20260102T030405Z',
      '20260102T030410Z',
    ]);
  });

  it('AK/SK: the same gateway check refuses a request signed with another secret key → AuthenticationError after one request', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: `${SK}-other` } });
    const gateway = apigGateway(SK);
    const scope = api().get(STATUS_PATH).once().reply(gateway.answer(successful));
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: 'APIG.0303', httpStatus: 401 });
    expect(gateway.verified).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('AK/SK: a refused signature → AuthenticationError whose message, JSON and inspect output hold no secret or signature', async () => {
    const dgc = make({ auth: { accessKey: AK, secretKey: SK, securityToken: SECURITY_TOKEN } });
    let signature = '';
    api()
      .get(STATUS_PATH)
      .reply(function () {
        signature = parseAuthorization(String(this.req.headers['authorization']))?.signature ?? '';
        // A gateway that echoes what it checked must not leak it through our error.
        return [
          401,
          {
            error_code: 'APIG.0303',
            error_msg: `signature ${signature} mismatch for key ${SK} token ${SECURITY_TOKEN}`,
          },
        ];
      });
    const error = await failure(waitForTask(dgc, TASK));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    for (const text of [
      (error as Error).message,
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      String((error as Error).stack),
    ]) {
      expect(text).not.toContain(SK);
      expect(text).not.toContain(signature);
      expect(text).not.toContain(SECURITY_TOKEN);
    }
    expect((error as Error).message).toContain('[redacted]');
  });

  it('token auth: a network failure and a 401 carry no token', async () => {
    const dgc = make({ requestTimeoutMs: 1000 });
    api()
      .get(STATUS_PATH)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    api()
      .get(STATUS_PATH)
      .reply(401, { error_code: 'APIG.0301', error_msg: `token ${TOKEN} expired` });
    const first = await failure(waitForTask(dgc, TASK, { retry: false }));
    const second = await failure(waitForTask(dgc, TASK, { retry: false }));
    for (const error of [first, second]) {
      for (const text of [JSON.stringify(error), inspect(error, { depth: 10 })]) expect(text).not.toContain(TOKEN);
    }
    expect(second).toBeInstanceOf(AuthenticationError);
  });
});
