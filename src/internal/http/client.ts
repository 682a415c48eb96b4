/**
 * The HTTP client every built-in provider shares: one per adapter instance, built by
 * `createHttpClient`. A request goes through the same steps whatever calls it (a poll, a submit, a
 * download): build it (`outgoing`), wait for a pacing slot, bound it in time (`timeLimit`), let the
 * provider sign it (`prepare`), send it through axios (`send`), then read the answer (`readAnswer`)
 * or hand its body on (`openStream`), turning every failure into a taskpoll error.
 *
 * @internal
 */
import { PassThrough, type Readable } from 'node:stream';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { NetworkError, type TaskPollError } from '../../core/errors/index.js';
import { describe } from '../checks.js';
import { linkAbort, pauseTimeoutOf, carriesTimeLimit, type LinkedAbort } from '../abort.js';
import { callContextOf } from '../call-context.js';
import { monotonicNow } from '../clock.js';
import { pacingChannel } from '../diagnostics.js';
import type { Slot } from '../pacing.js';
import { parseBody } from '../validate.js';
import { flatHeaders, readSome, toHttpResponse } from './body.js';
import { bodyFailure, errorForStatus, toTaskPollError } from './errors.js';
import type { HttpClient, HttpClientConfig, HttpRequest, HttpResponse } from './types.js';
import { requestURL } from './url.js';
import { openTransport, type Transport } from './transport.js';

/** What a closed client's pacer rejects its waiting calls with; each call turns it into its own error. */
const CLOSED: unique symbol = Symbol('closed');
/** Controllers kept for reuse by one client, at most. */
const MAX_IDLE_CONTROLLERS = 64;
/** The most of an error answer's body read from a stream, in bytes, to map it to an error. */
const STREAM_ERROR_BODY_BYTES = 64 * 1024;

/** A request on the wire: axios's answer, and what must be given back once it is read. */
interface Sent {
  response: AxiosResponse<unknown>;
  operation: string;
  path: string;
  /** Gives back the pacing slot (or socket gate slot) the request holds. */
  release: Slot | undefined;
  /** The request's time limit and abort link. */
  scope: LinkedAbort;
}

/** A request as it will be sent: the parts `prepare` sees and may change (headers). */
interface Outgoing {
  url: URL;
  /** The path sent (the base URL's path, then the request's), for errors. */
  path: string;
  /** `METHOD /path`, for errors. */
  operation: string;
  body: string;
  headers: Record<string, string>;
}

/** Builds the HTTP transport of one adapter instance. */
export function createHttpClient(config: HttpClientConfig): HttpClient {
  const transport = openTransport(config);
  const { provider, baseURL, pacer } = transport;
  const client: HttpClient = {
    provider,
    baseURL: baseURL.toString(),
    pacer,
    endpoint: transport.endpoint,
    pathOf: (path) => requestURL(baseURL, path).pathname,
    request: (request) => readAnswer(transport, request),
    async requestJson(request, schema) {
      const response = await client.request(request);
      const body = parseBody(schema, response.data, {
        provider,
        taskId: request.taskId,
        what: `${request.method} ${response.path}`,
        httpStatus: response.status,
        notJson: response.data === undefined ? (response.text ?? '') : undefined,
      });
      return { response, body };
    },
    stream: (request) => openStream(transport, request),
    pacerStats() {
      return pacer ? { ...pacer.stats } : undefined;
    },
    close() {
      transport.closed = true;
      pacer?.close(CLOSED);
      transport.gate?.close(CLOSED);
      transport.httpAgent?.destroy();
      if (!config.httpsAgent) transport.httpsAgent?.destroy();
    },
  };
  return client;
}

/** `client.request()`: sends, then reads the answer as text and maps a non-2xx one to its error. */
async function readAnswer(t: Transport, request: HttpRequest): Promise<HttpResponse> {
  const { response, operation, path, release, scope } = await send(t, request, 'text');
  try {
    const parsed = toHttpResponse(response, { provider: t.provider, taskId: request.taskId, operation, path });
    if (parsed.status < 200 || parsed.status > 299) throw answerError(t, parsed, request, operation);
    return parsed;
  } finally {
    release?.();
    scope.dispose();
    const reusable =
      t.ownAgents && t.idleControllers.length < MAX_IDLE_CONTROLLERS ? scope.reusableController() : undefined;
    if (reusable) t.idleControllers.push(reusable);
  }
}

