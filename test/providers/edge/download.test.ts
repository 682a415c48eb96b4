// download: the archive from a real loopback server into a path or a Writable (status check first,
// temporary file, limits, aborts, failures midway, one download at a time).
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import {
  HttpError,
  NetworkError,
  ProviderError,
  ResponseValidationError,
  TaskFailedError,
  waitForTask,
  type TaskStatus,
} from '../../../src/index.js';
import { ARCHIVE, answer, archive, halfArchive, json, turns, until, useLoopbackMef } from './loopback-setup.js';
import { DOWNLOAD_PATH, ID, TASK_PATH } from './mef.js';

const mef = useLoopbackMef();
const { make, paths } = mef;

describe('download: where the archive goes', () => {
  it('status succeed → download to a path: the archive in place, no temporary file left', async () => {
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const target = join(mef.dir, 'logs.tar.gz');
    const result = await edge.download(ID, target);
    expect(result).toEqual({ taskId: ID, bytes: ARCHIVE.length, path: target });
    expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
    expect(await readdir(mef.dir)).toEqual(['logs.tar.gz']);
    expect(paths()).toEqual([TASK_PATH, DOWNLOAD_PATH]);
    expect(mef.server.requests[0]?.url).toBe(`${TASK_PATH}?taskId=${ID}`);
  });

  it('status partiallyFailed → download replaces an existing file; a relative path is resolved', async () => {
    mef.routes = { [TASK_PATH]: json(answer('partiallyFailed', { progress: 50 })), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const target = join(mef.dir, 'old.tar.gz');
    await writeFile(target, 'previous archive');
    const cwd = process.cwd();
    const result = await edge.download(ID, join(mef.dir, '.', 'old.tar.gz'));
    expect(result.path).toBe(target);
    expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
    expect(process.cwd()).toBe(cwd);
  });

  it('waitForTask → succeed → download(status, Writable): no second status request, the stream ended', async () => {
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
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
    expect(mef.server.requests[1]?.headers.accept).toBe('*/*');
  });

  it('an archive over the 10 MiB JSON limit downloads whole (the download has its own limit)', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive(big) };
    const edge = make();
    const result = await edge.download(ID, join(mef.dir, 'big.tar.gz'));
    expect(result.bytes).toBe(big.length);
  });
});

describe('download: refused before any byte is written', () => {
  it('a task still processing → RangeError after the status check; no download request, no file', async () => {
    mef.routes = { [TASK_PATH]: json(answer('processing', { progress: 40, data: null })), [DOWNLOAD_PATH]: archive() };
    const edge = make();
    const error = await edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(
      `edge.logDump: task ${ID} has no archive yet: it is running (processing); wait for it with waitForTask first`,
    );
    expect(paths()).toEqual([TASK_PATH]);
    expect(await readdir(mef.dir)).toEqual([]);
  });

  it('a failed task → TaskFailedError with its status; no download request', async () => {
    mef.routes = {
      [TASK_PATH]: json(answer('failed', { reason: 'failed to dump log for following nodes:(2)timeout;', data: null })),
    };
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
    await expect(
      edge.download({ ...base, state: 'failed', terminal: true, providerState: 'failed' }, new PassThrough()),
    ).rejects.toThrow(TaskFailedError);
    await expect(
      edge.download({ ...base, provider: 'guance.logmine', state: 'succeeded' }, new PassThrough()),
    ).rejects.toThrow(/status from this adapter/);
    await expect(edge.download({ ...base, taskId: 'job-1', state: 'succeeded' }, new PassThrough())).rejects.toThrow(
      /status.taskId must be a string matching \^dumpMultiNodesLog/,
    );
    await expect(edge.download(ID, 42 as never)).rejects.toThrow(/file path or a Writable/);
    await expect(edge.download(ID, '')).rejects.toThrow(/must not be empty/);
    await expect(edge.download(ID, mef.dir)).rejects.toThrow(/is a directory; give a file path such as/);
    const missing = await edge.download(ID, join(mef.dir, 'no-such-mef.dir', 'x.tar.gz')).catch((e: unknown) => e);
    expect((missing as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(mef.server.requests).toHaveLength(0);
  });

  it('the archive is "abnormal": 400 with a JSON string → HttpError with the text; nothing written', async () => {
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: json('"the file is abnormal"', 400) };
    const edge = make();
    const error = await edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toBe(`edge.logDump: GET ${DOWNLOAD_PATH} answered HTTP 400: the file is abnormal`);
    expect(await readdir(mef.dir)).toEqual([]);
  });

  it('400 with the error envelope → ProviderError; nothing written', async () => {
    mef.routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: json('{"status":"00001005","msg":"param validation failed","data":null}', 400),
    };
    const edge = make();
    const error = await edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: '00001005', httpStatus: 400 });
    expect(await readdir(mef.dir)).toEqual([]);
  });
});

