/**
 * The shapes of the shared HTTP transport: what a provider factory builds a client with
 * (`HttpClientConfig`), how it describes a request (`HttpRequest`) and what it gets back
 * (`HttpResponse`, `HttpClient`). The client itself is in `client.ts`.
 *
 * @internal
 */
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { TaskPollError } from '../../core/errors/index.js';
import type { PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import type { Pacer } from '../pacing.js';

/** What the shared transport is built with (by a provider factory). */
export interface HttpClientConfig extends TransportOptions {
  /** The provider name for errors. */
  provider: string;
  /** `https://host[:port][/base]`, no trailing slash needed. */
  baseURL: string;
  /** Headers sent on every request (credentials included: they are never put in errors). */
  headers?: Record<string, string>;
  /** An https agent (e.g. with mutual TLS). Left out, and with no caller `axios`, the client makes a keep-alive one. */
  httpsAgent?: HttpsAgent;
  /** The response size limit, in bytes. @default 10 MiB */
  maxResponseBytes?: number;
  /** The provider's default pacing; the caller's `pacing` replaces it key by key, `false` turns it off. */
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
  /**
   * The wait after a rate-limit answer without `Retry-After`, in ms: the provider's documented (or
   * inferred) advice.
   */
  floorMs: number;
  /** Whether a non-2xx answer is a rate-limit answer. @default HTTP 429 */
  matches?: (response: HttpResponse) => boolean;
}

/** One request, as a provider describes it. */
export interface HttpRequest {
  /** The HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, with every dynamic segment already encoded (see `pathSegment`). */
  path: string;
  /** Query parameters, in the order to send. */
  query?: Record<string, string | number | undefined>;
  /** A JSON body (serialized here, once, so signing sees the bytes sent) or a pre-encoded string. */
  body?: unknown;
  /** Content type of a string body. @default 'application/json' */
  contentType?: string;
  /** Headers of this request only, over the client's `headers`. */
  headers?: Record<string, string>;
  /**
   * Aborts the request. A poll's signal (`AdapterContext.signal`) brings its time limit, which replaces
   * the client's.
   */
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
  /** The HTTP method. */
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
  /** The HTTP status. */
  status: number;
  /** The response headers, names lower-cased, repeated ones joined with `, `. */
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
  /** The provider name put on errors. */
  readonly provider: string;
  /** The checked base URL, as a string. */
  readonly baseURL: string;
  /** The adapter's pacer; `undefined` with pacing off. */
  readonly pacer: Pacer | undefined;
  /** Sends a request and returns the 2xx answer with its JSON body; every failure is a TaskPollError. */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Like `request`, then validates the body with `schema`. */
  requestJson<S extends z.ZodType>(
    request: HttpRequest,
    schema: S,
  ): Promise<{ response: HttpResponse; body: z.output<S> }>;
  /** Sends a request and returns the 2xx answer's body as a stream (downloads). */
  stream(
    request: HttpRequest,
  ): Promise<{ status: number; headers: Record<string, string>; body: Readable; done: () => void }>;
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
