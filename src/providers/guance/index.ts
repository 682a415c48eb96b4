/**
 * Guance Cloud (观测云) Open API: log clustering ("logmine") tasks.
 *
 * Sources: `GuanceCloud/guance-docs`, `docs/{zh,en}/open-api/logmine/{sendtask,querytask}.md` (the
 * calls), `open-api/index.md` (sites, the envelope, the `DF-API-KEY` header), `error-definition.md`
 * (error codes) and `api-limit.md` (20 requests a minute per API key).
 */
import { z } from 'zod';
import { defineAdapter, type StatusReport, type TaskAdapter } from '../../core/adapter.js';
import type { TaskPollError } from '../../core/errors/index.js';
import {
  checkCallOptions,
  checkId,
  checkOptions,
  clipProviderText,
  describe,
  envelopeError,
  type IdRule,
} from '../../internal/checks.js';
import { parseJson } from '../../internal/http/body.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpRequest, HttpResponse } from '../../internal/http/types.js';
import type { PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import type { TaskState } from '../../core/status.js';
import { maskStatusReport } from '../../internal/redact.js';
import { parseBody } from '../../internal/validate.js';

const PROVIDER = 'guance.logmine';
const SEND_PATH = '/api/v1/logmine/send_task';
const QUERY_PATH = '/api/v1/logmine/query_task';

/** The documented SaaS sites and their Open API endpoints (`open-api/index.md`; za1/id1 from the en doc). */
export const GUANCE_SITES = Object.freeze({
  /** China 1 (Hangzhou). */
  cn1: 'https://openapi.guance.com',
  /** China 2 (Ningxia). */
  cn2: 'https://aws-openapi.guance.com',
  /** China 4 (Guangzhou). */
  cn4: 'https://cn4-openapi.guance.com',
  /** China 5 (21Vianet). */
  cn5: 'https://cn5-openapi.guance.com',
  /** China 6 (Hong Kong). */
  cn6: 'https://cn6-openapi.guance.one',
  /** US 1 (Oregon). */
  us1: 'https://us1-openapi.guance.com',
  /** Europe 1 (Frankfurt). */
  eu1: 'https://eu1-openapi.guance.one',
  /** Asia-Pacific 1 (Singapore). */
  ap1: 'https://ap1-openapi.guance.one',
  /** South Africa 1. The en doc templates the domain; guance.com is an inference (guance-docs `docs/en/open-api/index.md`). */
  za1: 'https://za1-openapi.guance.com',
  /** Indonesia 1 (Jakarta). The en doc templates the domain; guance.com is an inference (guance-docs `docs/en/open-api/index.md`). */
  id1: 'https://id1-openapi.guance.com',
} as const);

/** A documented Guance site name, e.g. `'cn1'`. */
export type GuanceSite = keyof typeof GUANCE_SITES;

/** The `namespace` values `send_task` accepts (sendtask.md). */
export const GUANCE_NAMESPACES = Object.freeze([
  'object',
  'object_history',
  'custom_object',
  'logging',
  'keyevent',
  'unrecovered_event',
  'tracing',
  'rum',
  'network',
  'security',
  'backup_log',
  'profiling',
  'billing',
] as const);

/** A DQL namespace `send_task` accepts. */
export type GuanceNamespace = (typeof GUANCE_NAMESPACES)[number];

/**
 * The request budget used when `pacing` is left out: 20 requests per 62 s, shared by every call and
 * wait of one adapter instance.
 *
 * Guance allows 20 requests a minute per API key (`api-limit.md`). The server counts requests when
 * they arrive; the pacer counts them when they start. A request slowed on its way (connection setup, a
 * TLS handshake, a retransmit) can arrive after one started 60 s later, and the server would then see
 * 21 in its minute. The 2 s margin covers connection setup on the keep-alive agent at a cost of 3 % of
 * the budget. It is not a hard bound: that would be the whole request time limit (10 s by default, i.e.
 * `intervalMs: 70_000`). When a slow request does trip the limit, Guance answers with a rate-limit 401.
 * That is a transient error: the poller retries it after a pause, so it costs one retry and never fails a wait.
 */
export const GUANCE_DEFAULT_PACING: Readonly<Required<Pick<PacingOptions, 'requestsPerInterval' | 'intervalMs'>>> =
  Object.freeze({ requestsPerInterval: 20, intervalMs: 62_000 });

/**
 * How long to hold this adapter's requests after a rate-limit answer without `Retry-After`, in ms:
 * one slot of the documented 20-a-minute budget (`api-limit.md`). Guance documents the budget, not a
 * wait after a refusal: one slot's worth is an inference **[inf]**.
 */
const RATE_LIMIT_PAUSE_MS = 3000;

/** Guance's rate-limit codes, answered with HTTP 401 (`error-definition.md`): transient, never an auth failure. */
const RATE_LIMIT_CODES: ReadonlySet<string> = new Set([
  'ft.TriggerApiAkCurrentLimiting',
  'ft.TriggerApiWorkspaceCurrentLimiting',
]);

/** The invalid-key code, answered with HTTP 403 (`error-definition.md`). */
const INVALID_KEY_CODE = 'ft.InvalidAPIKey';

interface GuanceLogmineCommonOptions extends TransportOptions {
  /** The API key, sent as the `DF-API-KEY` header on every request. It also selects the workspace. */
  apiKey: string;
  /**
   * Pacing of this adapter's requests, shared by all of its calls and waits. The keys you give replace
   * those of the default; the others keep their default. `false` turns pacing off.
   * @default GUANCE_DEFAULT_PACING ({ requestsPerInterval: 20, intervalMs: 62_000 })
   */
  pacing?: PacingOptions | false;
}

/** Options of {@link guanceLogmine} for a documented SaaS site. */
export interface GuanceLogmineSiteOptions extends GuanceLogmineCommonOptions {
  /**
   * The site of your workspace (see {@link GUANCE_SITES}).
   * @default 'cn1'
   */
  site?: GuanceSite;
  baseURL?: never;
}

/** Options of {@link guanceLogmine} for a private deployment. */
export interface GuanceLogmineDeploymentOptions extends GuanceLogmineCommonOptions {
  /** The Open API endpoint of a private deployment, e.g. `https://openapi.example.internal`. */
  baseURL: string;
  site?: never;
}

/** Options of {@link guanceLogmine}: `site` or `baseURL`, not both. */
export type GuanceLogmineOptions = GuanceLogmineSiteOptions | GuanceLogmineDeploymentOptions;

/** One cluster of similar log lines. */
export interface GuanceLogmineCluster {
  /** How many documents fell into the cluster. */
  count: number;
  /** The ids of those documents (the provider's `docids`), e.g. `L_1683535329738_chcbbp44c5rvac7jvckg`. */
  docIds: string[];
  /** The representative log text. It is often itself JSON: see {@link parseClusterMessage}. */
  message: string;
}

/** The result of a finished logmine task. */
export interface GuanceLogmineResult {
  /** How many documents were analysed. */
  docCount: number;
  /** The clusters, as the provider orders them. */
  clusters: GuanceLogmineCluster[];
}

/** What `submit` takes: the body of `POST /api/v1/logmine/send_task` (sendtask.md). */
export interface GuanceLogmineTaskInput {
  /** The field to cluster on, e.g. `'message'`. */
  analysisField: string;
  /** A full DQL query, in the form ``L::`*`:(`__docid`, <analysisField>){}``. When given, the provider ignores `namespace` and `conditions`. */
  query?: string;
  /** The DQL namespace. The provider uses `'logging'` when it is left out. */
  namespace?: GuanceNamespace;
  /** A DQL filter, e.g. ``index in [`default`]``. */
  conditions?: string;
  /** Whether the provider highlights the query string. */
  highlight?: boolean;
  /** The time range `[start, end]`, as `Date`s or epoch milliseconds; sent as epoch ms. */
  timeRange?: readonly [start: Date | number, end: Date | number];
}

/** Options of `submit`. */
export interface GuanceSubmitOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** The logmine adapter plus the calls around the wait. Refs are task id strings. */
export interface GuanceLogmine extends TaskAdapter<string, GuanceLogmineResult> {
  /** Starts a clustering task and resolves with its task id (not retried: `send_task` is not idempotent). */
  submit(input: GuanceLogmineTaskInput, options?: GuanceSubmitOptions): Promise<string>;
  /** What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined` with `pacing: false`. */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed.
   */
  close(): void;
}

/** A cluster message, parsed: JSON (an object or an array) or plain text. */
export type GuanceClusterMessage =
  | { kind: 'json'; value: Record<string, unknown> | unknown[] }
  | { kind: 'text'; value: string };

/**
 * Reads a cluster's `message`: `{ kind: 'json', value }` when it is a JSON object or array (structured
 * log lines are), `{ kind: 'text', value }` otherwise. Scalars such as `"404"` or `"true"` stay text:
 * they are log words, not structure.
 */
export function parseClusterMessage(message: string): GuanceClusterMessage {
  if (typeof message !== 'string') throw new TypeError(`message must be a string, got ${describe(message)}`);
  const first = message.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      const value = parseJson(message);
      if (typeof value === 'object' && value !== null) return { kind: 'json', value: value as Record<string, unknown> | unknown[] };
    } catch {
      // Not JSON after all: it is text.
    }
  }
  return { kind: 'text', value: message };
}

