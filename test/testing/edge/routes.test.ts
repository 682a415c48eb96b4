import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { makeTestPki, type TestPki } from '../../helpers/mtls.js';
import { raw } from '../http.js';

/** Reads a ustar archive: name → content. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    let sum = 0;
    for (const [i, byte] of header.entries()) sum += i >= 148 && i < 156 ? 32 : byte;
    expect(parseInt(header.subarray(148, 156).toString('ascii'), 8)).toBe(sum);
    expect(header.subarray(257, 263).toString('ascii')).toBe('ustar\0');
    files.set(name, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const TASK = '/edgemanager/v1/logmgmt/dump/task';

describe('simulated MEF Center log dump (plain HTTP)', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ seed: 5, edge: { rateLimit: false } });
  });
  afterEach(() => sim.close());

  const create = (body: unknown) => raw(`${sim.edge.baseURL}${TASK}`, { method: 'POST', body: body as object });
  const poll = (taskId: string) => raw(`${sim.edge.baseURL}${TASK}?taskId=${encodeURIComponent(taskId)}`);

  it('create → waiting → processing (receiving files, then tar gz) → succeed, in the {status,msg,data} envelope', async () => {
    sim.edge.script({ queuedMs: 1000, durationMs: 10_000 });
    const created = await create({ module: 'edgeNode', edgeNodes: [2, 7] });
    expect(created.status).toBe(200);
    const { taskId } = created.json().data;
    expect(created.json()).toEqual({ status: '00000000', msg: 'success', data: { taskId } });
    expect(taskId).toMatch(/^dumpMultiNodesLog\.[0-9a-f]{24}$/);

    // Simulated time since creation → what MEF says (queued 1 s, then 10 s running; the last 10 % packs the archive).
    const at = async (ms: number) => {
      sim.clock.advance(ms - elapsed);
      elapsed = ms;
      const { data } = (await poll(taskId)).json();
      return [data.status, data.progress, data.reason];
    };
    let elapsed = 0;
    expect(await at(0)).toEqual(['waiting', 0, '']);
    expect(await at(1000)).toEqual(['processing', 0, '']);
    expect(await at(6000)).toEqual(['processing', 25, 'receiving (1/2) files']);
    expect(await at(9000)).toEqual(['processing', 25, 'receiving (1/2) files']);
    expect(await at(10_100)).toEqual(['processing', 50, 'start to create tar gz']);
    expect(await at(11_000)).toEqual(['succeed', 100, 'task succeeded']);
    const { data } = (await poll(taskId)).json();
    expect(data).toMatchObject({ taskId, status: 'succeed', data: { fileName: 'edgeNodes.tar.gz' } });
    for (const key of ['createdAt', 'startedAt', 'finishedAt']) {
      expect(data[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    }
    expect(Date.parse(data.finishedAt) - Date.parse(data.startedAt)).toBeCloseTo(10_000, -1);
  });

  it('times are null until set and the result is null until the end', async () => {
    const taskId = sim.edge.createTask([1], { queuedMs: 5000, durationMs: 5000 });
    const { data } = (await poll(taskId)).json();
    expect(data).toMatchObject({ status: 'waiting', startedAt: null, finishedAt: null, data: null });
    expect(sim.edge.task(taskId)).toMatchObject({ state: 'queued', providerState: 'waiting', progress: 0 });
  });

  it('partiallyFailed keeps progress 50, names the failed nodes, and can be downloaded', async () => {
    const taskId = sim.edge.createTask([1, 2, 3], {
      queuedMs: 0,
      durationMs: 100,
      outcome: 'partial',
      message: 'heartbeat timeout',
    });
    sim.clock.advance(100);
    const { data } = (await poll(taskId)).json();
    expect(data).toMatchObject({
      status: 'partiallyFailed',
      progress: 50,
      reason: 'failed to dump log for following nodes:(3)heartbeat timeout;',
      data: { fileName: 'edgeNodes.tar.gz' },
    });
    const download = await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`);
    expect(download.status).toBe(200);
    const files = untar(gunzipSync(download.body));
    expect([...files.keys()]).toEqual(['SN0000000001.tar.gz', 'SN0000000002.tar.gz']);
    const inner = untar(gunzipSync(files.get('SN0000000001.tar.gz')!));
    expect(inner.get('SN0000000001/edge_core.log')?.toString()).toMatch(/edge-main/);
  });

  it('failed with abortingMs: aborting (cancelling) first, then failed', async () => {
    const taskId = sim.edge.createTask([4, 5], { queuedMs: 0, durationMs: 1000, outcome: 'failed', abortingMs: 2000 });
    sim.clock.advance(1500);
    expect((await poll(taskId)).json().data).toMatchObject({ status: 'aborting', finishedAt: null });
    expect(sim.edge.task(taskId)?.state).toBe('cancelling');
    sim.clock.advance(2000);
    expect((await poll(taskId)).json().data).toMatchObject({
      status: 'failed',
      reason: 'failed to dump log for following nodes:(4)node is offline;(5)node is offline;',
      data: null,
    });
    const download = await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`);
    expect(download.status).toBe(400);
    expect(typeof download.json()).toBe('string');
  });

  it('the archive holds the scripted files', async () => {
    sim.edge.createTask([1], {
      queuedMs: 0,
      durationMs: 0,
      files: { 'a.txt': 'hello', 'dir/b.bin': new Uint8Array([1, 2, 3]) },
    });
    const download = await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    const files = untar(gunzipSync(download.body));
    expect(files.get('a.txt')?.toString()).toBe('hello');
    expect([...files.get('dir/b.bin')!]).toEqual([1, 2, 3]);
  });

  it('one export task at a time: a second create while one runs → 400 40052002; a new task replaces the file', async () => {
    sim.edge.createTask([1], { queuedMs: 0, durationMs: 5000 });
    const busy = await create({ module: 'edgeNode', edgeNodes: [2] });
    expect(busy.status).toBe(400);
    expect(busy.json()).toMatchObject({ status: '40052002', data: null });
    sim.clock.advance(5000);
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`)).status).toBe(200);
    sim.edge.script({ durationMs: 5000 });
    expect((await create({ module: 'edgeNode', edgeNodes: [2] })).status).toBe(200);
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`)).status).toBe(400);
  });

  it('the file can be downloaded for one day', async () => {
    sim.edge.createTask([1], { queuedMs: 0, durationMs: 0 });
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`)).status).toBe(200);
    sim.clock.advance(24 * 3600_000 + 1);
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`)).status).toBe(400);
  });

  it('bad input: 00001006 for a bad body or task id, 40051002 for an unknown node, 40052002 for an unknown task', async () => {
    for (const body of [
      { module: 'cloud', edgeNodes: [1] },
      { module: 'edgeNode', edgeNodes: [] },
      { module: 'edgeNode', edgeNodes: [1, 1] },
      { module: 'edgeNode', edgeNodes: [0] },
    ]) {
      const answer = await create(body);
      expect(answer.status).toBe(400);
      expect(answer.json().status).toBe('00001006');
    }
    expect((await poll('not-a-dump-task')).json()).toMatchObject({ status: '00001006', msg: 'invalid task Id' });
    expect((await poll('dumpMultiNodesLog.ffff')).json()).toMatchObject({ status: '40052002' });
    const known = await startSimulator({ seed: 1, edge: { nodeIds: [1, 2] } });
    try {
      const answer = await raw(`${known.edge.baseURL}${TASK}`, {
        method: 'POST',
        body: { module: 'edgeNode', edgeNodes: [1, 9] },
      });
      expect(answer.json()).toMatchObject({ status: '40051002', msg: 'node (9) not found' });
    } finally {
      await known.close();
    }
  });

  it('nginx limits a client to 10 requests a second with a burst of 5 → HTTP 429', async () => {
    const limited = await startSimulator({ seed: 1 });
    try {
      const url = `${limited.edge.baseURL}${TASK}?taskId=dumpMultiNodesLog.x`;
      const statuses = await Promise.all(Array.from({ length: 8 }, () => raw(url).then((a) => a.status)));
      expect(statuses.filter((s) => s === 400)).toHaveLength(6);
      expect(statuses.filter((s) => s === 429)).toHaveLength(2);
      const page = await raw(url);
      expect(page.status).toBe(429);
      expect(page.headers['content-type']).toBe('text/html');
      expect(page.text).toContain('429 Too Many Requests');
      await new Promise((resolve) => setTimeout(resolve, 220));
      expect((await raw(url)).status).toBe(400);
    } finally {
      await limited.close();
    }
  });
});

describe('simulated MEF Center over HTTPS with mutual TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki.dispose());

  const tlsOptions = () => ({
    cert: pki.server.cert,
    key: pki.server.key,
    ca: pki.platformCa,
    serverCa: pki.mefCa,
    clientCert: pki.client.cert,
    clientKey: pki.client.key,
  });

  it('serves MEF only on the TLS listener and hands out the client TLS material', async () => {
    const sim = await startSimulator({ seed: 2, edgeTls: tlsOptions() });
    try {
      expect(sim.edge.baseURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.edge.tls).toEqual({ ca: pki.mefCa, cert: pki.client.cert, key: pki.client.key });
      const created = await raw(`${sim.edge.baseURL}${TASK}`, {
        method: 'POST',
        body: { module: 'edgeNode', edgeNodes: [1] },
        tls: sim.edge.tls!,
      });
      expect(created.json().status).toBe('00000000');
      // The plain listener does not serve MEF any more.
      const plain = await raw(`${sim.guance.baseURL}${TASK}?taskId=dumpMultiNodesLog.x`);
      expect(plain.status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('a missing or untrusted client certificate gets nginx 400 pages; TLS 1.2 only', async () => {
    const sim = await startSimulator({ seed: 2, edgeTls: tlsOptions() });
    try {
      const url = `${sim.edge.baseURL}${TASK}?taskId=dumpMultiNodesLog.x`;
      const none = await raw(url, { tls: { ca: pki.mefCa } });
      expect(none.status).toBe(400);
      expect(none.text).toContain('No required SSL certificate was sent');
      const rogue = await raw(url, { tls: { ca: pki.mefCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key } });
      expect(rogue.status).toBe(400);
      expect(rogue.text).toContain('The SSL certificate error');
      await expect(raw(url, { tls: { ...sim.edge.tls!, minVersion: 'TLSv1.3' } as never })).rejects.toThrow();
      expect(sim.requestsFor('edge').map((r) => r.status)).toEqual([400, 400]);
    } finally {
      await sim.close();
    }
  });

  it("clientCertFailure: 'handshake' refuses the connection instead", async () => {
    const sim = await startSimulator({ seed: 2, edgeTls: { ...tlsOptions(), clientCertFailure: 'handshake' } });
    try {
      const url = `${sim.edge.baseURL}${TASK}?taskId=dumpMultiNodesLog.x`;
      await expect(
        raw(url, { tls: { ca: pki.mefCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key } }),
      ).rejects.toThrow();
      expect((await raw(url, { tls: sim.edge.tls! })).status).toBe(400);
    } finally {
      await sim.close();
    }
  });
});
