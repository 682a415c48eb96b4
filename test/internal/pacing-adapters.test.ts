import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  HttpError,
  NetworkError,
  ProviderError,
  TaskFailedError,
  waitForTask,
  type TaskAdapter,
  type TaskStatus,
} from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump, type EdgeLogDumpOptions, type EdgeLogDumpResult } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { routeByPath, sendInChunks, settledYet, turns, until, type Handler } from '../helpers/loopback.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The shared pacer as users meet it: through the provider factories' adapters, against a real
 * loopback server. Time spent queued for a slot, close(), abort fan-out, rate-limit floors, pacerStats().
 */

const EDGE_TASK = '/edgemanager/v1/logmgmt/dump/task';
const EDGE_DOWNLOAD = '/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz';
const EDGE_ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const WF_TASK = '8c171f70fb6f11ecac7e6da0662c195b';
const ARCHIVE = randomBytes(200_000);
const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] };

const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
/** Answers with `handler` after `ms` of (possibly fake) time. */
const answerAfter =
  (ms: number, handler: Handler): Handler =>
  (req, res) => {
    setTimeout(() => handler(req, res), ms);
  };
/** Never answers (the adapter's close() ends the connection). */
const hold: Handler = () => undefined;
const edgeStatus = (status: string) => ({
  status: '00000000',
  msg: 'success',
  data: {
    taskId: EDGE_ID,
    status,
    progress: 100,
    reason: '',
    createdAt: null,
    startedAt: null,
    finishedAt: null,
    data: { fileName: 'edgeNodes.tar.gz' },
  },
});
const archive = sendInChunks(ARCHIVE);
const finished: TaskStatus<EdgeLogDumpResult> = {
  provider: 'edge.logDump',
  taskId: EDGE_ID,
  state: 'succeeded',
  terminal: true,
  providerState: 'succeed',
  result: { fileName: 'edgeNodes.tar.gz' },
  raw: {},
};

let server: TestServer;
let routes: Record<string, Handler> = {};
let dir: string;
const adapters: { close(): void }[] = [];
function track<A extends { close(): void }>(adapter: A): A {
  adapters.push(adapter);
  return adapter;
}
const edge = (options: Partial<EdgeLogDumpOptions> = {}) => track(edgeLogDump({ baseURL: server.url, ...options }));
const paths = () => server.requests.map((r) => r.url.split('?')[0]);
/** The promise's outcome if it settles within a few event-loop turns, else 'pending'. */
const soon = async <T>(promise: Promise<T>): Promise<T | 'pending'> =>
  Promise.race([promise, turns(10).then(() => 'pending' as const)]);

beforeAll(async () => {
  server = await startTestServer();
  routeByPath(server, () => routes);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  routes = {};
  server.requests.length = 0;
  dir = await mkdtemp(join(tmpdir(), 'taskpoll-pacing-'));
});
afterEach(async () => {
  vi.useRealTimers();
  for (const adapter of adapters.splice(0)) adapter.close();
  await rm(dir, { recursive: true, force: true });
});