/**
 * Maps a `content.taskStatus` word onto a {@link TaskState}. Only `ok` is documented (querytask.md).
 * Other words are matched case-insensitively, ignoring spaces and dashes. Running-like words map to
 * `running` and `queued` words to `queued`. Failure-like words map to `failed`, so a failure ends the
 * wait rather than running into its time limit. Anything else is `unknown`, which never ends a wait.
 */
export function guanceTaskState(taskStatus: string): TaskState {
  switch (taskStatus.trim().toLowerCase().replace(/[\s-]+/g, '_')) {
    case 'ok':
      return 'succeeded';
    case 'queued':
    case 'queueing':
    case 'queuing':
    case 'waiting':
      return 'queued';
    case 'running':
    case 'pending':
    case 'processing':
    case 'in_progress':
    case 'started':
    case 'executing':
      return 'running';
    case 'failed':
    case 'fail':
    case 'failure':
    case 'error':
    case 'errored':
    case 'timeout':
    case 'timed_out':
      return 'failed';
    default:
      return 'unknown';
  }
}

// --- Response schemas -------------------------------------------------------------------------------

/** `traceId`: the doc table says Boolean, the examples send a numeric string. */
const traceId = z.union([z.string(), z.number(), z.boolean()]);

/** The standard envelope (`open-api/index.md`), strict on the documented fields, open to others. */
const envelope = z.looseObject({
  code: z.number(),
  content: z.unknown(),
  errorCode: z.string(),
  message: z.string(),
  success: z.boolean(),
  traceId,
});

