import { createServer } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  ProviderError,
  TaskNotFoundError,
  defineAdapter,
  waitForTask,
  type TaskAdapter,
} from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const API_KEY = 'df-canary-5a0c7e19d2b34f68';
const DGC_TOKEN = 'MIIdgc-canary-token-31f4';
const WF_TOKEN = 'wf-canary-token-8e2d';
const PROJECT = '0123456789abcdef0123456789abcdef';
const GUANCE_ID = 'logminetaskchcbedk24lokg5cqfdb0';
const EDGE_ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
const DGC_ID = '008aae2e675d3bcb01675d3c66f20000';
const WF_TASK = 'a'.repeat(32);

/** One poll, no retry, no waiting: the first answer decides. */
const ONCE = {
  initialDelayMs: 0,
  maxDelayMs: 0,
  jitter: 0,
  retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 },
} as const;

/** Any of the four adapters, as the tests use them. */
type Adapter = TaskAdapter<unknown, unknown> & { close(): void };
const loose = (adapter: { close(): void }): Adapter => adapter as unknown as Adapter;

interface Factory {
  name: string;
  /** The option that carries the base URL. */
  option: string;
  make(base: string): Adapter;
  ref: unknown;
  /** The path the poll is sent to, below the base URL. */
  pollPath: string;
}

const factories: Factory[] = [
  {
    name: 'guanceLogmine',
    option: 'baseURL',
    make: (base) => loose(guanceLogmine({ apiKey: API_KEY, baseURL: base, pacing: false })),
    ref: GUANCE_ID,
    pollPath: '/api/v1/logmine/query_task',
  },
  {
    name: 'edgeLogDump',
    option: 'baseURL',
    make: (base) => loose(edgeLogDump({ baseURL: base, pacing: false })),
    ref: EDGE_ID,
    pollPath: '/edgemanager/v1/logmgmt/dump/task',
  },
  {
    name: 'dgcSystemTasks',
    option: 'endpoint',
    make: (base) =>
      loose(dgcSystemTasks({ endpoint: base, projectId: PROJECT, auth: { token: DGC_TOKEN }, pacing: false })),
    ref: DGC_ID,
    pollPath: `/v1/${PROJECT}/system-tasks/${DGC_ID}`,
  },
  {
    name: 'workflowTasks',
    option: 'baseURL',
    make: (base) => loose(workflowTasks({ baseURL: base, token: WF_TOKEN, pacing: false })),
    ref: { jobId: 7, taskId: WF_TASK },
    pollPath: '/api-open/v1/jobs/7',
  },
];

/** Base URLs whose path, joined as a reference, would name another host. */
const HOST_MOVING = [
  'http://a.example//evil.example:8080',
  'https://a.example//evil.example:8080/api/',
  'http://a.example/\\evil.example',
  'http://a.example/\\\\evil.example:8080',
  'http://a.example/x/..//evil.example',
  'http://a.example/\t/evil.example',
];

