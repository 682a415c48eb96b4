/**
 * The archive download (`GET /edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`,
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0044.html): the
 * adapter's downloads taking turns, the two time limits, the temporary file a path is written
 * through, and the stream copied into its destination. Internal to `taskpoll/edge`.
 *
 * MEF's gateway allows one download connection at a time, for everyone, and serves one archive (the
 * latest task's), so an adapter never runs two downloads at once, whatever its pacing.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AdapterContext } from '../../core/adapter.js';
import { NetworkError } from '../../core/errors/index.js';
import type { TaskStatus } from '../../core/status.js';
import { linkAbort, raceAbort, type LinkedAbort } from '../../internal/abort.js';
import { checkCallOptions } from '../../internal/checks.js';
import { MAX_TIMER_MS } from '../../internal/clock.js';
import type { HttpClient } from '../../internal/http/types.js';
import { DOWNLOAD_PATH, PROVIDER } from './api.js';
import { checkDestination, checkDownloadTask, requireDownloadable } from './checks.js';
import { streamError } from './errors.js';
import type { EdgeDownloadResult, EdgeLogDumpResult } from './types.js';

/** What a download needs from its adapter. */
export interface DownloadContext {
  /** The adapter's client; a download holds one of its pacing slots while it streams. */
  client: HttpClient;
  /** The adapter's status query, to check a task given by id. */
  getStatus: (taskId: string, context: AdapterContext) => Promise<TaskStatus<EdgeLogDumpResult>>;
  /** The adapter's downloads, one at a time. */
  turns: DownloadTurns;
  /** Time limit for the answer's headers, in ms. */
  requestTimeoutMs: number;
  /** Time limit of the whole download, in ms. */
  downloadTimeoutMs: number;
  /** Largest archive accepted, in bytes. */
  maxDownloadBytes: number;
}

/** One download at a time per adapter: each waits for the one before it to end (or for its own abort). */
export class DownloadTurns {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Waits for this download's turn; resolves with the function that ends it. Rejects (and gives the turn
   * up) when `signal` aborts first.
   */
  async take(signal: AbortSignal | undefined): Promise<() => void> {
    const previous = this.#tail;
    let release: () => void = () => undefined;
    const held = new Promise<void>((done) => {
      release = done;
    });
    this.#tail = previous.then(() => held);
    try {
      await (signal ? raceAbort(previous, signal) : previous);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }
}

/**
 * Downloads the archive of `task` into `destination` (see `EdgeLogDump.download`). Everything about
 * the call is checked before its turn is taken; a path gets its temporary file before any request, so
 * a local file error costs no request.
 */
export async function downloadArchive(
  context: DownloadContext,
  task: unknown,
  destination: unknown,
  callOptions: unknown,
): Promise<EdgeDownloadResult> {
  const signal = checkCallOptions(callOptions, PROVIDER, 'download');
  const taskId = checkDownloadTask(task);
  const target = await checkDestination(destination);
  const releaseTurn = await context.turns.take(signal);
  const life = downloadLimit(context, taskId, signal);
  let part: PartFile | undefined;
  try {
    if (target.path !== undefined) {
      // Local file errors (ENOENT, EACCES) surface here, before any request, as they are.
      part = new PartFile(target.path);
      await part.open();
    }
    // A status the caller already has was checked above; an id is checked against MEF's answer.
    if (typeof task === 'string') requireDownloadable(await context.getStatus(taskId, { signal: life.signal }));
    const answer = await streamWithHeaderLimit(context, taskId, life);
    const bytes = await copyArchive(answer, part?.stream ?? (target.stream as Writable), taskId, context.client);
    if (part !== undefined && target.path !== undefined) {
      await part.commit(target.path);
      return { taskId, bytes, path: target.path };
    }
    return { taskId, bytes };
  } catch (error) {
    // Once the download's limit or the caller's signal has fired, its reason is the answer, whatever
    // failure the abort caused on the way.
    throw life.signal.aborted ? life.signal.reason : error;
  } finally {
    life.dispose();
    await part?.discard();
    releaseTurn();
  }
}

/**
 * The whole download's limit, linked to the caller's signal. Pausable: the client stops this clock
 * while the download's requests wait for a pacing slot (behind the adapter's other calls and waits).
 */