const sendTaskBody = envelope.extend({
  content: z.looseObject({ taskId: z.string().min(1) }),
});

const queryTaskBody = envelope.extend({
  content: z.looseObject({ taskStatus: z.string(), data: z.unknown().optional(), docCount: z.unknown().optional() }),
});

const cluster = z
  .looseObject({
    count: z.number().int().nonnegative(),
    docids: z.array(z.string()),
    message: z.string(),
  })
  .transform(({ count, docids, message }): GuanceLogmineCluster => ({ count, docIds: docids, message }));

/** An `ok` answer: `data` and `docCount` are then relied on. */
const finishedTaskBody = envelope.extend({
  content: z.looseObject({
    taskStatus: z.string(),
    data: z.array(cluster),
    docCount: z.number().int().nonnegative(),
  }),
});

/** Just enough of an envelope to tell an error answer (any HTTP status) from a good one. */
const errorEnvelope = z.looseObject({
  code: z.number().optional(),
  errorCode: z.string(),
  message: z.string().nullish(),
  success: z.boolean().optional(),
});
type ErrorEnvelope = z.output<typeof errorEnvelope>;

/**
 * [inf] Guance's answer for an unknown task id (not documented): its envelope on a 404 with no
 * `errorCode` (the API puts the HTTP status in `code`), or with one that names a missing task (such as
 * `ft.TaskNotFound`). Another code on a 404 (e.g. a route's `ft.NotFound`) is not about the task.
 */