const adapters: { close(): void }[] = [];
const track = <A extends { close(): void }>(adapter: A): A => {
  adapters.push(adapter);
  return adapter;
};
afterEach(() => {
  for (const adapter of adapters.splice(0)) adapter.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe("request URLs keep the base URL's host (nock, no network)", () => {
  let unmatched: string[] = [];
  const onNoMatch = (req: { host?: string; path?: string }) => unmatched.push(`${req.host ?? ''}${req.path ?? ''}`);
  beforeAll(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });
  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
  });
  beforeEach(() => {
    unmatched = [];
  });
  afterEach(() => {
    nock.cleanAll();
  });

  describe.each(factories)('$name', (factory) => {
    it.each(HOST_MOVING)(
      `a ${factory.option} such as %j throws a TypeError naming the option at once; no request leaves`,
      (base) => {
        const evil = nock('http://evil.example:8080').get(/.*/).query(true).reply(200, {});
        const legit = nock('http://a.example').get(/.*/).query(true).reply(200, {});
        let thrown: unknown;
        try {
          track(factory.make(base));
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(TypeError);
        expect((thrown as Error).message).toContain(factory.option);
        expect((thrown as Error).message).not.toContain('canary');
        expect(evil.isDone()).toBe(false);
        expect(legit.isDone()).toBe(false);
        expect(unmatched).toEqual([]);
      },
    );

    it('a legit base path (https://api.example/prefix/) is kept, and a 404 names the path sent and says the URL may be wrong', async () => {
      const scope = nock('https://api.example')
        .get(`/prefix${factory.pollPath}`)
        .query(true)
        .reply(404, 'Not Found', { 'content-type': 'text/plain' });
      const adapter = track(factory.make('https://api.example/prefix/'));
      const error = await rejection(waitForTask(adapter, factory.ref, ONCE));
      expect(scope.isDone()).toBe(true);
      expect(unmatched).toEqual([]);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ httpStatus: 404, transient: false });
      expect(error.message).toContain(`GET /prefix${factory.pollPath} answered HTTP 404`);
      expect(error.message).toContain('the URL may be wrong');
      expect(error.message).not.toContain('?');
    });
  });

  it('a connection reset on https://api.example: the NetworkError names api.example:443 (the default port written out)', async () => {
    const scope = nock('https://api.example')
      .get('/api/v1/logmine/query_task')
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const logmine = track(guanceLogmine({ apiKey: API_KEY, baseURL: 'https://api.example', pacing: false }));
    const error = await rejection(waitForTask(logmine, GUANCE_ID, ONCE));
    expect(scope.isDone()).toBe(true);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ errno: 'ECONNRESET', host: 'api.example', port: 443 });
    expect(error.message).toBe('guance.logmine: GET /api/v1/logmine/query_task to api.example:443 failed: ECONNRESET');
  });
});

describe('a wrong base path against the simulator: an HttpError naming the path sent, not a TaskNotFoundError', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ seed: 77, rateLimits: false });
  });
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) adapter.close();
    await sim.close();
  });

  it('guance: an extra /api/v1 answers 404 ft.NotFound → HttpError; an unknown task on the right base stays TaskNotFoundError', async () => {
    const wrong = track(
      guanceLogmine({ baseURL: `${sim.guance.baseURL}/api/v1`, apiKey: sim.guance.apiKey, pacing: false }),
    );
    const error = await rejection(waitForTask(wrong, GUANCE_ID, ONCE));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ httpStatus: 404, provider: 'guance.logmine', taskId: GUANCE_ID, transient: false });
    expect(error.message).toContain('GET /api/v1/api/v1/logmine/query_task answered HTTP 404');
    expect(error.message).toContain('ft.NotFound');
    expect(error.message).toContain('the URL may be wrong');
    expect(error.message).not.toContain(sim.guance.apiKey);

    const right = track(guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false }));
    const missing = await rejection(waitForTask(right, GUANCE_ID, ONCE));
    expect(missing).toBeInstanceOf(TaskNotFoundError);
    expect(missing.message).toContain('GET /api/v1/logmine/query_task answered');
  });

  it("edge: an extra /edgemanager/v1 answers nginx's 404 page → HttpError naming the doubled path", async () => {
    const wrong = track(edgeLogDump({ baseURL: `${sim.edge.baseURL}/edgemanager/v1`, pacing: false }));
    const error = await rejection(waitForTask(wrong, EDGE_ID, ONCE));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false });
    expect(error.message).toContain('GET /edgemanager/v1/edgemanager/v1/logmgmt/dump/task answered HTTP 404');
    expect(error.message).toContain('the URL may be wrong');

    const right = track(edgeLogDump({ baseURL: sim.edge.baseURL, pacing: false }));
    expect(await rejection(waitForTask(right, EDGE_ID, ONCE))).toBeInstanceOf(TaskNotFoundError);
  });

  it('dgc: an extra /v1 answers 404 APIG.0101 (no such API) → HttpError, not ProviderError; DLF.0810 stays TaskNotFoundError', async () => {
    const make = (endpoint: string) =>
      track(dgcSystemTasks({ endpoint, projectId: sim.dgc.projectId, auth: { token: sim.dgc.token }, pacing: false }));
    const error = await rejection(waitForTask(make(`${sim.dgc.endpoint}/v1`), DGC_ID, ONCE));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ httpStatus: 404, taskId: DGC_ID, transient: false });
    expect(error.message).toContain(`GET /v1/v1/${sim.dgc.projectId}/system-tasks/${DGC_ID} answered HTTP 404`);
    expect(error.message).toContain('APIG.0101');
    expect(error.message).toContain('the URL may be wrong');
    expect(error.message).not.toContain(sim.dgc.token);

    expect(await rejection(waitForTask(make(sim.dgc.endpoint), DGC_ID, ONCE))).toBeInstanceOf(TaskNotFoundError);
  });

  it('workflow: a wrong base path at login → HttpError, not "login refused"; a 40404000 job names the path sent', async () => {
    const base = `${sim.workflow.baseURL}/api-open/v2`;
    const login = track(workflowTasks({ baseURL: base, credentials: sim.workflow.credentials, pacing: false }));
    const error = await rejection(waitForTask(login, { jobId: 987654, taskId: WF_TASK }, ONCE));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ httpStatus: 404, transient: false });
    expect(error.message).toContain('POST /api-open/v2/api-open/v1/connect answered HTTP 404');
    expect(error.message).toContain('the URL may be wrong');
    expect(error.message).not.toContain(sim.workflow.credentials.password);

    const withToken = track(workflowTasks({ baseURL: base, token: sim.workflow.token, pacing: false }));
    const missing = await rejection(waitForTask(withToken, { jobId: 987654, taskId: WF_TASK }, ONCE));
    expect(missing).toBeInstanceOf(TaskNotFoundError);
    expect(missing.message).toContain('GET /api-open/v2/api-open/v1/jobs/987654 answered HTTP 404, code 40404000');
  });
});

