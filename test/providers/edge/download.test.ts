import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { edgeLogDump, type EdgeLogDump, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import {
  HttpError,
  NetworkError,
  ProviderError,
  ResponseValidationError,
  TaskFailedError,
  waitForTask,
  type TaskStatus,
} from '../../../src/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const TASK_PATH = '/edgemanager/v1/logmgmt/dump/task';
const DOWNLOAD_PATH = '/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz';
const ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
const ARCHIVE = randomBytes(300_000);

const answer = (status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    status: '00000000',
    msg: 'success',
    data: { taskId: ID, status, progress: 100, reason: '', createdAt: null, startedAt: null, finishedAt: null, data: { fileName: 'edgeNodes.tar.gz' }, ...extra },
  });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const json = (body: string, status = 200): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};
/** Sends `bytes` in 64 KiB chunks, one per event-loop turn. */
const archive = (bytes: Buffer = ARCHIVE): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
  let offset = 0;
  const next = (): void => {
    if (offset >= bytes.length) {
      res.end();
      return;
    }
    res.write(bytes.subarray(offset, offset + 65_536));
    offset += 65_536;
    setImmediate(next);
  };
  next();
};
/** Headers and the first `bytes` of the archive, then `then` (default: drop the connection). */
const halfArchive = (bytes = 100_000, then: (res: ServerResponse) => void = (res) => res.socket?.destroy()): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(ARCHIVE.length) });
  res.write(ARCHIVE.subarray(0, bytes), () => setImmediate(() => then(res)));
};

let server: TestServer;
let routes: Record<string, Handler> = {};
let dir: string;
let adapters: EdgeLogDump[] = [];

function make(options: Partial<EdgeLogDumpOptions> = {}): EdgeLogDump {
  const edge = edgeLogDump({ baseURL: server.url, ...options });
  adapters.push(edge);
  return edge;
}
const paths = () => server.requests.map((r) => r.url.split('?')[0]);
const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};
/** Lets real I/O run (the fake clock standing still) until `condition` holds. */
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await turns(1);
};