describe("time spent queued for a pacing slot is not request time, for the adapters' own limits", () => {
  it.each([
    ['the header limit (requestTimeoutMs: 2000)', { requestTimeoutMs: 2000 }],
    ['the whole-download limit (downloadTimeoutMs: 2000)', { downloadTimeoutMs: 2000 }],
  ])(
    "an edge download queued 2.5 s behind a wait's slow poll (serial pacing) goes before the other wait's queued poll and succeeds: %s does not run while it waits",
    async (_name, limits) => {
      vi.useFakeTimers(FAKE);
      routes = { [EDGE_TASK]: answerAfter(2500, json(edgeStatus('succeed'))), [EDGE_DOWNLOAD]: archive };
      const adapter = edge(limits);
      const waits = [waitForTask(adapter, EDGE_ID), waitForTask(adapter, EDGE_ID)];
      const target = join(dir, 'logs.tar.gz');
      const download = adapter.download(finished, target);
      const downloaded = settledYet(download);
      const queued = () => adapter.pacerStats()?.queued;
      const state = () => `; pacer: ${JSON.stringify(adapter.pacerStats())}; requests: ${JSON.stringify(paths())}`;
      // The download queues only after real file work of its own (the destination checked, its temporary
      // file opened), which the first poll's round trip can beat: fake time moves once the download and
      // the second wait's poll both wait for the slot, the download's limits paused.
      await until(
        () => server.requests.length === 1 && queued()?.calls === 1 && queued()?.polls === 1,
        () => `the first poll at the server, the download and the second poll queued${state()}`,
      );
      await vi.advanceTimersByTimeAsync(2500);
      // The download is the adapter's own call: it takes the next slot, before the second wait's poll,
      // and runs on real I/O alone while fake time stands still.
      await until(downloaded, () => `the download to settle${state()}`);
      expect(await download).toEqual({ taskId: EDGE_ID, bytes: ARCHIVE.length, path: target });
      // Nothing real is in flight: the download gave its slot back and the second poll waits for the next.
      expect(adapter.pacerStats()).toMatchObject({ inFlight: 0, queued: { polls: 1, calls: 0 } });
      // The second poll's slot: 100 ms (and the margin) after the download's.
      await vi.advanceTimersByTimeAsync(200);
      await until(
        () => server.requests.length === 3,
        () => `the second wait's poll at the server${state()}`,
      );
      await vi.advanceTimersByTimeAsync(2500);
      expect(paths()).toEqual([EDGE_TASK, EDGE_DOWNLOAD, EDGE_TASK]);
      expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
      const waited = settledYet(Promise.all(waits));
      await until(waited, () => `both waits to end${state()}`);
      expect((await Promise.all(waits)).map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    },
  );

  it("a workflow wait waiting for a re-login that is queued behind another wait's slow poll keeps its request time for the wire", async () => {
    vi.useFakeTimers(FAKE);
    let logins = 0;
    const job = (id: number, status: number) => ({
      code: 0,
      message: 'Success',
      data: {
        id,
        name: `job_${id}`,
        workflowId: '4216617528',
        workflowName: 'wf',
        status,
        tasks: [{ id: WF_TASK, name: 'PageRank', status, runBeginTime: '2022-07-15T17:33:35+08:00', runEndTime: '' }],
        runBeginTime: 1657877615000,
        runEndTime: 0,
        createTime: 1657877612505,
      },
    });
    routes = {
      '/api-open/v1/connect': (_req, res) => {
        logins += 1;
        res.writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': `explorer_token=T${logins}; Path=/; HttpOnly`,
        });
        res.end(JSON.stringify({ code: 0, data: { success: true }, message: 'Success' }));
      },
      // Jobs 1 and 3 take 1.5 s to answer (failed, to end their waits); job 2 refuses the first session.
      '/api-open/v1/jobs/1': answerAfter(1500, json(job(1, 3))),
      '/api-open/v1/jobs/3': answerAfter(1500, json(job(3, 3))),
      '/api-open/v1/jobs/2': (req, res) =>
        req.headers.cookie === 'explorer_token=T1'
          ? json({ code: 40104000, message: 'ErrUnauthorized' })(req, res)
          : json(job(2, 2))(req, res),
      [`/api-open/v1/jobs/2/tasks/${WF_TASK}/sample_result`]: json({
        code: 0,
        data: { items: [] },
        message: 'Success',
      }),
    };
    const wf = track(
      workflowTasks({
        baseURL: server.url,
        credentials: { username: 'root', password: 'secret-pw', graphAddress: 'graphd', graphPort: 9669 },
        pacing: { maxConcurrency: 1 },
      }),
    );
    // B's poll is refused after A's (1.5 s); its re-login then waits behind C's poll (1.5 s), longer than B's 1 s limit.
    const a = waitForTask(wf, { jobId: 1, taskId: WF_TASK }).catch((e: unknown) => e);
    const b = waitForTask(wf, { jobId: 2, taskId: WF_TASK }, { requestTimeoutMs: 1000, retry: false });
    const c = waitForTask(wf, { jobId: 3, taskId: WF_TASK }).catch((e: unknown) => e);
    let settled = false;
    void b.then(
      () => (settled = true),
      () => (settled = true),
    );
    const queued = () => wf.pacerStats()?.queued;
    // Fake time moves only once the calls that must wait through it are queued (their clocks paused).
    await until(
      () => server.requests.length === 2 && queued()?.polls === 2,
      "the login, then A's poll at the server; B's and C's polls queued",
    );
    await vi.advanceTimersByTimeAsync(1500);
    await until(
      () => server.requests.length === 4 && queued()?.calls === 1,
      "B's refused poll, then C's at the server; B's re-login queued",
    );
    await vi.advanceTimersByTimeAsync(1500);
    await until(() => server.requests.length === 7 || settled, "the re-login, B's poll again and its rows");
    expect((await b).state).toBe('succeeded');
    expect(logins).toBe(2);
    expect(await a).toBeInstanceOf(TaskFailedError);
    expect(await c).toBeInstanceOf(TaskFailedError);
  });
});

