/**
 * The checks before any request: the factory's options, refs, call options and a job's input, and
 * ids encoded as one path segment.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForTask } from '../../../src/index.js';
import { workflowTasks } from '../../../src/providers/workflow/index.js';
import { BASE, JOB, PASSWORD, SAMPLE_PATH, TASK, TOKEN, fixtureJson, rowsBody, useWorkflowHarness } from './harness.js';

const { make, settle } = useWorkflowHarness();

describe('validation before any request', () => {
  let requests = 0;
  const count = (): void => {
    requests += 1;
  };
  beforeEach(() => {
    requests = 0;
    nock.emitter.on('no match', count);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', count);
  });

  it('bad options throw a TypeError or RangeError that names the option and echoes no secret', () => {
    const creds = { username: 'root', password: PASSWORD, graphAddress: 'graphd', graphPort: 9669 };
    const bad: [unknown, RegExp][] = [
      [undefined, /options must be an object/],
      [{ baseURL: BASE }, /exactly one of token and credentials/],
      [{ baseURL: BASE, token: TOKEN, credentials: creds }, /exactly one of token and credentials/],
      [{ baseURL: 'ftp://x', token: TOKEN }, /http or https/],
      [{ baseURL: `http://root:${PASSWORD}@x`, token: TOKEN }, /must not contain credentials/],
      [{ baseURL: BASE, token: '' }, /token must be a non-empty string/],
      [{ baseURL: BASE, token: `${TOKEN}; other=1` }, /token must be a cookie value/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: 0 }, /sampleLimit must be from 1 to 100000/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: 2.5 }, /sampleLimit must be a whole number/],
      [{ baseURL: BASE, token: TOKEN, sampleLimit: '10' }, /sampleLimit must be a number/],
      [{ baseURL: BASE, token: TOKEN, rowSchema: (x: unknown) => x }, /rowSchema must be a Standard Schema v1/],
      [{ baseURL: BASE, token: TOKEN, tokenHeader: 'Cookie' }, /tokenHeader must be a header name/],
      [{ baseURL: BASE, token: TOKEN, tokenHeader: 'bad header' }, /tokenHeader must be a header name/],
      [{ baseURL: BASE, token: TOKEN, requestTimeoutMs: -1 }, /requestTimeoutMs/],
      [{ baseURL: BASE, token: TOKEN, pacing: { maxConcurrency: 0 } }, /maxConcurrency/],
      [{ baseURL: BASE, token: TOKEN, tokenn: 'x' }, /unknown option "tokenn"/],
      [
        { baseURL: BASE, credentials: { ...creds, graphPort: 70000 } },
        /graphPort must be a whole number from 1 to 65535/,
      ],
      [{ baseURL: BASE, credentials: { ...creds, graphPort: '9669' } }, /graphPort/],
      [{ baseURL: BASE, credentials: { ...creds, password: 123 } }, /password must be a string/],
      [{ baseURL: BASE, credentials: { ...creds, username: '' } }, /username must be a non-empty string/],
      [{ baseURL: BASE, credentials: { ...creds, graphAddress: ' ' } }, /graphAddress/],
      [{ baseURL: BASE, credentials: { ...creds, encoding: 'base64' } }, /encoding must be 'json-array' or 'colon'/],
      [{ baseURL: BASE, credentials: { ...creds, username: 'a:b', encoding: 'colon' } }, /must not contain ":"/],
    ];
    for (const [options, message] of bad) {
      let thrown: unknown;
      try {
        workflowTasks(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(Error);
      expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(PASSWORD);
      expect((thrown as Error).message).not.toContain(TOKEN);
    }
    expect(requests).toBe(0);
  });

  it('bad refs and call arguments reject before any request', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const refs: unknown[] = [
      null,
      'x',
      { jobId: 'abc', taskId: TASK },
      { jobId: -1, taskId: TASK },
      { jobId: 1.5, taskId: TASK },
      { jobId: JOB, taskId: '' },
      { jobId: JOB, taskId: 42 },
      { jobId: JOB, taskId: '..' },
      { jobId: JOB, taskId: 'a\nb' },
      { jobId: JOB, taskId: 'x'.repeat(200) },
    ];
    const badInput = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error instanceof TypeError || error instanceof RangeError, String(error)).toBe(true);
      expect((error as Error).message).toMatch(/ref/);
    };
    for (const ref of refs) {
      await badInput(waitForTask(wf, ref as never));
      await badInput(wf.sampleResult(ref as never));
      await badInput(wf.cancel(ref as never, { signal: new AbortController().signal }));
    }
    await expect(wf.runJob('', {})).rejects.toThrow(/workflowId/);
    await expect(wf.runJob(1, [] as never)).rejects.toThrow(/input must be an object/);
    await expect(wf.runJob(1, { query_1: 'x' } as never)).rejects.toThrow(/input\["query_1"\] must be an object/);
    await expect(wf.runJob(1, { query_1: { a: Number.NaN } })).rejects.toThrow(/must be a string or a finite number/);
    await expect(wf.getJob('1e3')).rejects.toThrow(/jobId must be a whole number/);
    await expect(wf.cancelJob(undefined as never)).rejects.toThrow(/jobId/);
    await expect(wf.sampleResult({ jobId: JOB, taskId: TASK }, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(wf.getJob(JOB, { signal: 'no' as never })).rejects.toThrow(/signal must be an AbortSignal/);
    expect(requests).toBe(0);
  });

  it('call options: an unknown key is a TypeError naming the call and the key, before any request', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const ref = { jobId: JOB, taskId: TASK };
    const { signal } = new AbortController();
    const calls: [string, () => Promise<unknown>, string][] = [
      [
        'runJob',
        () => wf.runJob(1, {}, { signal, timeoutMs: 5 } as never),
        'workflow.task: unknown runJob option "timeoutMs"',
      ],
      [
        'getJob',
        () => wf.getJob(JOB, { signall: signal } as never),
        'workflow.task: unknown getJob option "signall" (did you mean "signal"?)',
      ],
      [
        'cancelJob',
        () => wf.cancelJob(JOB, { signal, retry: false } as never),
        'workflow.task: unknown cancelJob option "retry"',
      ],
      [
        'sampleResult',
        () => wf.sampleResult(ref, { limt: 5 } as never),
        'workflow.task: unknown sampleResult option "limt" (did you mean "limit"?)',
      ],
      [
        'cancel',
        () => wf.cancel(ref, { signal, reason: 'x' } as never),
        'workflow.task: unknown cancel option "reason"',
      ],
    ];
    for (const [call, run, message] of calls) {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, call).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message);
    }
    await expect(wf.getJob(JOB, [] as never)).rejects.toThrow(/getJob options must be an object, got an array/);
    expect(requests).toBe(0);
    // The keys each call documents still pass.
    const scope = nock(BASE)
      .get(SAMPLE_PATH)
      .query({ limit: '5' })
      .reply(200, rowsBody([['a']]));
    expect(await settle(wf.sampleResult(ref, { limit: 5, signal }))).toEqual([['a']]);
    expect(scope.isDone()).toBe(true);
  });

  it('runJob(id, { signal }) says the signal goes in the options argument', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const { signal } = new AbortController();
    const hint = 'a signal goes in the options argument, runJob(workflowId, input, { signal })';
    const inInput = await wf.runJob(1, { signal } as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(inInput).toBeInstanceOf(TypeError);
    expect((inInput as Error).message).toBe(
      `workflow.task: input["signal"] must be an object of parameters, got an AbortSignal: ${hint}`,
    );
    await expect(wf.runJob(1, signal as never)).rejects.toThrow(`input must be an object, got an AbortSignal: ${hint}`);
    // A component's parameters that are just wrong get no hint.
    await expect(wf.runJob(1, { query_1: 'x' } as never)).rejects.toThrow(
      /^workflow\.task: input\["query_1"\] must be an object of parameters, got a string of length 1$/,
    );
    expect(requests).toBe(0);
  });

  it('ids are encoded as one path segment', async () => {
    const wf = make({ baseURL: `${BASE}/explorer/api-open/v1/`, token: TOKEN });
    const scope = nock(BASE)
      .post('/explorer/api-open/v1/workflows/..%2Fx/jobs')
      .reply(200, fixtureJson('run-job-107.json'))
      .get('/explorer/api-open/v1/jobs/7/tasks/a%2Fb%3Fc/sample_result')
      .query({ limit: '1000' })
      .reply(200, rowsBody([]));
    expect(await settle(wf.runJob('../x'))).toBe('107');
    expect(await settle(wf.sampleResult({ jobId: '7', taskId: 'a/b?c' }))).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });
});
