/**
 * What an integrator of `taskpoll/guance` reads: the documented sites and namespaces, the default
 * request budget, the factory's options, what `submit` takes, and the adapter's own calls.
 *
 * The sites, the `DF-API-KEY` header and the envelope come from the Open API overview
 * (https://docs.guance.com/en/open-api/); the namespaces from `logmine/sendtask.md` and the budget
 * from `api-limit.md` in the docs' source, https://github.com/GuanceCloud/guance-docs
 * (`docs/zh/open-api/`).
 */
import type { TaskAdapter } from '../../core/adapter.js';
import type { Pacer, PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import type { GuanceLogmineResult } from './clusters.js';

/** The documented SaaS sites and their Open API endpoints (https://docs.guance.com/en/open-api/). */
export const GUANCE_SITES = Object.freeze({
  /** China 1 (Hangzhou). */
  cn1: 'https://openapi.guance.com',
  /** China 2 (Ningxia). */
  cn2: 'https://aws-openapi.guance.com',
  /** China 4 (Guangzhou). */
  cn4: 'https://cn4-openapi.guance.com',
  /** China 5 (21Vianet). The zh overview lists it; the en one does not. */
  cn5: 'https://cn5-openapi.guance.com',
  /** China 6 (Hong Kong). */
  cn6: 'https://cn6-openapi.guance.one',
  /** US 1 (Oregon). */
  us1: 'https://us1-openapi.guance.com',
  /** Europe 1 (Frankfurt). */
  eu1: 'https://eu1-openapi.guance.one',
  /** Asia-Pacific 1 (Singapore). */
  ap1: 'https://ap1-openapi.guance.one',
  /** South Africa 1. The doc source templates the domain; the rendered overview at docs.guance.com gives guance.com. */
  za1: 'https://za1-openapi.guance.com',
  /**
   * Indonesia 1 (Jakarta). The doc source templates the domain; the rendered overview at docs.guance.com
   * gives guance.com.
   */
  id1: 'https://id1-openapi.guance.com',
} as const);

/** A documented Guance site name, e.g. `'cn1'`. */
export type GuanceSite = keyof typeof GUANCE_SITES;

/** The `namespace` values `send_task` accepts (`logmine/sendtask.md`). */
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
 * The request budget used when `pacing` is left out: 20 requests a minute, shared by every call and
 * wait of one adapter instance. It is Guance's documented limit per API key (`api-limit.md`) as it
 * stands: the pacer keeps its own margin for the time a request takes to reach the server (at least
 * 2 % of the window, 1.2 s here, and up to a quarter, 15 s, which covers the whole default request time
 * limit; see `PacingOptions.requestsPerInterval`).
 */
export const GUANCE_DEFAULT_PACING: Readonly<Required<Pick<PacingOptions, 'requestsPerInterval' | 'intervalMs'>>> =
  Object.freeze({ requestsPerInterval: 20, intervalMs: 60_000 });

/** The options of both forms: the key, the transport, and the pacing. */
interface GuanceLogmineCommonOptions extends TransportOptions {
  /** The API key, sent as the `DF-API-KEY` header on every request. It also selects the workspace. */
  apiKey: string;
  /**
   * Pacing of this adapter's requests, shared by all of its calls and waits. The keys you give replace
   * those of the default; the others keep their default. `false` turns pacing off.
   * A {@link Pacer} is used as it is, to share one budget with other adapters (it stays open when
   * this adapter closes).
   * @default GUANCE_DEFAULT_PACING ({ requestsPerInterval: 20, intervalMs: 60_000 })
   */
  pacing?: PacingOptions | false | Pacer;
}

/** Options of {@link guanceLogmine} for a documented SaaS site. */
export interface GuanceLogmineSiteOptions extends GuanceLogmineCommonOptions {
  /**
   * The site of your workspace (see {@link GUANCE_SITES}).
   * @default 'cn1'
   */
  site?: GuanceSite;
  /** Not with `site`: a private deployment gives `baseURL` instead (see {@link GuanceLogmineDeploymentOptions}). */
  baseURL?: never;
}

/** Options of {@link guanceLogmine} for a private deployment. */
export interface GuanceLogmineDeploymentOptions extends GuanceLogmineCommonOptions {
  /** The Open API endpoint of a private deployment, e.g. `https://openapi.example.internal`. */
  baseURL: string;
  /** Not with `baseURL`: a SaaS workspace gives `site` instead (see {@link GuanceLogmineSiteOptions}). */
  site?: never;
}

/** Options of {@link guanceLogmine}: `site` or `baseURL`, not both. */
export type GuanceLogmineOptions = GuanceLogmineSiteOptions | GuanceLogmineDeploymentOptions;

/** What `submit` takes: the body of `POST /api/v1/logmine/send_task` (`logmine/sendtask.md`). */
export interface GuanceLogmineTaskInput {
  /** The field to cluster on, e.g. `'message'`. */
  analysisField: string;
  /**
   * A full DQL query, in the form ``L::`*`:(`__docid`, <analysisField>){}``. When given, the provider
   * ignores `namespace` and `conditions`.
   */
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
  /**
   * What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined` with
   * `pacing: false`.
   */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed.
   */
  close(): void;
}