function isTaskNotFound(env: ErrorEnvelope): boolean {
  return env.errorCode === '' || /task.*not.?(found|exist)/i.test(env.errorCode);
}

// --- The factory --------------------------------------------------------------------------------------

const OPTION_KEYS = new Set(['apiKey', 'site', 'baseURL', 'axios', 'requestTimeoutMs', 'pacing']);
/** A task id is sent as a query parameter; Guance documents no form for it. */
const TASK_ID: IdRule = { name: 'taskId' };
const INPUT_KEYS = new Set(['analysisField', 'query', 'namespace', 'conditions', 'highlight', 'timeRange']);

/**
 * The Guance logmine adapter: `submit` a clustering task, then wait for it with `waitForTask` (or
 * follow it with `pollTask`); the result is typed {@link GuanceLogmineResult}.
 *
 * Every option is checked here, before any request: a bad one throws a `TypeError` or `RangeError`
 * that never repeats the API key.
 *
 * Errors: `ft.InvalidAPIKey` (403) and other 401/403 answers are an `AuthenticationError`. The
 * rate-limit codes (401 `ft.Trigger…CurrentLimiting`) are a transient `ProviderError`: the poller
 * retries it and every request of the adapter pauses. Any other error envelope (`success: false` or a
 * non-empty `errorCode`, even with HTTP 200) is a `ProviderError` with the provider's code. An unknown task
 * id is not documented. The inference: the API reports failures by HTTP status and puts the same value
 * in `code`, so a 404 on `query_task` that carries Guance's envelope without an `errorCode`, or with
 * one naming a missing task, is a `TaskNotFoundError`. Any other 404 (no envelope, or another code, e.g.
 * a wrong `baseURL` behind a gateway) is an `HttpError` that says the URL may be wrong. Any other code
 * is a `ProviderError` that keeps the code as sent. Every message names the path actually sent.
 *
 * @example
 * const logmine = guanceLogmine({ apiKey: process.env.DF_API_KEY!, site: 'cn1' });
 * const taskId = await logmine.submit({ analysisField: 'message', timeRange: [Date.now() - 900_000, Date.now()] });
 * const done = await waitForTask(logmine, taskId, { timeoutMs: 120_000, initialDelayMs: 3000 });
 * if (done.state === 'succeeded') {
 *   for (const c of done.result.clusters) console.log(c.count, parseClusterMessage(c.message));
 * }
 * logmine.close();
 */