describe('a NetworkError names the host and port it could not reach', () => {
  /** A loopback port nothing listens on (bound, then released). */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('connection refused: host and port in the message and as fields, never the query', async () => {
    const port = await closedPort();
    const logmine = track(guanceLogmine({ baseURL: `http://127.0.0.1:${port}`, apiKey: API_KEY, pacing: false }));
    const error = await rejection(waitForTask(logmine, GUANCE_ID, ONCE));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ errno: 'ECONNREFUSED', host: '127.0.0.1', port });
    expect(error.message).toBe(
      `guance.logmine: GET /api/v1/logmine/query_task to 127.0.0.1:${port} failed: ECONNREFUSED`,
    );
    expect(JSON.stringify(error)).not.toContain('taskId=');
    expect(JSON.stringify(error)).not.toContain(API_KEY);
  });

  it('a custom adapter on fetch: host and port read from the system error, never the query', async () => {
    const port = await closedPort();
    const adapter = defineAdapter<string, unknown>({
      provider: 'custom.fetch',
      async getStatus(id, { signal }) {
        await fetch(`http://127.0.0.1:${port}/jobs/${id}?token=query-canary`, { signal });
        return { state: 'running', providerState: 'running' };
      },
    });
    const error = await rejection(waitForTask(adapter, 'j1', ONCE));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ host: '127.0.0.1', port });
    expect(error.message).toContain(`to 127.0.0.1:${port} failed`);
    expect(JSON.stringify(error)).not.toContain('query-canary');
  });

  describe('with fake time', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
      server.handle(() => undefined); // never answers
    });
    afterAll(async () => {
      await server.close();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("no answer within the adapter's requestTimeoutMs (a call of its own): a timed-out NetworkError with the host and port", async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
      const port = Number(new URL(server.url).port);
      const seen = server.requests.length;
      const workflow = track(
        workflowTasks({ baseURL: server.url, token: WF_TOKEN, pacing: false, requestTimeoutMs: 1000 }),
      );
      const outcome = workflow.getJob(7).then(
        () => new Error('expected a rejection'),
        (e: unknown) => e as Error,
      );
      while (server.requests.length === seen) await new Promise<void>((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(1000);
      const error = await outcome;
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ timedOut: true, host: '127.0.0.1', port });
      expect(error.message).toBe(
        `workflow.task: GET /api-open/v1/jobs/7 to 127.0.0.1:${port} got no answer within 1000 ms`,
      );
    });
  });
});