/** `client.stream()`: sends, then hands the 2xx body on as a stream (downloads). */
async function openStream(
  t: Transport,
  request: HttpRequest,
): Promise<{ status: number; headers: Record<string, string>; body: Readable; done: () => void }> {
  const { response, operation, path, release, scope } = await send(t, request, 'stream');
  const body = response.data as Readable;
  let finished = false;
  const done = (): void => {
    if (finished) return;
    finished = true;
    release?.();
    scope.dispose();
  };
  if (response.status < 200 || response.status > 299) {
    const text = await readSome(body, STREAM_ERROR_BODY_BYTES).catch(() => '');
    done();
    const parsed = toHttpResponse(
      { ...response, data: text },
      { provider: t.provider, taskId: request.taskId, operation, path },
    );
    throw answerError(t, parsed, request, operation);
  }
  // The body is handed on through a PassThrough so that a failure mid-stream surfaces as a
  // TaskPollError: the raw axios error would carry the request config (headers, TLS key material).
  // Cut by our time limit or the caller's abort, it fails with that reason, as `request()` does.
  const out = new PassThrough();
  body.on('error', (error: unknown) => {
    const reason = scope.signal.aborted ? (scope.signal.reason as Error) : undefined;
    const context = { provider: t.provider, taskId: request.taskId, operation, ...t.endpoint };
    out.destroy(reason ?? toTaskPollError(error, context) ?? bodyFailure(error, context));
  });
  out.once('close', () => {
    if (!body.destroyed) body.destroy();
    done();
  });
  body.pipe(out);
  return { status: response.status, headers: flatHeaders(response.headers), body: out, done };
}

/**
 * Puts one request on the wire and returns axios's answer, whatever its status. On success the caller
 * owns the returned slot and time limit (it must release and dispose them); on failure both are freed
 * here and the error is a TaskPollError (or the caller's abort reason).
 */
async function send(t: Transport, request: HttpRequest, responseType: 'text' | 'stream'): Promise<Sent> {
  const out = outgoing(t, request);
  const { operation } = out;
  // A request made inside a poll carries the poll's own limit (the wait's requestTimeoutMs) on its
  // signal: that limit alone applies, so a wait may allow a poll more time than the adapter's calls.
  const timeoutMs =
    request.timeoutMs ?? (carriesTimeLimit(request.signal) ? Number.POSITIVE_INFINITY : t.requestTimeoutMs);
  const sizeLimit = responseLimit(request.maxResponseBytes ?? t.maxResponseBytes);
  // Waiting for a pacing slot is not time the request took: neither this client's time limit nor
  // the poller's per-request limit runs while the request is queued (only the caller's signal does).
  // The same goes for every caller-side limit that is a pausable link (the poller's, an adapter's own).
  let release: Slot | undefined;
  if (t.pacer) {
    const resumeCallerClocks = pauseTimeoutOf(request.signal);
    // The wait that makes the request counts the time it queues (its `queuedMs`).
    const endQueued = callContextOf(request.signal)?.queue.begin();
    // A call that did not get its slot at once is counted `delayed` by `acquire`, synchronously.
    const delayed = t.pacer.stats.delayed;
    const acquiring = t.pacer.acquire(request.signal);
    const queuedAt = t.pacer.stats.delayed !== delayed && pacingChannel.hasSubscribers ? monotonicNow() : undefined;
    let gotSlot = false;
    try {
      release = await acquiring;
      gotSlot = true;
    } catch (error) {
      throw error === CLOSED ? closedError(t, request, operation) : error;
    } finally {
      endQueued?.();
      resumeCallerClocks();
      if (queuedAt !== undefined) publishQueued(t, request, monotonicNow() - queuedAt, !gotSlot);
    }
    if (t.closed) {
      release();
      throw closedError(t, request, operation);
    }
  }
  const scope = timeLimit(t, request, operation, timeoutMs, responseType);
  try {
    await t.config.prepare?.({ method: request.method, url: out.url, headers: out.headers, body: out.body }, request);
    const axiosConfig = axiosConfigOf(t, out, request, scope.signal, responseType, sizeLimit);
    let response: AxiosResponse<unknown>;
    try {
      // The socket gate's wait runs on the request's own clock: it is time spent getting a socket.
      if (t.gate) release = await t.gate.acquire(scope.signal);
      if (t.closed) throw CLOSED;
      response = await t.axios.request(axiosConfig);
      // The answer is in, so the request reached the server by now: the pacer's margin for its slot
      // (a stream's slot is held until its body ends, long after this).
      release?.answered();
    } catch (error) {
      if (scope.signal.aborted) throw scope.signal.reason;
      if (error === CLOSED) throw closedError(t, request, operation);
      throw toTaskPollError(error, { provider: t.provider, taskId: request.taskId, operation, ...t.endpoint }) ?? error;
    }
    const sent = { response, operation, path: out.path, release, scope };
    release = undefined;
    return sent;
  } catch (error) {
    release?.();
    scope.dispose();
    throw error;
  }
}

