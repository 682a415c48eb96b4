import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, TaskFailedError, TaskNotFoundError, waitForTask } from '../../../src/index.js';
import { edgeLogDump, type EdgeLogDump, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/testing/index.js';
import { makeTestPki, type TestPki } from '../../helpers/mtls.js';

const FAST = {
  initialDelayMs: 10,
  maxDelayMs: 40,
  jitter: 0,
  timeoutMs: 8000,
  retry: { retries: 5, minDelayMs: 5, maxDelayMs: 100 },
} as const;

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.dispose());

const sims: Simulator[] = [];
const adapters: EdgeLogDump[] = [];
afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.close();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ seed: 303, timeScale: 600, ...options });
  sims.push(sim);
  return sim;
}
function edge(options: EdgeLogDumpOptions): EdgeLogDump {
  const adapter = edgeLogDump(options);
  adapters.push(adapter);
  return adapter;
}
const mtls = () => ({
  edgeTls: {
    cert: pki.server.cert,
    key: pki.server.key,
    ca: pki.platformCa,
    serverCa: pki.mefCa,
    clientCert: pki.client.cert,
    clientKey: pki.client.key,
  },
});

/** Names of the entries of a tar archive. */
function tarNames(archive: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    names.push(header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, ''));
    const size = parseInt(header.subarray(124, 136).toString('ascii'), 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('edgeLogDump against the simulator', () => {
  it('over mutual TLS: submit → waiting → processing → succeed, then download the real tar.gz', async () => {
    const sim = await start(mtls());
    sim.edge.script({ queuedMs: 6000, durationMs: 60_000 });
    const dump = edge({ baseURL: sim.edge.baseURL, tls: sim.edge.tls!, pacing: false });
    const taskId = await dump.submit({ edgeNodes: [2, 7] });
    const progress: number[] = [];
    const done = await waitForTask(dump, taskId, { ...FAST, onProgress: (s) => void progress.push(s.progress ?? -1) });
    expect(done).toMatchObject({
      provider: 'edge.logDump',
      taskId,
      state: 'succeeded',
      providerState: 'succeed',
      progress: 100,
      result: { fileName: 'edgeNodes.tar.gz' },
    });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const downloaded = await dump.download(done, sink);
    const archive = Buffer.concat(chunks);
    expect(downloaded).toMatchObject({ taskId, bytes: archive.length });
    expect(tarNames(gunzipSync(archive))).toEqual(['SN0000000002.tar.gz', 'SN0000000007.tar.gz']);
  });

  it('an untrusted client certificate → AuthenticationError from the nginx 400 page', async () => {
    const sim = await start(mtls());
    const taskId = sim.edge.createTask([1]);
    const rogue = edge({
      baseURL: sim.edge.baseURL,
      tls: { ca: pki.mefCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      pacing: false,
    });
    await expect(waitForTask(rogue, taskId, FAST)).rejects.toBeInstanceOf(AuthenticationError);
    expect(sim.requestsFor('edge')).toHaveLength(1); // not retried
  });

  it("clientCertFailure: 'handshake' drops the connection: the wait fails with a network error", async () => {
    const sim = await start({ edgeTls: { ...mtls().edgeTls, clientCertFailure: 'handshake' } });
    const taskId = sim.edge.createTask([1]);
    const rogue = edge({
      baseURL: sim.edge.baseURL,
      tls: { ca: pki.mefCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      pacing: false,
    });
    await expect(waitForTask(rogue, taskId, { ...FAST, retry: false })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      errno: 'ECONNRESET',
    });
    expect(sim.requests).toHaveLength(0); // no HTTP request ever arrived
  });

  it('partiallyFailed: TaskFailedError by default, resolved with acceptPartial, still downloadable', async () => {
    const sim = await start();
    const dump = edge({ baseURL: sim.edge.baseURL, pacing: false });
    const taskId = sim.edge.createTask([1, 2, 3], { queuedMs: 0, durationMs: 6000, outcome: 'partial' });
    await expect(waitForTask(dump, taskId, FAST)).rejects.toBeInstanceOf(TaskFailedError);
    const done = await waitForTask(dump, taskId, { ...FAST, acceptPartial: true });
    expect(done).toMatchObject({
      state: 'partial',
      message: 'failed to dump log for following nodes:(3)node is offline;',
    });
    const sink = new PassThrough();
    sink.resume();
    await expect(dump.download(taskId, sink)).resolves.toMatchObject({ taskId });
  });

  it('failed after aborting: the wait sees cancelling, then TaskFailedError', async () => {
    const sim = await start();
    // Default pacing (10 a second): polling faster for a whole second would trip MEF's own limit.
    const dump = edge({ baseURL: sim.edge.baseURL });
    const taskId = sim.edge.createTask([4], { queuedMs: 0, durationMs: 3000, outcome: 'failed', abortingMs: 600_000 }); // 1 s of real time: wide enough to be seen under load
    const states = new Set<string>();
    const error = await waitForTask(dump, taskId, { ...FAST, onProgress: (s) => void states.add(s.state) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(states).toContain('cancelling');
    await expect(dump.download(taskId, new PassThrough())).rejects.toBeInstanceOf(TaskFailedError);
  });

  it('an unknown task → TaskNotFoundError; a second submit while one runs is refused', async () => {
    const sim = await start();
    const dump = edge({ baseURL: sim.edge.baseURL, pacing: false });
    await expect(waitForTask(dump, 'dumpMultiNodesLog.0123456789abcdef01234567', FAST)).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    sim.edge.script({ durationMs: 3_600_000 });
    await dump.submit({ edgeNodes: [1] });
    await expect(dump.submit({ edgeNodes: [2] })).rejects.toMatchObject({ providerCode: '40052002' });
  });

  it("many waits on one adapter share its pacing, which keeps under MEF's nginx limit (10/s, burst 5): no 429", async () => {
    const sim = await start({ timeScale: 1200 });
    const dump = edge({ baseURL: sim.edge.baseURL });
    const ids = Array.from({ length: 8 }, () => sim.edge.createTask([1], { queuedMs: 0, durationMs: 600 }));
    const done = await Promise.all(ids.map((id) => waitForTask(dump, id, { ...FAST, timeoutMs: 15_000 })));
    expect(done.every((d) => d.state === 'succeeded')).toBe(true);
    const polls = sim.requestsFor('edge', 'edge.queryTask');
    // Serial calls: never two at once (every request answered before the next arrived is what maxConcurrency 1 gives).
    expect(polls.length).toBeGreaterThanOrEqual(8);
    const refused = polls.filter((r) => r.status === 429).length;
    expect(refused).toBe(0);
  });
});
