import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { NetworkError, ResponseValidationError, type TaskPollError } from '../core/errors/index.js';
import { describe, durationOption, numberOption } from '../core/options.js';
import { createPacer, normalizePacing, type Pacer, type PacerStats, type PacingOptions } from './pacing.js';
import { linkAbort, pauseTimeoutOf, carriesTimeLimit } from './sleep.js';
import { errorForStatus, parseRetryAfter, sanitized, toTaskPollError } from './transport-errors.js';
import { parseBody } from './validate.js';

// The status mapping lives with the transport-error mapping (which also meets HTTP answers); kept importable from here.
export { errorForStatus, parseRetryAfter };

/** Options every provider factory takes for its HTTP transport. */
export interface TransportOptions {
  /**
   * Your own axios instance (proxies, interceptors, custom agents). Its defaults apply; taskpoll sets
   * per request only what it must (URL, method, headers, body, signal, response handling).
   */
  axios?: AxiosInstance;
  /**
   * Time limit of one request made by the adapter's own calls (submit, download, …), in ms.
   * Polls made by `waitForTask` / `pollTask` are bounded by the wait's `requestTimeoutMs` instead,
   * whether it is shorter or longer than this one. Neither runs while the request waits for a pacing slot.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /** The adapter's request budget, shared by all its waits; `false` turns pacing off. Each provider has its own default. */
  pacing?: PacingOptions | false;
}

/** What the shared transport is built with (by a provider factory). */
export interface HttpClientConfig extends TransportOptions {
  /** The provider name for errors. */
  provider: string;
  /** `https://host[:port][/base]`, no trailing slash needed. */
  baseURL: string;
  /** Headers sent on every request (credentials included: they are never put in errors). */
  headers?: Record<string, string>;
  /** An https agent (e.g. with mutual TLS). A keep-alive one is made when left out. */
  httpsAgent?: HttpsAgent;
  /** The response size limit, in bytes. @default 10 MiB */
  maxResponseBytes?: number;
  /** Default pacing when the caller gives none. */
  defaultPacing?: PacingOptions | false;
  /**
   * Adds or changes headers just before sending (request signing, a fresh session token).
   * Sees the final URL, method and body bytes, and the request as the provider described it (the same
   * object `interpretError` gets), so that what it derives (a signature) can be tied to the answer.
   */
  prepare?: (request: PreparedRequest, source: HttpRequest) => void | Promise<void>;
  /**
   * The provider's reading of a non-2xx answer (its error envelope); return `undefined` to fall back to
   * the generic mapping by HTTP status.
   */
  interpretError?: (response: HttpResponse, request: HttpRequest) => TaskPollError | undefined;
  /**
   * The provider's rate-limit answers, for those that come without `Retry-After`: such an answer gets
   * `floorMs` as its `retryAfterMs` (before `interpretError` reads it), so the wait that got it retries
   * no sooner and the pacer holds every request of the adapter as long. Left out, an answer without
   * `Retry-After` pauses nothing and is retried on the poller's own retry delay.
   */
  rateLimit?: RateLimitFloor;
}

/** How a provider says "too many requests", and the least time it asks callers to wait after it. */
export interface RateLimitFloor {
  /** The wait after a rate-limit answer without `Retry-After`, in ms: the provider's documented (or inferred) advice. */
  floorMs: number;
  /** Whether a non-2xx answer is a rate-limit answer. @default HTTP 429 */
  matches?: (response: HttpResponse) => boolean;
}

/** One request, as a provider describes it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, with every dynamic segment already encoded (see `pathSegment`). */
  path: string;
  /** Query parameters, in the order to send. */
  query?: Record<string, string | number | undefined>;
  /** A JSON body (serialized here, once, so signing sees the bytes sent) or a pre-encoded string. */
  body?: unknown;
  /** Content type of a string body. @default 'application/json' */
  contentType?: string;
  headers?: Record<string, string>;
  /** Aborts the request. A poll's signal (`AdapterContext.signal`) brings its time limit, which replaces the client's. */
  signal?: AbortSignal | undefined;
  /** The task the request is about, for errors. */
  taskId?: string | undefined;
  /** Overrides the client's request time limit. */
  timeoutMs?: number | undefined;
  /**
   * Overrides the client's response size limit for this request, in bytes (e.g. a large download
   * through `stream()`); `Infinity` for no limit.
   */
  maxResponseBytes?: number | undefined;
}

