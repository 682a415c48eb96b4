/**
 * The factory's options (src/providers/dgc/options.ts) and the import inputs (inputs.ts): where
 * requests go, how fast, and what is refused before any request.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { waitForTask } from '../../../src/index.js';
import { DGC_REGIONS, dgcSystemTasks, type DgcSystemTasksOptions } from '../../../src/providers/dgc/index.js';
import { AK, PROJECT, SK, STATUS_PATH, TASK, TOKEN, api, successful, useDgcAdapters } from './harness.js';

const { make, settle } = useDgcAdapters();

describe('dgc.systemTask: endpoint, pacing and validation', () => {
  it('region builds https://dayu-dlf.{region}.myhuaweicloud.com; unlisted regions of the same shape are accepted; endpoint overrides', async () => {
    expect(DGC_REGIONS).toContain('cn-north-4');
    const listed = nock('https://dayu-dlf.ap-southeast-3.myhuaweicloud.com').get(STATUS_PATH).reply(200, successful);
    await settle(waitForTask(make({ region: 'ap-southeast-3' }), TASK));
    const unlisted = nock('https://dayu-dlf.xy-newplace-7.myhuaweicloud.com').get(STATUS_PATH).reply(200, successful);
    await settle(waitForTask(make({ region: 'xy-newplace-7' }), TASK));
    const custom = nock('http://127.0.0.1:8080').get(`/dlf${STATUS_PATH}`).reply(200, successful);
    await settle(waitForTask(make({ region: undefined, endpoint: 'http://127.0.0.1:8080/dlf' }), TASK));
    expect([listed.isDone(), unlisted.isDone(), custom.isDone()]).toEqual([true, true, true]);
  });

  it('default pacing: at most 2 requests a second across concurrent waits of one adapter', async () => {
    const dgc = make({ pacing: undefined });
    const at: number[] = [];
    api()
      .get(/\/system-tasks\//)
      .times(5)
      .reply(() => {
        at.push(Date.now());
        return [200, successful];
      });
    const ids = ['a1', 'a2', 'a3', 'a4', 'a5'];
    await settle(Promise.all(ids.map((id) => waitForTask(dgc, id))));
    expect(at).toHaveLength(5);
    for (let i = 2; i < at.length; i += 1) expect(at[i]! - at[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('bad options, refs and inputs are refused with a TypeError before any request (and echo no secret)', async () => {
    const requests: string[] = [];
    const onNoMatch = (req: { path: string }) => requests.push(req.path);
    nock.emitter.on('no match', onNoMatch);
    const base = { region: 'cn-north-4', projectId: PROJECT, auth: { token: TOKEN } };
    const badOptions: unknown[] = [
      undefined,
      'cn-north-4',
      { ...base, region: undefined },
      { ...base, endpoint: 'https://x.example' },
      { ...base, region: 'north-4' },
      { ...base, region: 'CN-NORTH-4' },
      { ...base, region: 'cn-north-4.evil.example/x' },
      { ...base, region: undefined, endpoint: 'ftp://x.example' },
      { ...base, region: undefined, endpoint: 'https://user:pw@x.example' },
      { ...base, projectId: undefined },
      { ...base, projectId: '../../admin' },
      { ...base, projectId: 'b384b9e9/ab9b' },
      { ...base, workspace: '' },
      { ...base, workspace: 'ws\r\nX-Evil: 1' },
      { ...base, auth: undefined },
      { ...base, auth: {} },
      { ...base, auth: { token: '' } },
      { ...base, auth: { token: `${TOKEN}\r\n` } },
      { ...base, auth: { token: TOKEN, accessKey: AK, secretKey: SK } },
      { ...base, auth: { accessKey: AK } },
      { ...base, auth: { accessKey: AK, secretKey: '' } },
      { ...base, auth: { accessKey: 'AK, Signature=x', secretKey: SK } },
      { ...base, auth: { accessKey: AK, secretKey: SK, securityToken: 'a b' } },
      { ...base, auth: { accessKey: AK, secretkey: SK } },
      { ...base, requestTimeoutMs: -1 },
      { ...base, pacing: { requestsPerInterval: 0 } },
      { ...base, regoin: 'cn-north-4' },
    ];
    for (const options of badOptions) {
      let thrown: unknown;
      try {
        dgcSystemTasks(options as DgcSystemTasksOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(Error);
      expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
      expect((thrown as Error).message).not.toContain(SK);
      expect((thrown as Error).message).not.toContain(TOKEN);
    }

    const dgc = make();
    for (const ref of ['', '.', '..', 'a\nb', 'x'.repeat(300), undefined, 42, { id: TASK }]) {
      await expect(async () => waitForTask(dgc, ref as string)).rejects.toThrow(Error);
      expect(() => dgc.taskId(ref as string)).toThrow(/taskId|task id/);
    }
    const badImports: unknown[] = [
      undefined,
      {},
      { path: 'bucket/jobs.zip' },
      { path: 's3://bucket/jobs.zip' },
      { path: 'obs://bucket' },
      { path: 'obs:///jobs.zip' },
      { path: 'obs://bucket/a\nb.zip' },
      { path: 'obs://b/j.zip', sameNamePolicy: 'skip' },
      { path: 'obs://b/j.zip', targetStatus: 'DONE' },
      { path: 'obs://b/j.zip', params: { a: 1 } },
      { path: 'obs://b/j.zip', params: ['a'] },
      { path: 'obs://b/j.zip', jobsParam: [{ params: {} }] },
      { path: 'obs://b/j.zip', jobsParam: { name: 'j' } },
      { path: 'obs://b/j.zip', executeUser: '' },
      { path: 'obs://b/j.zip', approvers: [{ name: 'x' }] },
      { path: 'obs://b/j.zip', unknownField: 1 },
    ];
    for (const input of badImports) {
      await expect(dgc.importJobs(input as never), JSON.stringify(input)).rejects.toBeInstanceOf(TypeError);
    }
    for (const input of [
      { path: 'obs://b/c.zip', params: [{ name: 'c' }] },
      { path: 'obs://b/c.zip', params: [{ type: 'DWS' }] },
      { path: 'x' },
    ]) {
      await expect(dgc.importConnections(input as never)).rejects.toBeInstanceOf(TypeError);
    }
    await expect(dgc.importJobs({ path: 'obs://b/j.zip' }, { signal: 'stop' as never })).rejects.toBeInstanceOf(
      TypeError,
    );
    nock.emitter.removeListener('no match', onNoMatch);
    expect(requests).toEqual([]);
  });
});