function downloadLimit(context: DownloadContext, taskId: string, signal: AbortSignal | undefined): LinkedAbort {
  const { client, downloadTimeoutMs } = context;
  return linkAbort(
    [signal],
    {
      ms: downloadTimeoutMs,
      reason: () =>
        new NetworkError(
          `${PROVIDER}: the download for task ${taskId} from ${client.endpoint.host}:${client.endpoint.port} ` +
            `did not finish within ${downloadTimeoutMs} ms`,
          { provider: PROVIDER, taskId, timedOut: true, errno: 'ETIMEDOUT', ...client.endpoint },
        ),
    },
    true,
  );
}

/** The streamed answer of the download request. */
type ArchiveAnswer = Awaited<ReturnType<HttpClient['stream']>>;

/**
 * The download request; its headers must arrive within `requestTimeoutMs`, the body within the
 * download limit. Both limits are pausable links, so neither runs while the request waits for a
 * pacing slot; once the headers are in, the header limit stops and the link only passes `life` on.
 */
async function streamWithHeaderLimit(
  context: DownloadContext,
  taskId: string,
  life: LinkedAbort,
): Promise<ArchiveAnswer> {
  const { client, requestTimeoutMs, downloadTimeoutMs, maxDownloadBytes } = context;
  const headers = linkAbort(
    [life.signal],
    {
      ms: requestTimeoutMs,
      reason: () =>
        new NetworkError(
          `${PROVIDER}: GET ${client.pathOf(DOWNLOAD_PATH)} to ${client.endpoint.host}:${client.endpoint.port} ` +
            `got no answer within ${requestTimeoutMs} ms`,
          { provider: PROVIDER, taskId, timedOut: true, errno: 'ETIMEDOUT', ...client.endpoint },
        ),
    },
    true,
  );
  let answer: ArchiveAnswer;
  try {
    answer = await client.stream({
      method: 'GET',
      path: DOWNLOAD_PATH,
      headers: { Accept: '*/*' },
      signal: headers.signal,
      taskId,
      // Our own limit (`life`) fires first and names the download; this one only backs it up.
      timeoutMs: Math.min(downloadTimeoutMs + 1000, MAX_TIMER_MS),
      maxResponseBytes: maxDownloadBytes,
    });
  } catch (error) {
    headers.dispose();
    throw error;
  }
  headers.pauseTimeout(); // never resumed: the headers are in
  const done = (): void => {
    answer.done();
    headers.dispose();
  };
  return { ...answer, done };
}

/**
 * Copies the archive into `sink` and counts its bytes. A failure of the body is the transport's and is
 * mapped to a TaskPollError; a failure of the sink is local (a full disk) and rejects as it is.
 */
async function copyArchive(answer: ArchiveAnswer, sink: Writable, taskId: string, client: HttpClient): Promise<number> {
  // pipeline() destroys every stream with the first error, so the first 'error' event tells whose it was.
  let bodyError: unknown;
  let sinkError: unknown;
  const onBodyError = (error: unknown): void => {
    if (sinkError === undefined) bodyError ??= error;
  };
  const onSinkError = (error: unknown): void => {
    if (bodyError === undefined) sinkError ??= error;
  };
  answer.body.on('error', onBodyError);
  sink.on('error', onSinkError);
  let bytes = 0;
  try {
    await pipeline(
      answer.body,
      async function* count(source: Readable) {
        for await (const chunk of source) {
          bytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      },
      sink,
    );
  } catch (error) {
    if (sinkError !== undefined) throw sinkError;
    throw streamError(bodyError ?? error, taskId, client);
  } finally {
    sink.removeListener('error', onSinkError);
    answer.done();
  }
  return bytes;
}

/**
 * The temporary file a download to a path is written through: in the target's directory (so the
 * rename is atomic on the same file system), hidden, with a random suffix so that two downloads never
 * share one. Renamed into place on success, deleted on any failure: no partial archive is left behind.
 */
class PartFile {
  readonly stream: WriteStream;
  readonly #name: string;
  /** Ours to delete only once we created it (`wx` refuses a file that exists). */
  #owned = false;

  constructor(target: string) {
    this.#name = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
    this.stream = createWriteStream(this.#name, { flags: 'wx' });
  }

  /** Waits until the file is created; rejects with the file system's error (ENOENT, EACCES) as it is. */
  async open(): Promise<void> {
    await once(this.stream, 'open');
    this.#owned = true;
  }

  /** Moves the finished file to `target`, replacing a file there. */
  async commit(target: string): Promise<void> {
    await rename(this.#name, target);
    this.#owned = false;
  }

  /** Closes the file and deletes it unless it was committed; never throws. */
  async discard(): Promise<void> {
    if (!this.stream.destroyed) this.stream.destroy();
    if (this.#owned) await rm(this.#name, { force: true }).catch(() => undefined);
  }
}