/** Publishes on `taskpoll:pacing` how long a call queued for its slot (or until it gave up). */
function publishQueued(t: Transport, request: HttpRequest, queuedMs: number, aborted: boolean): void {
  if (!pacingChannel.hasSubscribers) return;
  const context = callContextOf(request.signal);
  pacingChannel.publish({
    kind: 'queued',
    provider: t.provider,
    taskId: context ? request.taskId : undefined,
    call: context ? context.kind : 'call',
    queuedMs,
    aborted,
  });
}

/** The URL (query included), body bytes and headers of a request; refuses it once the client is closed. */
function outgoing(t: Transport, request: HttpRequest): Outgoing {
  const url = requestURL(t.baseURL, request.path);
  const path = url.pathname;
  const operation = `${request.method} ${path}`;
  if (t.closed) throw closedError(t, request, operation);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value));
  }
  // Serialized here, once, so that `prepare` signs the very bytes sent.
  const body =
    request.body === undefined ? '' : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...t.config.headers, ...request.headers };
  if (body !== '' || request.method === 'POST' || request.method === 'PUT') {
    headers['Content-Type'] = request.contentType ?? 'application/json';
  }
  return { url, path, operation, body, headers };
}

/**
 * The request's abort link: it follows the caller's signal and aborts after `timeoutMs` with a
 * timed-out NetworkError. A text request reuses an idle controller when there is one; a stream's
 * body outlives the request, so its controller is never lent on.
 */
function timeLimit(
  t: Transport,
  request: HttpRequest,
  operation: string,
  timeoutMs: number,
  responseType: 'text' | 'stream',
): LinkedAbort {
  const { provider, endpoint } = t;
  return linkAbort(
    [request.signal],
    {
      ms: timeoutMs,
      reason: () =>
        new NetworkError(
          `${provider}: ${operation} to ${endpoint.host}:${endpoint.port} got no answer within ${timeoutMs} ms`,
          {
            provider,
            taskId: request.taskId,
            timedOut: true,
            errno: 'ETIMEDOUT',
            ...endpoint,
          },
        ),
    },
    false,
    responseType === 'text' ? t.idleControllers.pop() : undefined,
  );
}

/**
 * What axios is asked to do: nothing on its own. No redirects (credentials must not travel to another
 * host), no status check and no body transform (the answer is read in `body.ts`), the size limits ours.
 */
function axiosConfigOf(
  t: Transport,
  out: Outgoing,
  request: HttpRequest,
  signal: AbortSignal,
  responseType: 'text' | 'stream',
  sizeLimit: number,
): AxiosRequestConfig {
  const axiosConfig: AxiosRequestConfig = {
    method: request.method,
    url: out.url.toString(),
    headers: out.headers,
    signal,
    responseType,
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: sizeLimit,
    maxBodyLength: t.maxResponseBytes,
    decompress: true,
  };
  if (out.body !== '') axiosConfig.data = out.body;
  if (t.httpAgent) axiosConfig.httpAgent = t.httpAgent;
  if (t.httpsAgent) axiosConfig.httpsAgent = t.httpsAgent;
  return axiosConfig;
}

/**
 * The error of a non-2xx answer: the provider's reading of it first, else the mapping by status. A
 * rate-limit answer holds every request of the adapter (through the pacer) for as long as it asks.
 */
function answerError(t: Transport, answer: HttpResponse, request: HttpRequest, operation: string): TaskPollError {
  // A rate-limit answer without Retry-After waits the provider's floor, as if the server had said so.
  const response =
    t.rateLimitFloorMs !== undefined && answer.retryAfterMs === undefined && t.isRateLimit(answer)
      ? { ...answer, retryAfterMs: t.rateLimitFloorMs }
      : answer;
  if (response.retryAfterMs !== undefined && (response.status === 429 || response.status === 503)) {
    t.pacer?.pauseFor(response.retryAfterMs);
  }
  const specific = t.config.interpretError?.(response, request);
  if (specific) {
    if (specific.transient && specific.retryAfterMs !== undefined) t.pacer?.pauseFor(specific.retryAfterMs);
    return specific;
  }
  return errorForStatus(response, { provider: t.provider, taskId: request.taskId, operation });
}

/** Why a call that was not sent fails once the client is closed. */
function closedError(t: Transport, request: HttpRequest, operation: string): NetworkError {
  return new NetworkError(`${t.provider}: ${operation} was not sent: the adapter was closed`, {
    provider: t.provider,
    taskId: request.taskId,
    transient: false,
  });
}

/** A response size limit as axios takes it: -1 for none. */
function responseLimit(bytes: number): number {
  if (bytes === Number.POSITIVE_INFINITY) return -1;
  if (!(typeof bytes === 'number' && bytes >= 1))
    throw new RangeError(`maxResponseBytes must be a number >= 1 or Infinity, got ${describe(bytes)}`);
  return bytes;
}