describe('close()', () => {
  it('rejects the calls waiting for a pacing slot at once with a NetworkError saying the adapter was closed; later calls too; nothing more is sent', async () => {
    routes = { [EDGE_TASK]: hold };
    const adapter = edge();
    void adapter.getStatus(EDGE_ID, { signal: new AbortController().signal }).catch(() => undefined);
    const queued = [
      adapter.submit({ edgeNodes: [1, 2] }).catch((e: unknown) => e),
      adapter.getStatus(EDGE_ID, { signal: new AbortController().signal }).catch((e: unknown) => e),
      waitForTask(adapter, EDGE_ID).catch((e: unknown) => e),
    ];
    await until(() => server.requests.length === 1);
    await turns();
    adapter.close();
    const outcomes = await soon(Promise.all(queued));
    expect(outcomes).not.toBe('pending');
    for (const error of outcomes as unknown[]) {
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ provider: 'edge.logDump', transient: false });
      expect((error as Error).message).toMatch(/was not sent: the adapter was closed$/);
    }
    const later = await soon(adapter.submit({ edgeNodes: [3] }).catch((e: unknown) => e));
    expect(later).toBeInstanceOf(NetworkError);
    expect((later as Error).message).toBe(
      'edge.logDump: POST /edgemanager/v1/logmgmt/dump/task was not sent: the adapter was closed',
    );
    await turns();
    expect(server.requests).toHaveLength(1);
    expect(adapter.pacerStats()).toMatchObject({ waiting: 0 });
  });
});

