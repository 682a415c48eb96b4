/**
 * `taskpoll/edge`: the log collection ("dump") task of the edge manager in MEF Center (Huawei Ascend
 * MindEdge Framework, MindX Edge).
 *
 * Sources: hiascend.com MEF API reference `mefapiref_0040`..`0044` (create, query, download), the
 * certificate exchange page `mefug_0027`, and the `Ascend/MEF` repository (`docs/en/user_guide/RESTful.md`,
 * `src/mef-center/...`), e.g. https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0040.html.
 *
 * Decisions worth knowing:
 * - MEF authenticates with mutual TLS only. Give `tls: { cert, key, ca }` (or your own `httpsAgent`).
 *   The server certificate is always verified against `tls.ca`; there is no option to turn that off,
 *   and `NODE_TLS_REJECT_UNAUTHORIZED=0` does not turn it off for the agent made from `tls` either.
 * - An `http://` baseURL is accepted only without `tls` and `httpsAgent`: the requests then go out in
 *   plain text, with no TLS at all. MEF itself only speaks HTTPS; use `http://` only for a local
 *   simulator or a TLS-terminating sidecar on the same host.
 * - MEF allows serial calls and 10 requests a second per client; the adapter paces all its calls and
 *   waits together (one request at a time, at most 10 a second) unless told otherwise with `pacing`.
 *   A download holds that one slot while it streams, so polls made through the same adapter wait for it.
 * - MEF has no cancel call: the adapter has no `cancel`, and `cancelOnAbort` does nothing for it.
 * - The query path is `/task?taskId=` as on the API page (the overview page writes `/task/?taskId=`).
 */
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { defineAdapter, type StatusReport, type TaskAdapter } from '../../core/adapter.js';
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  ResponseValidationError,
  TaskFailedError,
  isTaskPollError,
  type TaskPollError,
} from '../../core/errors/index.js';
import {
  checkCallOptions,
  checkId,
  checkOptions,
  clipProviderText,
  describe,
  durationOption,
  envelopeError,
  numberOption,
  type IdRule,
} from '../../internal/checks.js';
import { createHttpClient } from '../../internal/http/client.js';
import { errorForStatus, sanitized, toTaskPollError } from '../../internal/http/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { checkBaseURL } from '../../internal/http/url.js';
import type { PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import { isoDate } from '../../internal/schema.js';
import { linkAbort, raceAbort, type LinkedAbort } from '../../internal/abort.js';
import { MAX_TIMER_MS } from '../../internal/clock.js';
import type { TaskState, TaskStatus } from '../../core/status.js';
import { parseBody } from '../../internal/validate.js';

const PROVIDER = 'edge.logDump';
const TASK_PATH = '/edgemanager/v1/logmgmt/dump/task';
/** The archive name is fixed by MEF, not per task (mefapiref_0044). */
const ARCHIVE_NAME = 'edgeNodes.tar.gz';
const DOWNLOAD_PATH = `/edgemanager/v1/logmgmt/dump/download/${ARCHIVE_NAME}`;
const SUCCESS = '00000000';
/** "Log export business error"; on the query route it is what an unknown task id gets (see `answerError`). */
const LOG_EXPORT_BUSINESS_ERROR = '40052002';
const MAX_NODES = 100;
const MAX_NODE_ID = 2 ** 32 - 1;

/**
 * What a task id must look like (`edge-manager/pkg/constants/constants.go`); ids are checked against
 * it before any request. Example: `dumpMultiNodesLog.eca14a007f930e5689652a30`.
 */
export const EDGE_TASK_ID_PATTERN = /^dumpMultiNodesLog[-_a-zA-Z0-9.]{1,128}$/;

/** A task id; the pattern also keeps it free of anything that could break the query it is sent in. */
const TASK_ID: IdRule = {
  name: 'taskId',
  pattern: EDGE_TASK_ID_PATTERN,
  expected: `a string matching ${EDGE_TASK_ID_PATTERN.source} (e.g. dumpMultiNodesLog.eca14a007f930e5689652a30)`,
};

/** The defaults of {@link EdgeLogDumpOptions}. */
export const EDGE_DEFAULTS = {
  /**
   * MEF: "only supports serial calls", and nginx allows 10 requests a second per client with a burst
   * of 5 (`limit_req ... burst=5 nodelay`): ten requests in the first 100 ms of a second would be
   * refused past the sixth, so requests are spaced evenly, one per 100 ms.
   */
  pacing: { maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 100 },
  /** MEF: a download must finish within 2 h (`proxy_send_timeout 7200`). */
  downloadTimeoutMs: 7_200_000,
  /** No size limit on the archive. */
  maxDownloadBytes: Number.POSITIVE_INFINITY,
} as const satisfies { pacing: PacingOptions; downloadTimeoutMs: number; maxDownloadBytes: number };

/**
 * How long a 429 without `Retry-After` holds the adapter's requests, in ms. MEF documents its limits
 * (10 requests a second, burst 5, 5 connections per client) but no wait after a refusal: one second,
 * a whole window of the per-second limit, is an inference **[inf]**.
 */
const RATE_LIMIT_FLOOR_MS = 1000;

/** A PEM text, as a string or the bytes of one. */
export type PemInput = string | Buffer;

/**
 * Mutual TLS material for MEF Center (certificate exchange: `run.sh exchangeca`, mefug_0027).
 * Every value is checked when the adapter is made; none is ever put in an error message.
 */
export interface EdgeTlsOptions {
  /** The client certificate (PEM; may be followed by its intermediates). It must chain to the root CA imported into MEF. */
  cert: PemInput;
  /** The client certificate's private key (PEM). */
  key: PemInput;
  /**
   * MEF's root CA (PEM), as exported by `run.sh exchangeca -export_path`. The server certificate must
   * chain to it; the system's CAs are not trusted for this connection.
   */
  ca: PemInput | readonly PemInput[];
  /** The passphrase of an encrypted `key`. */
  passphrase?: string;
}

/** Options of {@link edgeLogDump}. */
export interface EdgeLogDumpOptions extends TransportOptions {
  /**
   * MEF Center's address, `https://{ip}:{port}` (MEF's examples use port 30035). `http://` is accepted
   * only without `tls` and `httpsAgent`, and then nothing is encrypted: for a local simulator or a
   * TLS-terminating sidecar only.
   */
  baseURL: string;
  /**
   * The adapter's request budget, shared by all its calls and waits; `false` turns pacing off.
   * @default { maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 100 } (MEF: serial calls, 10 requests a second, evenly spaced)
   */
  pacing?: PacingOptions | false;
  /** Mutual TLS material. Needs an `https://` baseURL. Leave out when you pass `httpsAgent`. */
  tls?: EdgeTlsOptions;
  /**
   * Your own `https.Agent` (e.g. with a key in an HSM engine, or `servername` when the server
   * certificate names a host other than the baseURL's). Not together with `tls`. One with
   * `rejectUnauthorized: false` is refused. Its settings are yours: set `rejectUnauthorized: true`
   * explicitly if the process may run with `NODE_TLS_REJECT_UNAUTHORIZED=0`. It is not destroyed by `close()`.
   */
  httpsAgent?: HttpsAgent;
  /**
   * Time limit of a whole download (status check, answer and body), in ms. The answer's headers must
   * still arrive within `requestTimeoutMs`. Neither limit runs while the download's requests wait for
   * a pacing slot (behind other calls and waits of the adapter).
   * @default 7_200_000 (2 hours, MEF's own limit)
   */
  downloadTimeoutMs?: number;
  /**
   * Largest archive a download accepts, in bytes; a bigger one fails with a `ResponseValidationError`
   * and leaves no file behind.
   * @default Infinity
   */
  maxDownloadBytes?: number;
}

/** The typed result of a finished log dump task. */
export interface EdgeLogDumpResult {
  /**
   * The archive's name as MEF reports it in `data.data.fileName`. MEF's name is fixed; when a finished
   * task does not report one, this is `'edgeNodes.tar.gz'`.
   */
  fileName: string;
}

/** What {@link EdgeLogDump.submit} takes. */
export interface EdgeSubmitInput {
  /** MEF node ids to collect logs from: 1 to 100 unique whole numbers, each from 1 to 2^32−1. */
  edgeNodes: readonly number[];
}

/** Options of the calls made outside a wait (`submit`, `download`). */
export interface EdgeCallOptions {
  /** Aborting it stops the call; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What a finished {@link EdgeLogDump.download} tells. */
export interface EdgeDownloadResult {
  /** The task the archive was downloaded for. */
  taskId: string;
  /** Bytes written. */
  bytes: number;
  /** The absolute path written, when the destination was a path. */
  path?: string;
}

/** The task a download is for: its id (its status is checked first) or a finished status you already have. */
export type EdgeDownloadTask = string | TaskStatus<EdgeLogDumpResult>;

/** The edge log dump adapter: use it with `waitForTask` / `pollTask`, plus the calls around the wait. */
export interface EdgeLogDump extends TaskAdapter<string, EdgeLogDumpResult> {
  /**
   * Starts a log dump task (`POST /edgemanager/v1/logmgmt/dump/task`) and resolves with its task id.
   * The node list is checked before any request (`TypeError` / `RangeError`). Not retried: a transient
   * failure (429, 5xx, network) rejects with an error whose `transient` is true. MEF runs one dump at
   * a time, and starting one deletes the previous archive.
   */
  submit(input: EdgeSubmitInput, options?: EdgeCallOptions): Promise<string>;
  /**
   * Streams the collected archive (`GET /edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`) to a
   * file path or a Writable. Allowed after `succeed` or `partiallyFailed`:
   * - with a task id, the task's status is read first;
   * - with a status (what `waitForTask` resolved with), no extra request is made.
   * A `failed` task rejects with `TaskFailedError`, an unfinished one with a `RangeError`, both before
   * the download starts.
   *
   * A path is written through a temporary file in the same directory, renamed into place on success
   * (replacing an existing file) and deleted on any failure or abort: no partial file is left behind.
   * A Writable is ended on success and destroyed when the transfer fails midway (it may then hold part
   * of the archive); when the download fails before any byte (status, HTTP error) it is left untouched.
   * Local file errors (ENOENT, EACCES, ENOSPC) reject as they are.
   *
   * MEF serves one archive (the latest task's) to one download at a time: this adapter runs its
   * downloads one after the other. The archive stays available for a day after the task ends.
   */
  download(task: EdgeDownloadTask, destination: string | Writable, options?: EdgeCallOptions): Promise<EdgeDownloadResult>;
  /** What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined` with `pacing: false`. */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed. Idempotent.
   */
  close(): void;
}

// ---------------------------------------------------------------------------------------------
// Response schemas (mefapiref_0043; `handlers/types.go` QueryProgressResp)

const envelopeSchema = z.object({
  status: z.string().regex(/^\d{8}$/, 'expected an 8-digit status code'),
  msg: z.string().nullish(),
  data: z.unknown().optional(),
});

const nullableDate = isoDate.nullish();

const dumpTaskSchema = z.object({
  taskId: z.string().optional(),
  status: z.string().min(1),
  reason: z.string().nullish(),
  progress: z.number().min(0).max(100).nullish(),
  data: z.object({ fileName: z.string().min(1).optional() }).nullish(),
  createdAt: nullableDate,
  startedAt: nullableDate,
  finishedAt: nullableDate,
});

const statusBodySchema = envelopeSchema.extend({ data: dumpTaskSchema });

const submitBodySchema = envelopeSchema.extend({
  data: z.object({ taskId: z.string().regex(EDGE_TASK_ID_PATTERN, 'expected a dumpMultiNodesLog… task id') }),
});

/** MEF's `data.status` word → the normalized state. */
function toState(word: string): TaskState {
  switch (word) {
    case 'waiting':
      return 'queued';
    case 'processing':
      return 'running';
    case 'aborting':
      // Being terminated (task timeout or shutdown); it ends `failed`.
      return 'cancelling';
    case 'succeed':
      return 'succeeded';
    case 'partiallyFailed':
      return 'partial';
    case 'failed':
      return 'failed';
    default:
      return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// The factory

const OPTION_KEYS = new Set([
  'baseURL',
  'tls',
  'httpsAgent',
  'axios',
  'requestTimeoutMs',
  'pacing',
  'downloadTimeoutMs',
  'maxDownloadBytes',
]);

/**
 * The edge log dump adapter for one MEF Center.
 *
 * @example
 * const edge = edgeLogDump({ baseURL: 'https://10.10.10.10:30035', tls: { cert, key, ca } });
 * const taskId = await edge.submit({ edgeNodes: [2, 3] });
 * const done = await waitForTask(edge, taskId, { acceptPartial: true });
 * await edge.download(done, './edgeNodes.tar.gz');
 * edge.close();
 */
export function edgeLogDump(options: EdgeLogDumpOptions): EdgeLogDump {
  checkOptions(options, PROVIDER, OPTION_KEYS);
  const baseURL = checkBaseURL(options.baseURL, `${PROVIDER}: baseURL`);
  const { tls, httpsAgent: callerAgent } = options;
  if (tls !== undefined && callerAgent !== undefined) {
    throw new TypeError(`${PROVIDER}: give either tls or httpsAgent, not both`);
  }
  if ((tls !== undefined || callerAgent !== undefined) && baseURL.protocol !== 'https:') {
    throw new TypeError(`${PROVIDER}: baseURL must use https when ${tls !== undefined ? 'tls' : 'httpsAgent'} is given`);
  }
  if (callerAgent !== undefined) checkCallerAgent(callerAgent);
  const requestTimeoutMs = durationOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, { min: 1 });
  const downloadTimeoutMs = durationOption('downloadTimeoutMs', options.downloadTimeoutMs, EDGE_DEFAULTS.downloadTimeoutMs, { min: 1 });
  const maxDownloadBytes =
    options.maxDownloadBytes === Number.POSITIVE_INFINITY
      ? options.maxDownloadBytes
      : numberOption('maxDownloadBytes', options.maxDownloadBytes, EDGE_DEFAULTS.maxDownloadBytes, 1, Number.MAX_SAFE_INTEGER);

  // Our own agent verifies the server explicitly (so the NODE_TLS_REJECT_UNAUTHORIZED escape hatch does
  // not apply). With a caller's axios and no tls, the caller's transport is left alone.
  const ownAgent =
    baseURL.protocol === 'https:' && callerAgent === undefined && (tls !== undefined || options.axios === undefined)
      ? // MEF's nginx allows 5 connections per client IP.
        new HttpsAgent({ keepAlive: true, maxSockets: 5, rejectUnauthorized: true, ...(tls !== undefined ? tlsAgentOptions(tls) : {}) })
      : undefined;
  const agent = callerAgent ?? ownAgent;

  const client = createHttpClient({
    provider: PROVIDER,
    baseURL: options.baseURL,
    requestTimeoutMs,
    defaultPacing: EDGE_DEFAULTS.pacing,
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    ...(options.axios !== undefined ? { axios: options.axios } : {}),
    ...(agent !== undefined ? { httpsAgent: agent } : {}),
    interpretError,
    rateLimit: { floorMs: RATE_LIMIT_FLOOR_MS },
  });

  /** Sends a request whose answer is MEF's envelope; a non-success code throws, the rest is validated. */
  const call = async <S extends z.ZodType>(request: HttpRequest, schema: S): Promise<{ body: z.output<S>; raw: unknown }> => {
    const { response, body } = await client.requestJson(request, envelopeSchema);
    if (body.status !== SUCCESS) throw answerError(body.status, body.msg, response, request);
    const parsed = parseBody(schema, response.data, {
      provider: PROVIDER,
      taskId: request.taskId,
      what: `${request.method} ${response.path}`,
      httpStatus: response.status,
    });
    return { body: parsed, raw: response.data };
  };

  const adapter = defineAdapter<string, EdgeLogDumpResult>({
    provider: PROVIDER,
    taskId: (ref) => checkId(ref, PROVIDER, TASK_ID),
    async getStatus(ref, { signal }): Promise<StatusReport<EdgeLogDumpResult>> {
      const taskId = checkId(ref, PROVIDER, TASK_ID);
      const { body, raw } = await call({ method: 'GET', path: TASK_PATH, query: { taskId }, signal, taskId }, statusBodySchema);
      const task = body.data;
      if (task.taskId !== undefined && task.taskId !== taskId) {
        throw new ResponseValidationError(`${PROVIDER}: GET ${client.pathOf(TASK_PATH)} answered about another task`, {
          provider: PROVIDER,
          taskId,
          httpStatus: 200,
          issues: [{ path: ['data', 'taskId'], message: 'not the task id that was asked for' }],
        });
      }
      const state = toState(task.status);
      return {
        state,
        providerState: task.status,
        progress: task.progress ?? undefined,
        message: task.reason || undefined,
        createdAt: task.createdAt ?? undefined,
        startedAt: task.startedAt ?? undefined,
        finishedAt: task.finishedAt ?? undefined,
        result: state === 'succeeded' || state === 'partial' ? { fileName: task.data?.fileName ?? ARCHIVE_NAME } : undefined,
        raw,
      };
    },
  });

  const submit: EdgeLogDump['submit'] = async (input, callOptions) => {
    const edgeNodes = checkSubmitInput(input);
    const signal = checkCallOptions(callOptions, PROVIDER, 'submit');
    const { body } = await call(
      { method: 'POST', path: TASK_PATH, body: { module: 'edgeNode', edgeNodes }, signal },
      submitBodySchema,
    );
    return body.data.taskId;
  };

  // One download at a time per adapter (MEF allows one download connection globally).
  let downloadTail: Promise<void> = Promise.resolve();
  const takeDownloadTurn = async (signal: AbortSignal | undefined): Promise<() => void> => {
    const previous = downloadTail;
    let release: () => void = () => undefined;
    const held = new Promise<void>((done) => {
      release = done;
    });
    downloadTail = previous.then(() => held);
    try {
      await (signal ? raceAbort(previous, signal) : previous);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  };

  const download: EdgeLogDump['download'] = async (task, destination, callOptions) => {
    const signal = checkCallOptions(callOptions, PROVIDER, 'download');
    const taskId = checkDownloadTask(task);
    const target = await checkDestination(destination);
    const releaseTurn = await takeDownloadTurn(signal);
    // Pausable: the client stops this clock while the download's requests wait for a pacing slot.
    const life = linkAbort([signal], {
      ms: downloadTimeoutMs,
      reason: () =>
        new NetworkError(
          `${PROVIDER}: the download for task ${taskId} from ${client.endpoint.host}:${client.endpoint.port} did not finish within ${downloadTimeoutMs} ms`,
          { provider: PROVIDER, taskId, timedOut: true, errno: 'ETIMEDOUT', ...client.endpoint },
        ),
    }, true);
    let temp: string | undefined;
    let file: WriteStream | undefined;
    try {
      if (target.path !== undefined) {
        // Local file errors (ENOENT, EACCES) surface here, before any request, as they are.
        const partName = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(6).toString('hex')}.part`);
        file = createWriteStream(partName, { flags: 'wx' });
        await once(file, 'open');
        temp = partName; // ours to delete only once we created it
      }
      if (typeof task === 'string') requireDownloadable(await adapter.getStatus(taskId, { signal: life.signal }));
      const answer = await streamWithHeaderLimit(taskId, life);
      const sink = file ?? (target.stream as Writable);
      // pipeline() destroys every stream with the first error, so the first 'error' event tells whose it
      // was: a failure of the body is the transport's (mapped); one of the sink is local (as it is).
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
      if (temp !== undefined && target.path !== undefined) {
        await rename(temp, target.path);
        temp = undefined;
        return { taskId, bytes, path: target.path };
      }
      return { taskId, bytes };
    } catch (error) {
      throw life.signal.aborted ? life.signal.reason : error;
    } finally {
      life.dispose();
      if (file !== undefined && !file.destroyed) file.destroy();
      if (temp !== undefined) await rm(temp, { force: true }).catch(() => undefined);
      releaseTurn();
    }
  };

  /**
   * The download request; its headers must arrive within `requestTimeoutMs`, the body within the
   * download limit. Both limits are pausable links, so neither runs while the request waits for a
   * pacing slot; once the headers are in, the header limit stops and the link only passes `life` on.
   */
  const streamWithHeaderLimit = async (taskId: string, life: LinkedAbort) => {
    const headers = linkAbort([life.signal], {
      ms: requestTimeoutMs,
      reason: () =>
        new NetworkError(
          `${PROVIDER}: GET ${client.pathOf(DOWNLOAD_PATH)} to ${client.endpoint.host}:${client.endpoint.port} got no answer within ${requestTimeoutMs} ms`,
          { provider: PROVIDER, taskId, timedOut: true, errno: 'ETIMEDOUT', ...client.endpoint },
        ),
    }, true);
    let answer: Awaited<ReturnType<typeof client.stream>>;
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
  };

  let closed = false;
  return {
    provider: adapter.provider,
    taskId: adapter.taskId,
    getStatus: adapter.getStatus,
    submit,
    download,
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close() {
      if (closed) return;
      closed = true;
      client.close();
      ownAgent?.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** nginx answers a missing or refused client certificate with a 400 page, not a TLS alert. */
const NGINX_CLIENT_CERT = /No required SSL certificate was sent|The SSL certificate error/i;
const NGINX_PLAIN_HTTP = /The plain HTTP request was sent to HTTPS port/i;
/**
 * An unknown task id. MEF answers its query with 40052002 ("log export business error"); the message
 * text for a missing task (`failed to find task`) is inferred from the repository's code, not
 * documented, so any "find / not found / not exist" wording counts.
 */
const NOT_FOUND_TEXT = /find|not found|not exist|no such|no record/i;

/**
 * MEF's error envelope (HTTP 400 from the gateway, or a 2xx that still carries a code) → our error. On
 * a 404, any envelope but the unknown-task one is an `HttpError` that says the URL may be wrong. MEF
 * names no transient or rate-limit code: 429 and 5xx are mapped by their HTTP status before this.
 */
function answerError(code: string, msg: string | null | undefined, response: HttpResponse, request: HttpRequest): TaskPollError {
  const answer = { provider: PROVIDER, request, response, code, text: msg };
  const isQuery = request.method === 'GET' && request.path === TASK_PATH;
  if (code === LOG_EXPORT_BUSINESS_ERROR && isQuery && NOT_FOUND_TEXT.test(msg ?? '')) return envelopeError({ ...answer, kind: 'not-found' });
  if (response.status === 404) return envelopeError({ ...answer, kind: 'wrong-url' });
  return envelopeError({ ...answer, kind: 'error' });
}

/** The client's reading of non-2xx answers; `undefined` leaves 401/403 (auth), 429 and 5xx (transient) to the generic mapping. */
function interpretError(response: HttpResponse, request: HttpRequest): TaskPollError | undefined {
  const { status } = response;
  if (status === 401 || status === 403 || status === 429 || status >= 500) return undefined;
  const where = `${PROVIDER}: ${request.method} ${response.path} answered HTTP ${status}`;
  const base = { provider: PROVIDER, taskId: request.taskId, httpStatus: status };
  const envelope = envelopeSchema.safeParse(response.data);
  if (envelope.success && envelope.data.status !== SUCCESS) {
    return answerError(envelope.data.status, envelope.data.msg, response, request);
  }
  const text = response.text ?? '';
  if (NGINX_CLIENT_CERT.test(text)) {
    return new AuthenticationError(`${where}: the server did not accept the TLS client certificate (missing or not trusted)`, base);
  }
  if (NGINX_PLAIN_HTTP.test(text)) {
    return new HttpError(`${where}: the server speaks https, but baseURL uses http`, base);
  }
  // The download route answers an unusable archive with 400 and a JSON string (download_server.go).
  if (typeof response.data === 'string' && response.data !== '') {
    const said = clipProviderText(response.data);
    if (status === 404) return errorForStatus(response, { provider: PROVIDER, taskId: request.taskId, operation: `${request.method} ${response.path}`, detail: said });
    return new HttpError(`${where}: ${said}`, base);
  }
  return undefined;
}

/** A failure while reading the download body, as a TaskPollError (raw axios errors carry the agent's key). */
function streamError(error: unknown, taskId: string, client: Pick<HttpClient, 'pathOf' | 'endpoint'>): TaskPollError {
  if (isTaskPollError(error)) return error;
  const operation = `GET ${client.pathOf(DOWNLOAD_PATH)}`;
  const context = { provider: PROVIDER, taskId, operation, ...client.endpoint };
  const mapped = toTaskPollError(error, context);
  if (mapped) return mapped;
  const { host, port } = client.endpoint;
  const code = (error as { code?: unknown } | null)?.code;
  return new NetworkError(`${PROVIDER}: ${operation} to ${host}:${port} failed while reading the archive${error instanceof Error ? `: ${clipProviderText(error.message)}` : ''}`, {
    provider: PROVIDER,
    taskId,
    host,
    port,
    // A safe copy (name, code, message), never the error itself: a transport's error may carry its config.
    cause: error instanceof Error ? sanitized(error, typeof code === 'string' ? code : undefined) : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Input checks (all before any request)

function checkSubmitInput(input: unknown): number[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${PROVIDER}: submit needs an object { edgeNodes }, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (key !== 'edgeNodes') throw new TypeError(`${PROVIDER}: unknown submit field "${key}"`);
  }
  const nodes = (input as { edgeNodes?: unknown }).edgeNodes;
  if (!Array.isArray(nodes)) throw new TypeError(`${PROVIDER}: edgeNodes must be an array of node ids, got ${describe(nodes)}`);
  if (nodes.length < 1 || nodes.length > MAX_NODES) {
    throw new RangeError(`${PROVIDER}: edgeNodes must hold 1 to ${MAX_NODES} node ids, got ${nodes.length}`);
  }
  const seen = new Set<number>();
  nodes.forEach((node: unknown, index) => {
    if (typeof node !== 'number' || !Number.isInteger(node)) {
      throw new TypeError(`${PROVIDER}: edgeNodes[${index}] must be a whole number, got ${describe(node)}`);
    }
    if (node < 1 || node > MAX_NODE_ID) {
      throw new RangeError(`${PROVIDER}: edgeNodes[${index}] must be from 1 to ${MAX_NODE_ID}, got ${node}`);
    }
    if (seen.has(node)) throw new TypeError(`${PROVIDER}: edgeNodes must be unique; ${node} appears more than once`);
    seen.add(node);
  });
  return [...seen];
}

/** The task id of a download; a status must be this provider's and finished well. */
function checkDownloadTask(task: unknown): string {
  if (typeof task === 'string') return checkId(task, PROVIDER, TASK_ID);
  if (typeof task !== 'object' || task === null || Array.isArray(task)) {
    throw new TypeError(`${PROVIDER}: download needs a task id or a finished status, got ${describe(task)}`);
  }
  const status = task as TaskStatus<EdgeLogDumpResult>;
  if (status.provider !== PROVIDER) {
    throw new TypeError(`${PROVIDER}: download needs a status from this adapter, got one from provider ${describe(status.provider)}`);
  }
  const taskId = checkId(status.taskId, PROVIDER, { ...TASK_ID, name: 'status.taskId' });
  requireDownloadable(status);
  return taskId;
}

/** After `succeed` or `partiallyFailed` only (mefapiref_0044). */
function requireDownloadable(status: TaskStatus<EdgeLogDumpResult>): void {
  if (status.state === 'succeeded' || status.state === 'partial') return;
  if (status.state === 'failed' || status.state === 'cancelled') throw new TaskFailedError(status);
  throw new RangeError(
    `${PROVIDER}: task ${status.taskId} has no archive yet: it is ${status.state} (${clipProviderText(status.providerState)}); wait for it with waitForTask first`,
  );
}

async function checkDestination(destination: unknown): Promise<{ path?: string; stream?: Writable }> {
  if (typeof destination === 'string') {
    if (destination === '') throw new TypeError(`${PROVIDER}: download destination must not be empty`);
    const path = resolve(destination);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) {
      throw new TypeError(`${PROVIDER}: download destination ${path} is a directory; give a file path such as ${join(path, ARCHIVE_NAME)}`);
    }
    return { path };
  }
  if (isWritable(destination)) return { stream: destination };
  throw new TypeError(`${PROVIDER}: download destination must be a file path or a Writable stream, got ${describe(destination)}`);
}

function isWritable(value: unknown): value is Writable {
  const candidate = value as Partial<Writable> | null;
  return (
    typeof value === 'object' &&
    candidate !== null &&
    typeof candidate.write === 'function' &&
    typeof candidate.end === 'function' &&
    typeof candidate.once === 'function'
  );
}

function checkCallerAgent(agent: unknown): void {
  if (!(agent instanceof HttpsAgent)) throw new TypeError(`${PROVIDER}: httpsAgent must be an https.Agent, got ${describe(agent)}`);
  if (agent.options.rejectUnauthorized === false) {
    throw new TypeError(`${PROVIDER}: httpsAgent has rejectUnauthorized: false; the MEF server certificate is always verified`);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutual TLS material

const TLS_KEYS = new Set(['cert', 'key', 'ca', 'passphrase']);
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Checks `tls` and turns it into agent options. Never echoes a value: the key is a secret. */
function tlsAgentOptions(tls: unknown): AgentOptions {
  checkOptions(tls, PROVIDER, TLS_KEYS, {
    name: 'tls',
    shape: '{ cert, key, ca }',
    refused: { rejectUnauthorized: 'the server certificate is always verified' },
  });
  const { cert, key, ca, passphrase } = tls as Partial<Record<keyof EdgeTlsOptions, unknown>>;
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    throw new TypeError(`${PROVIDER}: tls.passphrase must be a string, got ${describe(passphrase)}`);
  }
  const chain = certificates('tls.cert', cert);
  const privateKey = readKey(key, passphrase);
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(privateKey)) throw new TypeError(`${PROVIDER}: tls.key is not the private key of tls.cert`);
  const cas = Array.isArray(ca) ? (ca as unknown[]) : [ca];
  if (cas.length === 0) throw new TypeError(`${PROVIDER}: tls.ca must hold MEF's root CA certificate`);
  cas.forEach((one, index) => certificates(Array.isArray(ca) ? `tls.ca[${index}]` : 'tls.ca', one));
  return {
    cert: cert as PemInput,
    key: key as PemInput,
    ca: cas as PemInput[],
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** Every certificate in a PEM input; at least one. */
function certificates(name: string, value: unknown): X509Certificate[] {
  const text = pemText(name, value);
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new TypeError(`${PROVIDER}: ${name} must be a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new TypeError(`${PROVIDER}: ${name} holds a certificate that cannot be read (PEM block ${index + 1})`);
    }
  });
}

function readKey(value: unknown, passphrase: string | undefined): KeyObject {
  const text = pemText('tls.key', value);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new TypeError(`${PROVIDER}: tls.key must be a PEM private key (-----BEGIN PRIVATE KEY-----)`);
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch {
    const hint = /ENCRYPTED/.test(text) ? ' (it is encrypted: check tls.passphrase)' : '';
    throw new TypeError(`${PROVIDER}: tls.key cannot be read${hint}`);
  }
}

function pemText(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`${PROVIDER}: ${name} must be a PEM string or Buffer, got ${describe(value)}`);
}
