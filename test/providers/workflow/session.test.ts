/**
 * Signing in: the token cookie (and header), both Base64 login forms, one re-login when the session
 * is refused, one login shared by concurrent calls, and no credential in any error.
 */
import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, ProviderError, TaskFailedError, waitForTask } from '../../../src/index.js';
import { encodeWorkflowLogin } from '../../../src/providers/workflow/index.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  PASSWORD,
  SAMPLE_PATH,
  TASK,
  TOKEN,
  TOKEN_2,
  errorBody,
  fast,
  fixture,
  one,
  rowsBody,
  useWorkflowHarness,
} from './harness.js';

const { make, settle, failure } = useWorkflowHarness();

describe('sessions', () => {
  const credentials = { username: 'root', password: PASSWORD, graphAddress: '192.168.8.111', graphPort: 9669 };
  const connect = (token: string) =>
    [
      200,
      fixture('success.json'),
      { 'Content-Type': 'application/json', 'Set-Cookie': `explorer_token=${token}; Path=/; Max-Age=259200; HttpOnly` },
    ] as const;

  it('both Base64 encodings match the docs: ["root","123"] → WyJyb290IiwiMTIzIl0=, root:123 → cm9vdDoxMjM=', async () => {
    expect(encodeWorkflowLogin('root', '123')).toBe('WyJyb290IiwiMTIzIl0=');
    expect(encodeWorkflowLogin('root', '123', 'json-array')).toBe('WyJyb290IiwiMTIzIl0=');
    expect(encodeWorkflowLogin('root', '123', 'colon')).toBe('cm9vdDoxMjM=');
    for (const [encoding, bearer] of [
      [undefined, 'WyJyb290IiwiMTIzIl0='],
      ['colon', 'cm9vdDoxMjM='],
    ] as const) {
      const wf = make({
        baseURL: BASE,
        credentials: {
          username: 'root',
          password: '123',
          graphAddress: '192.168.8.111',
          graphPort: 9669,
          ...(encoding ? { encoding } : {}),
        },
      });
      const scope = nock(BASE)
        .post('/api-open/v1/connect', { address: '192.168.8.111', port: 9669 })
        .matchHeader('authorization', `Bearer ${bearer}`)
        .matchHeader('content-type', 'application/json')
        .reply(...connect(TOKEN))
        .get('/api-open/v1/jobs/1964')
        .matchHeader('cookie', `explorer_token=${TOKEN}`)
        .reply(200, fixture('job-1964.json'));
      await settle(wf.getJob(1964));
      expect(scope.isDone()).toBe(true);
    }
  });

  it('credentials: connect → job answers 40104000 (token expired) → one re-login → job → success', async () => {
    const wf = make({ baseURL: BASE, credentials });
    const logins: string[] = [];
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(() => {
        logins.push('1');
        return connect(TOKEN);
      })
      .get(JOB_PATH)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, one(1))
      .get(JOB_PATH)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, errorBody(40104000, 'ErrUnauthorized'))
      .post('/api-open/v1/connect')
      .reply(() => {
        logins.push('2');
        return connect(TOKEN_2);
      })
      .get(JOB_PATH)
      .matchHeader('cookie', `explorer_token=${TOKEN_2}`)
      .reply(200, one(2))
      .get(SAMPLE_PATH)
      .matchHeader('cookie', `explorer_token=${TOKEN_2}`)
      .query(true)
      .reply(200, rowsBody([['v', '1']]));
    const value = await settle(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(value.result).toEqual({ rows: [['v', '1']] });
    expect(logins).toEqual(['1', '2']);
    expect(scope.isDone()).toBe(true);
  });

  it('credentials: 40104001 on HTTP 401, re-login, refused again → AuthenticationError (one re-login only)', async () => {
    const wf = make({ baseURL: BASE, credentials });
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(...connect(TOKEN))
      .get(JOB_PATH)
      .reply(401, errorBody(40104001, 'ErrSession'))
      .post('/api-open/v1/connect')
      .reply(...connect(TOKEN_2))
      .get(JOB_PATH)
      .reply(401, errorBody(40104001, 'ErrSession'));
    const error = await failure(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: '40104001', httpStatus: 401 });
    expect(scope.isDone()).toBe(true);
  });

  it('token mode: job answers 40104000 → AuthenticationError at once (no login possible, no retry)', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get(JOB_PATH).reply(200, errorBody(40104000, 'ErrUnauthorized'));
    const error = await failure(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ providerCode: '40104000', httpStatus: 200, taskId: TASK });
    expect((error as Error).message).toContain('session token was refused');
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('concurrent calls share one login in flight', async () => {
    const wf = make({ baseURL: BASE, credentials });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(async () => {
        await gate; // hold the login until all three callers wait on it
        return connect(TOKEN);
      })
      .get(JOB_PATH)
      .times(3)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, one(3));
    const all = Promise.allSettled([
      wf.getJob(JOB),
      wf.getJob(JOB),
      waitForTask(wf, { jobId: JOB, taskId: TASK }, fast),
    ]);
    for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    release();
    const value = await settle(all);
    expect(value.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((value[2] as PromiseRejectedResult).reason).toBeInstanceOf(TaskFailedError);
    expect(scope.isDone()).toBe(true); // one connect for three callers (a second would find no mock)
  });

  it('login answering without an explorer_token cookie → AuthenticationError', async () => {
    const wf = make({ baseURL: BASE, credentials });
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(200, fixture('success.json'), { 'Content-Type': 'application/json' });
    const error = await failure(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('without a usable explorer_token cookie');
    expect(scope.isDone()).toBe(true);
  });

  it('login Set-Cookie among other cookies, with Expires and a quoted value: the explorer_token is found', async () => {
    const wf = make({ baseURL: BASE, credentials });
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(200, fixture('success.json'), {
        'Content-Type': 'application/json',
        'Set-Cookie': [
          'lang=en; Path=/',
          `explorer_token="${TOKEN}"; Expires=Thu, 14 Jul 2022 06:47:01 GMT; Path=/; HttpOnly`,
        ],
      })
      .get('/api-open/v1/jobs/1964')
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('job-1964.json'));
    await settle(wf.getJob(1964));
    expect(scope.isDone()).toBe(true);
  });

  it('tokenHeader: true also sends the token as an explorer_token header (the tables list it as a header)', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN, tokenHeader: true });
    const scope = nock(BASE)
      .get('/api-open/v1/jobs/1964')
      .matchHeader('explorer_token', TOKEN)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .reply(200, fixture('job-1964.json'));
    await settle(wf.getJob(1964));
    expect(scope.isDone()).toBe(true);
  });

  it('no credential in any error: login refused with a message that echoes the login it received', async () => {
    const wf = make({ baseURL: BASE, credentials });
    const encoded = encodeWorkflowLogin('root', PASSWORD);
    // The password only ever leaves inside the Base64 login: that is what a server can echo, and it is masked.
    const scope = nock(BASE)
      .post('/api-open/v1/connect')
      .reply(400, errorBody(40004000, `ErrBadRequest: Authorization Bearer ${encoded} rejected`));
    const error = await failure(wf.getJob(JOB));
    expect(error).toBeInstanceOf(AuthenticationError);
    for (const text of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encoded);
    }
    expect((error as Error).message).toContain('[redacted]');
    expect(scope.isDone()).toBe(true);

    // Same for a token: neither it nor the cookie shows up.
    const tw = make({ baseURL: BASE, token: TOKEN });
    nock(BASE)
      .get(JOB_PATH)
      .reply(403, errorBody(40304000, `denied for ${TOKEN}`));
    const denied = await failure(tw.getJob(JOB));
    expect(denied).toBeInstanceOf(ProviderError);
    for (const text of [
      (denied as Error).message,
      JSON.stringify(denied),
      inspect(denied, { depth: 5 }),
      inspect(tw),
    ]) {
      expect(text).not.toContain(TOKEN);
    }
  });
});