describe('calls queued in a pacer subscribe to a shared signal through the fan-out', () => {
  it('40 submits sharing one signal: no MaxListenersExceededWarning, and aborting still rejects each with the reason', async () => {
    routes = { [EDGE_TASK]: hold };
    const adapter = edge();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const calls = Array.from({ length: 40 }, () =>
        adapter.submit({ edgeNodes: [1] }, { signal: controller.signal }).catch((e: unknown) => e),
      );
      await until(() => server.requests.length === 1);
      await turns();
      const reason = new Error('shutting down');
      controller.abort(reason);
      const outcomes = await Promise.all(calls);
      expect(outcomes.every((outcome) => outcome === reason)).toBe(true);
      await turns();
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(server.requests).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe("a rate-limit answer without Retry-After waits the provider's floor", () => {
  it.each([
    [
      'dgc: 429 APIG.0308 → 2 s (Huawei: retry after 2-5 s)',
      () => track(dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 'iam-token' } })),
      `/v1/${PROJECT}/jobs/import`,
      json({ error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' }, 429),
      (a: ReturnType<typeof dgcSystemTasks>) => a.importJobs({ path: 'obs://bucket/jobs.zip' }),
      ProviderError,
      2000,
    ],
    [
      'dgc: 400 APIG.0308 → 2 s too (the status of a throttled answer is not documented)',
      () => track(dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 'iam-token' } })),
      `/v1/${PROJECT}/jobs/import`,
      json({ error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' }, 400),
      (a: ReturnType<typeof dgcSystemTasks>) => a.importJobs({ path: 'obs://bucket/jobs.zip' }),
      ProviderError,
      2000,
    ],
    [
      'guance: a bare 429 → 3 s (one slot of 20 a minute)',
      () => track(guanceLogmine({ apiKey: 'df-key', baseURL: server.url })),
      '/api/v1/logmine/send_task',
      json({}, 429),
      (a: ReturnType<typeof guanceLogmine>) => a.submit({ analysisField: 'message' }),
      HttpError,
      3000,
    ],
    [
      'guance: 401 ft.TriggerApiAkCurrentLimiting → 3 s',
      () => track(guanceLogmine({ apiKey: 'df-key', baseURL: server.url })),
      '/api/v1/logmine/send_task',
      json(
        { code: 401, errorCode: 'ft.TriggerApiAkCurrentLimiting', message: 'limited', success: false, content: null },
        401,
      ),
      (a: ReturnType<typeof guanceLogmine>) => a.submit({ analysisField: 'message' }),
      ProviderError,
      3000,
    ],
    [
      'edge: 429 → 1 s (one window of 10 a second)',
      () => edge(),
      EDGE_TASK,
      json({}, 429),
      (a: ReturnType<typeof edgeLogDump>) => a.submit({ edgeNodes: [1] }),
      HttpError,
      1000,
    ],
    [
      'workflow: 429 → no floor (no rate limit is documented)',
      () => track(workflowTasks({ baseURL: server.url, token: 'explorer-token' })),
      '/api-open/v1/workflows/4216617528/jobs',
      json({}, 429),
      (a: ReturnType<typeof workflowTasks>) => a.runJob(4216617528),
      HttpError,
      undefined,
    ],
  ] as const)('%s', async (_name, make, path, answer, call, type, floorMs) => {
    vi.useFakeTimers(FAKE);
    routes = { [path]: answer };
    const adapter = make();
    const error = await (call as (a: ReturnType<typeof make>) => Promise<unknown>)(adapter).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ transient: true, retryAfterMs: floorMs });
    expect(adapter.pacerStats()?.pausedUntil).toBe(floorMs === undefined ? undefined : Date.now() + floorMs);
  });

  it('a Retry-After the server sends wins over the floor', async () => {
    vi.useFakeTimers(FAKE);
    routes = {
      [`/v1/${PROJECT}/jobs/import`]: json({ error_code: 'APIG.0308', error_msg: 'throttled' }, 429, {
        'retry-after': '7',
      }),
    };
    const dgc = track(dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 'iam-token' } }));
    const error = await dgc.importJobs({ path: 'obs://bucket/jobs.zip' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ providerCode: 'APIG.0308', retryAfterMs: 7000 });
    expect(dgc.pacerStats()?.pausedUntil).toBe(Date.now() + 7000);
  });

  it('dgc: a wait throttled with APIG.0308 polls again only after 2 s, then succeeds', async () => {
    vi.useFakeTimers(FAKE);
    let polls = 0;
    routes = {
      [`/v1/${PROJECT}/system-tasks/task-1`]: (req, res) => {
        polls += 1;
        if (polls === 1)
          json({ error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached' }, 429)(req, res);
        else
          json({
            id: 'task-1',
            name: 'Import',
            status: 'SUCCESSFUL',
            startTime: 1544777081000,
            lastUpdate: 1544777083000,
          })(req, res);
      },
    };
    const dgc = track(dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 'iam-token' } }));
    const wait = waitForTask(dgc, 'task-1');
    // The 429 is read (the pacer paused, the slot back) before fake time moves.
    await until(
      () => polls === 1 && dgc.pacerStats()?.inFlight === 0 && dgc.pacerStats()?.pausedUntil !== undefined,
      'the throttled poll answered and read',
    );
    await vi.advanceTimersByTimeAsync(1999);
    await turns();
    expect(polls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => polls === 2, 'the poll after the 2 s floor');
    expect((await wait).state).toBe('succeeded');
  });
});