describe('download: failures midway', () => {
  it('connection dropped mid-stream → NetworkError (transient); no partial file, the old file untouched', async () => {
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: halfArchive() };
    const edge = make();
    const target = join(mef.dir, 'logs.tar.gz');
    await writeFile(target, 'previous archive');
    const error = await edge.download(ID, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ provider: 'edge.logDump', taskId: ID, transient: true });
    expect((error as Error).message).toMatch(
      /^edge\.logDump: GET \/edgemanager\/v1\/logmgmt\/dump\/download\/edgeNodes\.tar\.gz to 127\.0\.0\.1:\d+ failed/,
    );
    expect(await readdir(mef.dir)).toEqual(['logs.tar.gz']);
    expect(await readFile(target, 'utf8')).toBe('previous archive');
  });

  it('connection dropped mid-stream into a Writable → NetworkError; the Writable is destroyed', async () => {
    mef.routes = { [DOWNLOAD_PATH]: halfArchive() };
    const edge = make();
    const sink = new PassThrough();
    sink.resume();
    const status: TaskStatus<{ fileName: string }> = {
      provider: 'edge.logDump',
      taskId: ID,
      state: 'succeeded',
      terminal: true,
      providerState: 'succeed',
      result: { fileName: 'edgeNodes.tar.gz' },
      raw: {},
    };
    await expect(edge.download(status, sink)).rejects.toBeInstanceOf(NetworkError);
    expect(sink.destroyed).toBe(true);
  });

  it('an archive over maxDownloadBytes → ResponseValidationError; no partial file', async () => {
    mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
    const edge = make({ maxDownloadBytes: 100_000 });
    const error = await edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(await readdir(mef.dir)).toEqual([]);
  });

  it('aborted mid-stream → rejects with the reason; no partial file', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    mef.routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: halfArchive(100_000, () => controller.abort(reason)),
    };
    const edge = make();
    await expect(edge.download(ID, join(mef.dir, 'x.tar.gz'), { signal: controller.signal })).rejects.toBe(reason);
    expect(await readdir(mef.dir)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a Writable that fails (ENOSPC) → its own error, not a network error',
    async () => {
      mef.routes = { [TASK_PATH]: json(answer('succeed')), [DOWNLOAD_PATH]: archive() };
      const edge = make();
      const error = await edge.download(ID, createWriteStream('/dev/full')).catch((e: unknown) => e);
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      expect(error).not.toBeInstanceOf(NetworkError);
    },
  );
});

describe('download: time limits', () => {
  it('the body stalls → NetworkError (timedOut) after downloadTimeoutMs; no partial file', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let sent = false;
    mef.routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: halfArchive(100_000, () => {
        sent = true;
      }),
    };
    // The header limit is set past the download limit, so only the download limit can fire.
    const edge = make({ downloadTimeoutMs: 60_000, requestTimeoutMs: 120_000, pacing: false });
    const outcome = edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    await until(() => sent);
    await turns();
    await vi.advanceTimersByTimeAsync(59_000);
    await turns();
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ timedOut: true, errno: 'ETIMEDOUT' });
    expect((error as Error).message).toBe(
      `edge.logDump: the download for task ${ID} from ${new URL(mef.server.url).host} did not finish within 60000 ms`,
    );
    expect(await readdir(mef.dir)).toEqual([]);
  });

  it('no answer to the download request within requestTimeoutMs → NetworkError naming it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let asked = false;
    mef.routes = {
      [TASK_PATH]: json(answer('succeed')),
      [DOWNLOAD_PATH]: () => {
        asked = true;
      },
    };
    const edge = make({ requestTimeoutMs: 5_000, pacing: false });
    const outcome = edge.download(ID, join(mef.dir, 'x.tar.gz')).catch((e: unknown) => e);
    await until(() => asked);
    await turns();
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe(
      `edge.logDump: GET ${DOWNLOAD_PATH} to ${new URL(mef.server.url).host} got no answer within 5000 ms`,
    );
    expect(await readdir(mef.dir)).toEqual([]);
  });
});

describe('download: one at a time', () => {
  it('two downloads at once run one after the other, even with pacing off (MEF: one download connection)', async () => {
    let active = 0;
    let most = 0;
    mef.routes = {
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
    await mkdir(join(mef.dir, 'b'));
    const [a, b] = await Promise.all([
      edge.download(ID, join(mef.dir, 'a.tar.gz')),
      edge.download(ID, join(mef.dir, 'b', 'b.tar.gz')),
    ]);
    expect([a.bytes, b.bytes]).toEqual([ARCHIVE.length, ARCHIVE.length]);
    expect(most).toBe(1);
  });
});