export function guanceLogmine(options: GuanceLogmineOptions): GuanceLogmine {
  checkOptions(options, PROVIDER, OPTION_KEYS);
  const apiKey = checkApiKey(options.apiKey);
  const baseURL = chooseBaseURL(options.site, options.baseURL);

  const client = createHttpClient({
    provider: PROVIDER,
    baseURL,
    headers: { 'DF-API-KEY': apiKey },
    ...(options.axios === undefined ? {} : { axios: options.axios }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    defaultPacing: GUANCE_DEFAULT_PACING,
    ...(options.pacing === undefined ? {} : { pacing: options.pacing }),
    interpretError(response, request) {
      // An envelope without a code adds nothing to the status mapping, except a 404 from the API itself.
      const parsed = errorEnvelope.safeParse(response.data);
      if (!parsed.success) return undefined;
      if (parsed.data.errorCode === '' && !(response.status === 404 && request.path === QUERY_PATH)) return undefined;
      return answerError(parsed.data, response, request);
    },
    rateLimit: {
      floorMs: RATE_LIMIT_PAUSE_MS,
      matches: (response) => response.status === 429 || RATE_LIMIT_CODES.has(errorEnvelope.safeParse(response.data).data?.errorCode ?? ''),
    },
  });

  /**
   * The error an envelope stands for. It is judged by the envelope's `code` on a 2xx answer (the docs
   * say `code` equals the HTTP status) and by the HTTP status otherwise; `httpStatus` stays the real one.
   */
  function answerError(env: ErrorEnvelope, response: HttpResponse, request: HttpRequest): TaskPollError {
    const { status: httpStatus, retryAfterMs } = response;
    const ok = httpStatus >= 200 && httpStatus <= 299;
    const status = ok && env.code !== undefined ? env.code : httpStatus;
    const code = env.errorCode !== '' ? env.errorCode : String(status);
    const answer = { provider: PROVIDER, request, response, code, text: env.message, secrets: [apiKey] };
    if (RATE_LIMIT_CODES.has(env.errorCode)) {
      return envelopeError({ ...answer, kind: 'rate-limit', retryAfterMs: retryAfterMs ?? RATE_LIMIT_PAUSE_MS });
    }
    if (env.errorCode === INVALID_KEY_CODE || status === 401 || status === 403) {
      return envelopeError({ ...answer, kind: 'auth', reason: 'the API key was refused' });
    }
    if (status === 404 && request.path === QUERY_PATH && isTaskNotFound(env)) return envelopeError({ ...answer, kind: 'not-found' });
    if (httpStatus === 404) return envelopeError({ ...answer, kind: 'wrong-url' });
    const transient = status === 429 || status >= 500;
    return envelopeError({ ...answer, kind: 'error', transient, retryAfterMs: transient ? retryAfterMs : undefined });
  }

  /** One call: the 2xx answer's envelope checked for an error, then validated with `schema`. */
  async function call<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.output<S>> {
    const response = await client.request(request);
    const env = errorEnvelope.safeParse(response.data);
    if (env.success && (env.data.success === false || env.data.errorCode !== '')) {
      const error = answerError(env.data, response, request);
      if (error.transient && error.retryAfterMs !== undefined) client.pacer?.pauseFor(error.retryAfterMs);
      throw error;
    }
    return parseBody(schema, response.data, {
      provider: PROVIDER,
      taskId: request.taskId,
      what: `${request.method} ${response.path}`,
      httpStatus: response.status,
      notJson: response.data === undefined ? (response.text ?? '') : undefined,
    });
  }

  const adapter = defineAdapter<string, GuanceLogmineResult>({
    provider: PROVIDER,
    taskId: (ref) => checkId(ref, PROVIDER, TASK_ID),
    async getStatus(taskId, { signal }) {
      const request: HttpRequest = { method: 'GET', path: QUERY_PATH, query: { taskId }, signal, taskId };
      const body = await call(request, queryTaskBody);
      const providerState = body.content.taskStatus;
      const report: StatusReport<GuanceLogmineResult> = { state: guanceTaskState(providerState), providerState, raw: body };
      // The provider's own words, kept with their line breaks; the key masked, and clipped.
      if (body.message !== '') report.message = clipProviderText(body.message, { secrets: [apiKey], oneLine: false });
      if (report.state === 'succeeded') {
        const done = parseBody(finishedTaskBody, body, { provider: PROVIDER, taskId, what: `GET ${client.pathOf(QUERY_PATH)} (taskStatus ok)` });
        report.result = { docCount: done.content.docCount, clusters: done.content.data };
      }
      // A status's raw body ends up in errors (TaskFailedError.status, TaskTimeoutError.lastStatus): a
      // body that echoes the key is copied without it. The result is left as the provider sent it.
      return maskStatusReport(report, [apiKey]);
    },
  });

  return {
    ...adapter,
    async submit(input, submitOptions) {
      const body = taskBody(input);
      const signal = checkCallOptions(submitOptions, PROVIDER, 'submit');
      const answer = await call({ method: 'POST', path: SEND_PATH, body, signal }, sendTaskBody);
      return answer.content.taskId;
    },
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close() {
      client.close();
    },
  };
}

// --- Checks -------------------------------------------------------------------------------------------

function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new TypeError(`${PROVIDER}: apiKey must be a non-empty string, got ${describe(apiKey)}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(apiKey)) throw new TypeError(`${PROVIDER}: apiKey must not contain control characters`);
  if (/[^\u0020-\u007e]/.test(apiKey)) throw new TypeError(`${PROVIDER}: apiKey must be printable ASCII (it is sent as a header)`);
  if (apiKey.trim() !== apiKey) throw new TypeError(`${PROVIDER}: apiKey must not start or end with whitespace`);
  return apiKey;
}

function chooseBaseURL(site: unknown, baseURL: unknown): string {
  if (site !== undefined && baseURL !== undefined) {
    throw new TypeError(`${PROVIDER}: give site or baseURL, not both`);
  }
  if (baseURL !== undefined) return baseURL as string; // checked by createHttpClient
  if (site === undefined) return GUANCE_SITES.cn1;
  if (typeof site !== 'string') throw new TypeError(`${PROVIDER}: site must be a string, got ${describe(site)}`);
  if (!Object.hasOwn(GUANCE_SITES, site)) {
    throw new RangeError(`${PROVIDER}: site must be one of ${Object.keys(GUANCE_SITES).join(', ')}, got ${describe(site)}`);
  }
  return GUANCE_SITES[site as GuanceSite];
}

/** Checks `submit`'s input and builds the `send_task` body, in the documented field order. */
function taskBody(input: GuanceLogmineTaskInput): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${PROVIDER}: submit input must be an object, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!INPUT_KEYS.has(key)) throw new TypeError(`${PROVIDER}: unknown submit input "${key}"`);
  }
  const { analysisField, query, namespace, conditions, highlight, timeRange } = input;
  if (typeof analysisField !== 'string' || analysisField.trim() === '') {
    throw new TypeError(`${PROVIDER}: analysisField must be a non-empty string, got ${describe(analysisField)}`);
  }
  if (query !== undefined && (typeof query !== 'string' || query.trim() === '')) {
    throw new TypeError(`${PROVIDER}: query must be a non-empty DQL string when given, got ${describe(query)}`);
  }
  if (namespace !== undefined && !(GUANCE_NAMESPACES as readonly unknown[]).includes(namespace)) {
    throw new RangeError(`${PROVIDER}: namespace must be one of ${GUANCE_NAMESPACES.join(', ')}, got ${describe(namespace)}`);
  }
  if (conditions !== undefined && typeof conditions !== 'string') {
    throw new TypeError(`${PROVIDER}: conditions must be a string, got ${describe(conditions)}`);
  }
  if (highlight !== undefined && typeof highlight !== 'boolean') {
    throw new TypeError(`${PROVIDER}: highlight must be a boolean, got ${describe(highlight)}`);
  }
  const body: Record<string, unknown> = {};
  if (query !== undefined) body['query'] = query;
  if (namespace !== undefined) body['namespace'] = namespace;
  if (highlight !== undefined) body['highlight'] = highlight;
  if (conditions !== undefined) body['conditions'] = conditions;
  if (timeRange !== undefined) body['timeRange'] = checkTimeRange(timeRange);
  body['analysisField'] = analysisField;
  return body;
}

function checkTimeRange(timeRange: unknown): [number, number] {
  if (!Array.isArray(timeRange) || timeRange.length !== 2) {
    throw new TypeError(`${PROVIDER}: timeRange must be a [start, end] pair, got ${describe(timeRange)}`);
  }
  const [start, end] = timeRange.map((value: unknown, i) => epochMs(value, i === 0 ? 'timeRange[0] (start)' : 'timeRange[1] (end)')) as [number, number];
  if (start > end) throw new RangeError(`${PROVIDER}: timeRange start (${start}) must not be after its end (${end})`);
  return [start, end];
}

function epochMs(value: unknown, name: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${PROVIDER}: ${name} is an invalid Date`);
    if (ms < 0) throw new RangeError(`${PROVIDER}: ${name} must not be before 1970, got ${ms} ms`);
    return ms;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${PROVIDER}: ${name} must be a Date or epoch milliseconds, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${PROVIDER}: ${name} must be a whole number of epoch milliseconds ≥ 0, got ${describe(value)}`);
  }
  return value;
}