beforeAll(async () => {
  server = await startTestServer();
  server.handle((req, res) => {
    const route = routes[(req.url ?? '').split('?')[0] ?? ''];
    if (route) route(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskpoll-edge-'));
  routes = {};
  server.requests.length = 0;
});
afterEach(async () => {
  vi.useRealTimers();
  for (const edge of adapters) edge.close();
  adapters = [];
  await rm(dir, { recursive: true, force: true });
});

describe('download', () => {
  it('status succeed → download to a path: the archive in place, no temporary file left', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const target = join(dir, 'logs.tar.gz');
    const result = await edge.download(ID, target);
    expect(result).toEqual({ taskId: ID, bytes: ARCHIVE.length, path: target });
    expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
    expect(await readdir(dir)).toEqual(['logs.tar.gz']);
    expect(paths()).toEqual([TASK_PATH, DOWNLOAD_PATH]);
    expect(server.requests[0]?.url).toBe(`${TASK_PATH}?taskId=${ID}`);
  });

  it('status partiallyFailed → download replaces an existing file; a relative path is resolved', async () => {
    routes = { [TASK_PATH]: json(answer('partiallyFailed', { progress: 50 })), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const target = join(dir, 'old.tar.gz');
    await writeFile(target, 'previous archive');
    const cwd = process.cwd();
    const result = await edge.download(ID, join(dir, '.', 'old.tar.gz'));
    expect(result.path).toBe(target);
    expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
    expect(process.cwd()).toBe(cwd);
  });

  it('waitForTask → succeed → download(status, Writable): no second status request, the stream ended', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const done = await waitForTask(edge, ID);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => sink.on('end', resolve));
    const result = await edge.download(done, sink);
    await ended;
    expect(result).toEqual({ taskId: ID, bytes: ARCHIVE.length });
    expect(Buffer.concat(chunks).equals(ARCHIVE)).toBe(true);
    expect(paths()).toEqual([TASK_PATH, DOWNLOAD_PATH]);
    expect(server.requests[1]?.headers.accept).toBe('*/*');
  });

  it('a task still processing → RangeError after the status check; no download request, no file', async () => {
    routes = { [TASK_PATH]: json(answer('processing', { progress: 40, data: null })), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const error = await edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(
      `edge.logDump: task ${ID} has no archive yet: it is running (processing); wait for it with waitForTask first`,
    );
    expect(paths()).toEqual([TASK_PATH]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a failed task → TaskFailedError with its status; no download request', async () => {
    routes = { [TASK_PATH]: json(answer('failed', { reason: 'failed to dump log for following nodes:(2)timeout;', data: null })) };
    const edge = make();
    const error = await edge.download(ID, new PassThrough()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).status.providerState).toBe('failed');
    expect(paths()).toEqual([TASK_PATH]);
  });

  it('a status that is not finished well, or not from this adapter → rejected before any request', async () => {
    const edge = make();
    const base: TaskStatus<{ fileName: string }> = {
      provider: 'edge.logDump',
      taskId: ID,
      state: 'running',
      terminal: false,
      providerState: 'processing',
      raw: {},
    };
    await expect(edge.download(base, new PassThrough())).rejects.toThrow(RangeError);
    await expect(edge.download({ ...base, state: 'failed', terminal: true, providerState: 'failed' }, new PassThrough())).rejects.toThrow(TaskFailedError);
    await expect(edge.download({ ...base, provider: 'guance.logmine', state: 'succeeded' }, new PassThrough())).rejects.toThrow(/status from this adapter/);
    await expect(edge.download({ ...base, taskId: 'job-1', state: 'succeeded' }, new PassThrough())).rejects.toThrow(/status.taskId must be a string matching \^dumpMultiNodesLog/);
    await expect(edge.download(ID, 42 as never)).rejects.toThrow(/file path or a Writable/);
    await expect(edge.download(ID, '')).rejects.toThrow(/must not be empty/);
    await expect(edge.download(ID, dir)).rejects.toThrow(/is a directory; give a file path such as/);
    const missing = await edge.download(ID, join(dir, 'no-such-dir', 'x.tar.gz')).catch((e: unknown) => e);
    expect((missing as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(server.requests).toHaveLength(0);
  });

  it('connection dropped mid-stream → NetworkError (transient); no partial file, the old file untouched', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: halfArchive() };
    const edge = make();
    const target = join(dir, 'logs.tar.gz');
    await writeFile(target, 'previous archive');
    const error = await edge.download(ID, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ provider: 'edge.logDump', taskId: ID, transient: true });
    expect((error as Error).message).toMatch(/^edge\.logDump: GET \/edgemanager\/v1\/logmgmt\/dump\/download\/edgeNodes\.tar\.gz to 127\.0\.0\.1:\d+ failed/);
    expect(await readdir(dir)).toEqual(['logs.tar.gz']);
    expect(await readFile(target, 'utf8')).toBe('previous archive');
  });

  it('connection dropped mid-stream into a Writable → NetworkError; the Writable is destroyed', async () => {
    routes = { [DOWNLOAD_PATH]: halfArchive() };
    const edge = make();
    const sink = new PassThrough();
    sink.resume();
    const status: TaskStatus<{ fileName: string }> = { provider: 'edge.logDump', taskId: ID, state: 'succeeded', terminal: true, providerState: 'succeed', result: { fileName: 'edgeNodes.tar.gz' }, raw: {} };
    await expect(edge.download(status, sink)).rejects.toBeInstanceOf(NetworkError);
    expect(sink.destroyed).toBe(true);
  });

  it('the archive is "abnormal": 400 with a JSON string → HttpError with the text; nothing written', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: json('"the file is abnormal"', 400) };
    const edge = make();
    const error = await edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toBe(`edge.logDump: GET ${DOWNLOAD_PATH} answered HTTP 400: the file is abnormal`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('400 with the error envelope → ProviderError; nothing written', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: json('{"status":"00001005","msg":"param validation failed","data":null}', 400) };
    const edge = make();
    const error = await edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '00001005', httpStatus: 400 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('an archive over maxDownloadBytes → ResponseValidationError; no partial file', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make({ maxDownloadBytes: 100_000 });
    const error = await edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an archive over the 10 MiB JSON limit downloads whole (the download has its own limit)', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive(big) };
    const edge = make();
    const result = await edge.download(ID, join(dir, 'big.tar.gz'));
    expect(result.bytes).toBe(big.length);
  });

  it('aborted mid-stream → rejects with the reason; no partial file', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: halfArchive(100_000, () => controller.abort(reason)) };
    const edge = make();
    await expect(edge.download(ID, join(dir, 'x.tar.gz'), { signal: controller.signal })).rejects.toBe(reason);
    expect(await readdir(dir)).toEqual([]);
  });

  it('the body stalls → NetworkError (timedOut) after downloadTimeoutMs; no partial file', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let sent = false;
    routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: halfArchive(100_000, () => {
        sent = true;
      }),
    };
    // The header limit is set past the download limit, so only the download limit can fire.
    const edge = make({ downloadTimeoutMs: 60_000, requestTimeoutMs: 120_000, pacing: false });
    const outcome = edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    await until(() => sent);
    await turns();
    await vi.advanceTimersByTimeAsync(59_000);
    await turns();
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ timedOut: true, errno: 'ETIMEDOUT' });
    expect((error as Error).message).toBe(`edge.logDump: the download for task ${ID} from ${new URL(server.url).host} did not finish within 60000 ms`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('no answer to the download request within requestTimeoutMs → NetworkError naming it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let asked = false;
    routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: () => {
        asked = true;
      },
    };
    const edge = make({ requestTimeoutMs: 5_000, pacing: false });
    const outcome = edge.download(ID, join(dir, 'x.tar.gz')).catch((e: unknown) => e);
    await until(() => asked);
    await turns();
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe(`edge.logDump: GET ${DOWNLOAD_PATH} to ${new URL(server.url).host} got no answer within 5000 ms`);
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))('a Writable that fails (ENOSPC) → its own error, not a network error', async () => {
    routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const error = await edge.download(ID, createWriteStream('/dev/full')).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(error).not.toBeInstanceOf(NetworkError);
  });

  it('two downloads at once run one after the other, even with pacing off (MEF: one download connection)', async () => {
    let active = 0;
    let most = 0;
    routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: (req, res) => {
        active += 1;
        most = Math.max(most, active);
        res.on('finish', () => {
          active -= 1;
        });
        archive()(req, res);
      },
    };
    const edge = make({ pacing: false });
    await mkdir(join(dir, 'b'));
    const [a, b] = await Promise.all([edge.download(ID, join(dir, 'a.tar.gz')), edge.download(ID, join(dir, 'b', 'b.tar.gz'))]);
    expect([a.bytes, b.bytes]).toEqual([ARCHIVE.length, ARCHIVE.length]);
    expect(most).toBe(1);
  });
});