describe('pacerStats()', () => {
  it("every factory's adapter reports its pacer (undefined with pacing: false); TaskAdapter has it as optional", () => {
    const made: TaskAdapter<never, unknown>[] = [
      track(guanceLogmine({ apiKey: 'df-key', baseURL: server.url })),
      edge(),
      track(dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 'iam-token' } })),
      track(workflowTasks({ baseURL: server.url, token: 'explorer-token' })),
    ];
    // The window's limit is each default's requestsPerInterval (workflow's default only caps concurrency).
    const limits = [20, 1, 2, undefined];
    made.forEach((adapter, i) => {
      expect(adapter.pacerStats?.()).toEqual({
        started: 0,
        delayed: 0,
        waiting: 0,
        inFlight: 0,
        pausedUntil: undefined,
        queued: { polls: 0, calls: 0, cancels: 0 },
        window: limits[i] === undefined ? undefined : { used: 0, limit: limits[i] },
      });
    });
    expect(track(guanceLogmine({ apiKey: 'df-key', baseURL: server.url, pacing: false })).pacerStats()).toBeUndefined();
    expect(edge({ pacing: false }).pacerStats()).toBeUndefined();
    expect(
      track(
        dgcSystemTasks({ endpoint: server.url, projectId: PROJECT, auth: { token: 't' }, pacing: false }),
      ).pacerStats(),
    ).toBeUndefined();
    expect(
      track(workflowTasks({ baseURL: server.url, token: 'explorer-token', pacing: false })).pacerStats(),
    ).toBeUndefined();
  });

  it('counts calls waiting, in flight, started and delayed; a snapshot the caller cannot change', async () => {
    routes = { [EDGE_TASK]: hold };
    const adapter = edge();
    for (let i = 0; i < 3; i += 1)
      void adapter.getStatus(EDGE_ID, { signal: new AbortController().signal }).catch(() => undefined);
    await until(() => server.requests.length === 1);
    const stats = adapter.pacerStats();
    expect(stats).toEqual({
      started: 1,
      delayed: 2,
      waiting: 2,
      inFlight: 1,
      pausedUntil: undefined,
      queued: { polls: 0, calls: 2, cancels: 0 },
      window: { used: 1, limit: 1 },
    });
    (stats as { waiting: number }).waiting = 99;
    expect(adapter.pacerStats()?.waiting).toBe(2);
  });
});

describe('a download body that fails midway keeps its cause', () => {
  it('a corrupt gzip archive → NetworkError whose cause is a safe copy of the zlib error (no raw transport error), no file left', async () => {
    // A gzip header whose deflate data is garbage: zlib fails once it reads the first block.
    const corrupt = Buffer.concat([gzipSync(ARCHIVE).subarray(0, 10), Buffer.alloc(5000, 0xff)]);
    routes = {
      [EDGE_DOWNLOAD]: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
        res.end(corrupt);
      },
    };
    const adapter = edge();
    const error = await adapter.download(finished, join(dir, 'logs.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const cause = (error as Error).cause as Error & { code?: string; config?: unknown };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.code).toMatch(/^Z_/);
    expect(cause.message).not.toBe('');
    expect(cause.config).toBeUndefined();
    expect((error as NetworkError).toJSON()['cause']).toMatchObject({ code: cause.code });
    expect(await readdir(dir)).toEqual([]);
  });
});