/** The request as it will be sent, handed to `prepare`. */
export interface PreparedRequest {
  method: string;
  /** The full URL, query included. */
  url: URL;
  /** Mutable: add or change headers here. */
  headers: Record<string, string>;
  /** The exact body bytes (empty string when none). */
  body: string;
}

/** A response with its body parsed as JSON (or `undefined` when it was not JSON). */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body; `undefined` when the body was empty or not JSON. */
  data: unknown;
  /** The body text, when it was not JSON (e.g. an HTML error page), cut to 512 characters. */
  text: string | undefined;
  /** `Retry-After` in ms, when the server sent a usable one. */
  retryAfterMs: number | undefined;
  /**
   * The path the request was sent to: the base URL's path, then the request's, without the query.
   * Errors name this path, so a wrong base path shows in the message.
   */
  path: string;
}

/** The transport shared by an adapter's waits and calls. */
export interface HttpClient {
  readonly provider: string;
  readonly baseURL: string;
  readonly pacer: Pacer | undefined;
  /** Sends a request and returns the 2xx answer with its JSON body; every failure is a TaskPollError. */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Like `request`, then validates the body with `schema`. */
  requestJson<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<{ response: HttpResponse; body: z.output<S> }>;
  /** Sends a request and returns the 2xx answer's body as a stream (downloads). */
  stream(request: HttpRequest): Promise<{ status: number; headers: Record<string, string>; body: Readable; done: () => void }>;
  /**
   * The path a request for `path` is sent to (the base URL's path, then `path`), for errors raised
   * where no answer is at hand.
   */
  pathOf(path: string): string;
  /** The host and port requests connect to (the port written out even when it is the scheme's default), for errors. */
  readonly endpoint: { readonly host: string; readonly port: number };
  /**
   * A snapshot of the pacer's counters, `undefined` without pacing. What an adapter's `pacerStats()`
   * returns.
   */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the keep-alive sockets of the agents this client made and ends the client: calls waiting
   * for a pacing slot (or a socket) reject at once with a non-transient `NetworkError` that says the
   * adapter was closed, and so does every later call, before anything is sent.
   */
  close(): void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** What a closed client's pacer rejects its waiting calls with; each call turns it into its own error. */
const CLOSED: unique symbol = Symbol('closed');
/** Controllers kept for reuse by one client, at most. */
const MAX_IDLE_CONTROLLERS = 64;

/** Builds the HTTP transport of one adapter instance. */
export function createHttpClient(config: HttpClientConfig): HttpClient {
  const { provider } = config;
  const baseURL = checkBaseURL(config.baseURL, `${provider}: baseURL`);
  const requestTimeoutMs = durationOption('requestTimeoutMs', config.requestTimeoutMs, 10_000, { min: 1 });
  const maxResponseBytes = numberOption('maxResponseBytes', config.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 1, 2 ** 31);
  if (config.axios !== undefined && typeof config.axios?.request !== 'function') {
    throw new TypeError(`axios must be an axios instance, got ${describe(config.axios)}`);
  }
  const pacing = normalizePacing(mergePacing(config.defaultPacing, config.pacing));
  const ownAgents = config.axios === undefined;
  const httpAgent = ownAgents ? new HttpAgent({ keepAlive: true, maxSockets: 64 }) : undefined;
  // rejectUnauthorized set explicitly: NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not turn
  // certificate checks off for taskpoll's own agent.
  const httpsAgent = config.httpsAgent ?? (ownAgents ? new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: true }) : undefined);
  // A slot the pacer grants must be a request on the wire. Past the agent's sockets, the rest would
  // queue in the agent: counted as request time, and leaving later than the pacer counted them, so a
  // burst could reach the provider inside its next window. (A caller's own axios is left alone.)
  const sockets = ownAgents ? (baseURL.protocol === 'https:' ? httpsAgent : httpAgent)?.maxSockets : undefined;
  if (pacing && sockets !== undefined && Number.isFinite(sockets) && pacing.maxConcurrency > sockets) pacing.maxConcurrency = sockets;
  const pacer = pacing ? createPacer(pacing) : undefined;
  // Without pacing, requests past the agent's sockets would wait in the agent's queue fully built (an
  // axios request and a ClientRequest each: ~10 kB more per waiting request, bench/overhead). They wait
  // here instead, in the same order and still counted as request time; axios builds them once a socket
  // is free.
  const gate = !pacer && sockets !== undefined && Number.isFinite(sockets) ? createPacer({ maxConcurrency: sockets }) : undefined;
  const instance = config.axios ?? axios.create({ proxy: false });
  // The controllers of finished requests that never aborted, for the next requests' time limits: a
  // fresh AbortSignal's first listener (axios adds one) is a costly step of every request
  // (bench/overhead). Only with our own axios instance, whose config nobody else sees.
  const idleControllers: AbortController[] = [];
  let closed = false;
  /** Why a call that was not sent fails once the client is closed. */
  const closedError = (request: HttpRequest, operation: string): NetworkError =>
    new NetworkError(`${provider}: ${operation} was not sent: the adapter was closed`, {
      provider,
      taskId: request.taskId,
      transient: false,
    });
  const rateLimitFloorMs = config.rateLimit === undefined ? undefined : durationOption('rateLimit.floorMs', config.rateLimit.floorMs, 0, { min: 0 });
  const isRateLimit = config.rateLimit?.matches ?? ((response: HttpResponse) => response.status === 429);

  const endpoint = targetFields(baseURL);
  const target = `${endpoint.host}:${endpoint.port}`;

  const send = async (request: HttpRequest, responseType: 'text' | 'stream') => {
    const url = requestURL(baseURL, request.path);
    const path = url.pathname;
    const operation = `${request.method} ${path}`;
    if (closed) throw closedError(request, operation);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.append(key, String(value));
    }
    const body =
      request.body === undefined ? '' : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    const headers: Record<string, string> = { Accept: 'application/json', ...config.headers, ...request.headers };
    if (body !== '' || request.method === 'POST' || request.method === 'PUT') {
      headers['Content-Type'] = request.contentType ?? 'application/json';
    }
    // A request made inside a poll carries the poll's own limit (the wait's requestTimeoutMs) on its
    // signal: that limit alone applies, so a wait may allow a poll more time than the adapter's calls.
    const timeoutMs = request.timeoutMs ?? (carriesTimeLimit(request.signal) ? Number.POSITIVE_INFINITY : requestTimeoutMs);
    const sizeLimit = responseLimit(request.maxResponseBytes ?? maxResponseBytes);
    // Waiting for a pacing slot is not time the request took: neither this client's time limit nor
    // the poller's per-request limit runs while the request is queued (only the caller's signal does).
    // The same goes for every caller-side limit that is a pausable link (the poller's, an adapter's own).
    let release: (() => void) | undefined;
    if (pacer) {
      const resumeCallerClocks = pauseTimeoutOf(request.signal);
      try {
        release = await pacer.acquire(request.signal);
      } catch (error) {
        throw error === CLOSED ? closedError(request, operation) : error;
      } finally {
        resumeCallerClocks();
      }
      if (closed) {
        release();
        throw closedError(request, operation);
      }
    }
    const scope = linkAbort([request.signal], {
      ms: timeoutMs,
      reason: () =>
        new NetworkError(`${provider}: ${operation} to ${target} got no answer within ${timeoutMs} ms`, {
          provider,
          taskId: request.taskId,
          timedOut: true,
          errno: 'ETIMEDOUT',
          ...endpoint,
        }),
    }, false, responseType === 'text' ? idleControllers.pop() : undefined);
    try {
      await config.prepare?.({ method: request.method, url, headers, body }, request);
      const axiosConfig: AxiosRequestConfig = {
        method: request.method,
        url: url.toString(),
        headers,
        signal: scope.signal,
        responseType,
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: sizeLimit,
        maxBodyLength: maxResponseBytes,
        decompress: true,
      };
      if (body !== '') axiosConfig.data = body;
      if (httpAgent) axiosConfig.httpAgent = httpAgent;
      if (httpsAgent) axiosConfig.httpsAgent = httpsAgent;
      let response: AxiosResponse<unknown>;
      try {
        if (gate) release = await gate.acquire(scope.signal);
        if (closed) throw CLOSED;
        response = await instance.request(axiosConfig);
      } catch (error) {
        if (scope.signal.aborted) throw scope.signal.reason;
        if (error === CLOSED) throw closedError(request, operation);
        throw toTaskPollError(error, { provider, taskId: request.taskId, operation, ...endpoint }) ?? error;
      }
      const result = { response, operation, path, release, scope };
      release = undefined;
      return result;
    } catch (error) {
      release?.();
      scope.dispose();
      throw error;
    }
  };

  const failFor = (answer: HttpResponse, request: HttpRequest, operation: string): TaskPollError => {
    // A rate-limit answer without Retry-After waits the provider's floor, as if the server had said so.
    const response =
      rateLimitFloorMs !== undefined && answer.retryAfterMs === undefined && isRateLimit(answer)
        ? { ...answer, retryAfterMs: rateLimitFloorMs }
        : answer;
    if (response.retryAfterMs !== undefined && (response.status === 429 || response.status === 503)) {
      pacer?.pauseFor(response.retryAfterMs);
    }
    const specific = config.interpretError?.(response, request);
    if (specific) {
      if (specific.transient && specific.retryAfterMs !== undefined) pacer?.pauseFor(specific.retryAfterMs);
      return specific;
    }
    return errorForStatus(response, { provider, taskId: request.taskId, operation });
  };

  const client: HttpClient = {
    provider,
    baseURL: baseURL.toString(),
    pacer,
    endpoint,
    pathOf: (path) => requestURL(baseURL, path).pathname,
    async request(request) {
      const { response, operation, path, release, scope } = await send(request, 'text');
      try {
        const parsed = toHttpResponse(response, { provider, taskId: request.taskId, operation, path });
        if (parsed.status < 200 || parsed.status > 299) throw failFor(parsed, request, operation);
        return parsed;
      } finally {
        release?.();
        scope.dispose();
        const reusable = ownAgents && idleControllers.length < MAX_IDLE_CONTROLLERS ? scope.reusableController() : undefined;
        if (reusable) idleControllers.push(reusable);
      }
    },
    async requestJson(request, schema) {
      const response = await client.request(request);
      const body = parseBody(schema, response.data, {
        provider,
        taskId: request.taskId,
        what: `${request.method} ${response.path}`,
        httpStatus: response.status,
        notJson: response.data === undefined ? response.text ?? '' : undefined,
      });
      return { response, body };
    },
    async stream(request) {
      const { response, operation, path, release, scope } = await send(request, 'stream');
      const body = response.data as Readable;
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        release?.();
        scope.dispose();
      };
      if (response.status < 200 || response.status > 299) {
        const text = await readSome(body, 64 * 1024).catch(() => '');
        done();
        const parsed = toHttpResponse({ ...response, data: text }, { provider, taskId: request.taskId, operation, path });
        throw failFor(parsed, request, operation);
      }
      // The body is handed on through a PassThrough so that a failure mid-stream surfaces as a
      // TaskPollError: the raw axios error would carry the request config (headers, TLS key material).
      // Cut by our time limit or the caller's abort, it fails with that reason, as `request()` does.
      const out = new PassThrough();
      body.on('error', (error: unknown) => {
        const reason = scope.signal.aborted ? (scope.signal.reason as Error) : undefined;
        const context = { provider, taskId: request.taskId, operation, ...endpoint };
        out.destroy(reason ?? toTaskPollError(error, context) ?? bodyFailure(error, context));
      });
      out.once('close', () => {
        if (!body.destroyed) body.destroy();
        done();
      });
      body.pipe(out);
      return { status: response.status, headers: flatHeaders(response.headers), body: out, done };
    },
    pacerStats() {
      return pacer ? { ...pacer.stats } : undefined;
    },
    close() {
      closed = true;
      pacer?.close(CLOSED);
      gate?.close(CLOSED);
      httpAgent?.destroy();
      if (!config.httpsAgent) httpsAgent?.destroy();
    },
  };
  return client;
}