describe('pacing and the transport (real loopback server)', () => {
  it('default pacing: one request at a time, spaced 100 ms apart (10 a second, never a burst nginx refuses)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let active = 0;
    let most = 0;
    routes = {
      [TASK_PATH]: (req, res) => {
        active += 1;
        most = Math.max(most, active);
        setImmediate(() => {
          active -= 1;
          json(answer('processing', { data: null }))(req, res);
        });
      },
    };
    const edge = make();
    const polls = Promise.all(Array.from({ length: 12 }, () => edge.getStatus(ID, { signal: new AbortController().signal })));
    await until(() => server.requests.length >= 1);
    await turns(50);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    await turns(50);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => server.requests.length >= 2);
    for (let i = 2; i < 12; i += 1) {
      await vi.advanceTimersByTimeAsync(100);
      await until(() => server.requests.length >= i + 1);
    }
    expect(await polls).toHaveLength(12);
    expect(server.requests).toHaveLength(12);
    expect(most).toBe(1);
  });

  it('pacing: { maxConcurrency: 3, intervalMs: 1 } lets three requests overlap (keys merge over the default)', async () => {
    // The merged budget is 3 at once and 1 start a millisecond (the default's requestsPerInterval: 1
    // stays). The server holds each answer until three requests are in flight (at most a real second),
    // so the overlap shows however fast loopback answers.
    let active = 0;
    let most = 0;
    const held: (() => void)[] = [];
    const answerAll = (): void => {
      for (const send of held.splice(0)) send();
    };
    routes = {
      [TASK_PATH]: (req, res) => {
        active += 1;
        most = Math.max(most, active);
        let sent = false;
        const send = (): void => {
          if (sent) return;
          sent = true;
          active -= 1;
          json(answer('processing', { data: null }))(req, res);
        };
        held.push(send);
        if (active === 3) answerAll();
        else setTimeout(send, 1000);
      },
    };
    const edge = make({ pacing: { maxConcurrency: 3, intervalMs: 1 } });
    await Promise.all(Array.from({ length: 6 }, () => edge.getStatus(ID, { signal: new AbortController().signal })));
    expect(most).toBe(3);
  });

  it('the connection reset on every try → NetworkError ECONNRESET after the retries', async () => {
    routes = { [TASK_PATH]: (req) => req.socket.destroy() };
    const edge = make();
    const error = await waitForTask(edge, ID, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ errno: 'ECONNRESET', transient: true });
    expect(server.requests).toHaveLength(2);
  });
});
