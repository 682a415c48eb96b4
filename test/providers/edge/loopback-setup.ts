import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { edgeLogDump, type EdgeLogDump, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import { routeByPath, sendInChunks, type Handler } from '../../helpers/loopback.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ID } from './mef.js';

/**
 * The loopback tests step fake time by exact amounts (the limit has not fired 1 ms before it is due,
 * it has at the mark), which the shared settle helpers, built to run a conversation to its end, do not
 * do; between the steps, the loopback server's I/O runs in these turns.
 */
export { turns, until, type Handler } from '../../helpers/loopback.js';

/** The archive the loopback MEF serves: random bytes, so a copy that drops or reorders any shows. */
export const ARCHIVE = randomBytes(300_000);

/** A query answer for task {@link ID} (finished by default, with the fixed archive name), as JSON text. */
export const answer = (status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    status: '00000000',
    msg: 'success',
    data: {
      taskId: ID,
      status,
      progress: 100,
      reason: '',
      createdAt: null,
      startedAt: null,
      finishedAt: null,
      data: { fileName: 'edgeNodes.tar.gz' },
      ...extra,
    },
  });

/** Answers `body` as JSON with `status`. */
export const json =
  (body: string, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };
/** Sends `bytes` (default: the archive) in 64 KiB chunks, one per event-loop turn. */
export const archive = (bytes: Buffer = ARCHIVE): Handler => sendInChunks(bytes);
/** Headers and the first `bytes` of the archive, then `then` (default: drop the connection). */
export const halfArchive =
  (bytes = 100_000, then: (res: ServerResponse) => void = (res) => res.socket?.destroy()): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(ARCHIVE.length) });
    res.write(ARCHIVE.subarray(0, bytes), () => setImmediate(() => then(res)));
  };

/** A MEF Center played by a real HTTP server on 127.0.0.1, and what a test needs around it. */
export interface LoopbackMef {
  /** The server and the requests it received in this test. */
  readonly server: TestServer;
  /** This test's routes, by path (no query); any other path gets a 404. Reset before each test. */
  routes: Record<string, Handler>;
  /** A fresh directory for this test's downloads, removed after it. */
  readonly dir: string;
  /** An adapter for the server, closed after the test. */
  make(options?: Partial<EdgeLogDumpOptions>): EdgeLogDump;
  /** The paths requested in this test, in order, without their queries. */
  paths(): (string | undefined)[];
}

/**
 * The set-up of the loopback edge tests: one server for the file, fresh routes, requests and download
 * directory for each test, real timers and closed adapters after it. Call once at the top level of a
 * test file.
 */
export function useLoopbackMef(): LoopbackMef {
  let server: TestServer | undefined;
  let dir = '';
  const adapters: EdgeLogDump[] = [];
  const started = (): TestServer => {
    if (!server) throw new Error('the loopback MEF is not started yet (use it inside a test)');
    return server;
  };
  const mef: LoopbackMef = {
    get server() {
      return started();
    },
    routes: {},
    get dir() {
      return dir;
    },
    make(options = {}) {
      const edge = edgeLogDump({ baseURL: started().url, ...options });
      adapters.push(edge);
      return edge;
    },
    paths: () => started().requests.map((r) => r.url.split('?')[0]),
  };
  beforeAll(async () => {
    server = await startTestServer();
    routeByPath(server, () => mef.routes);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskpoll-edge-'));
    mef.routes = {};
    started().requests.length = 0;
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const edge of adapters.splice(0)) edge.close();
    await rm(dir, { recursive: true, force: true });
  });
  return mef;
}