/**
 * The caller's pacing over the provider's default, key by key: `{ maxConcurrency: 2 }` keeps the
 * provider's documented rate and only adds a concurrency cap. `false` turns pacing off.
 */
function mergePacing(defaults: PacingOptions | false | undefined, given: PacingOptions | false | undefined): PacingOptions | false | undefined {
  if (given === undefined) return defaults;
  if (given === false || typeof given !== 'object' || given === null || !defaults) return given;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return merged as PacingOptions;
}

/** A response size limit as axios takes it: -1 for none. */
function responseLimit(bytes: number): number {
  if (bytes === Number.POSITIVE_INFINITY) return -1;
  if (!(typeof bytes === 'number' && bytes >= 1)) throw new RangeError(`maxResponseBytes must be a number >= 1 or Infinity, got ${describe(bytes)}`);
  return bytes;
}

function toHttpResponse(
  response: AxiosResponse<unknown>,
  context: { provider: string; taskId?: string | undefined; operation: string; path: string },
): HttpResponse {
  const headers = flatHeaders(response.headers);
  const raw = typeof response.data === 'string' ? response.data : '';
  let data: unknown;
  let text: string | undefined;
  if (raw.trim() !== '') {
    try {
      data = parseJson(raw);
    } catch {
      text = raw.slice(0, 512);
    }
  }
  const ok = response.status >= 200 && response.status <= 299;
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  // An error answer whose JSON envelope is cut off: the envelope, not the status, says what it means
  // (a provider's rate-limit or expired-session code on a 401, "no such task" on a 400). Statuses
  // that are transient anyway keep their own error (and Retry-After pause).
  const cutEnvelope =
    !ok && /^\s*[[{]/.test(raw) && !errorForStatus({ status: response.status, retryAfterMs }, context).transient;
  if ((ok || cutEnvelope) && data === undefined && text !== undefined && isJsonType(headers['content-type'])) {
    // Transient: JSON that does not parse was almost always cut off on the way (a proxy, a connection
    // reset mid-body), so the poll retries it within its budget. JSON of the wrong shape is the
    // provider's answer and still fails at once (parseBody).
    const status = ok ? '' : `HTTP ${response.status} `;
    throw new ResponseValidationError(`${context.provider}: ${context.operation} answered ${status}with malformed JSON (cut off?)`, {
      provider: context.provider,
      taskId: context.taskId,
      httpStatus: response.status,
      transient: true,
      retryAfterMs,
      issues: [{ path: [], message: 'body is not valid JSON' }],
    });
  }
  return { status: response.status, headers, data, text, retryAfterMs, path: context.path };
}

function isJsonType(contentType: string | undefined): boolean {
  return contentType === undefined || /json/i.test(contentType);
}

/** JSON.parse that drops `__proto__` keys, so no body can reach an object's prototype. */
export function parseJson(text: string): unknown {
  return text.includes('__proto__')
    ? JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
    : JSON.parse(text);
}

function flatHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * A failure of a response body that the transport mapping does not know (e.g. a corrupt gzip stream:
 * zlib's `Z_DATA_ERROR`), as a `NetworkError` that keeps a safe copy of it as `cause`.
 */
function bodyFailure(
  error: unknown,
  context: { provider: string; taskId?: string | undefined; operation: string; host: string; port: number },
): NetworkError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as { message?: unknown; code?: unknown };
  const cause = sanitized(e, typeof e.code === 'string' ? e.code : undefined);
  const where = `${context.operation} to ${context.host}:${context.port}`;
  return new NetworkError(`${context.provider}: ${where} failed while reading the body${cause.message ? `: ${cause.message.slice(0, 200)}` : ''}`, {
    provider: context.provider,
    taskId: context.taskId,
    cause,
    host: context.host,
    port: context.port,
  });
}

async function readSome(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/**
 * Checks a base URL option: http(s), no credentials, no query or fragment, and nothing that could send
 * a request to another host: no backslash (URL parsers read it as `/`) and no path starting with `//`
 * (a protocol-relative reference: `http://a.example//evil.example` would name the host `evil.example`).
 */
export function checkBaseURL(value: unknown, name: string): URL {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a URL string, got ${describe(value)}`);
  if (value.includes('\\')) throw new TypeError(`${name} must not contain a backslash`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must use http or https, got ${url.protocol}`);
  if (url.username || url.password) throw new TypeError(`${name} must not contain credentials`);
  if (url.search || url.hash) throw new TypeError(`${name} must not have a query or fragment`);
  if (url.pathname.startsWith('//')) {
    throw new TypeError(`${name} must not have a path starting with "//" (it would be read as another host)`);
  }
  return url;
}

/**
 * The URL of one request: the base URL's origin, with the base path and `path` set as its path. The path
 * is set on a URL made from the origin, never resolved as a reference, so neither part can change the
 * host (a joined path starting with `//` would otherwise be read as a host).
 */
function requestURL(base: URL, path: string): URL {
  const url = new URL(base.origin);
  url.pathname = base.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  if (url.origin !== base.origin) throw new Error(`request URL left ${base.origin}`);
  return url;
}

/** The host and port a request to `url` connects to (the port written out even when it is the scheme's default), for errors. */
function targetFields(url: URL): { host: string; port: number } {
  return { host: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
}

/**
 * Encodes one dynamic path segment (a task id, job id, project id). Rejects what no id can be (empty,
 * `.`/`..`, control characters such as CR, LF or NUL, longer than `maxLength`) with a TypeError before
 * any request; encodes everything else, so `/`, `?`, `#` and `%` cannot change the path.
 */
export function pathSegment(value: unknown, name: string, maxLength = 256): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) value = String(value);
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (value === '' || value === '.' || value === '..') throw new TypeError(`${name} must not be empty, "." or ".."`);
  if (value.length > maxLength) throw new RangeError(`${name} must be at most ${maxLength} characters, got ${value.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError(`${name} must not contain control characters`);
  return encodeURIComponent(value);
}
