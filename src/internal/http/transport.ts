/**
 * What every request of one HTTP client shares, made once per client by `openTransport`: its checked
 * settings, its own keep-alive agents, the adapter's pacer and the socket gate.
 *
 * @internal
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { PacingOptions } from '../../core/transport.js';
import { describe, durationOption, numberOption } from '../checks.js';
import { createPacer, normalizePacing, type Pacer } from '../pacing.js';
import type { HttpClientConfig, HttpResponse } from './types.js';
import { checkBaseURL, targetFields } from './url.js';

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** What every request of one client shares: its checked settings, agents, pacer and open/closed state. */
export interface Transport {
  readonly config: HttpClientConfig;
  readonly provider: string;
  readonly baseURL: URL;
  /** The host and port requests connect to, for errors. */
  readonly endpoint: { readonly host: string; readonly port: number };
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly axios: AxiosInstance;
  /** True when no caller axios was given: the client made (and frees) its own agents. */
  readonly ownAgents: boolean;
  readonly httpAgent: HttpAgent | undefined;
  readonly httpsAgent: HttpsAgent | undefined;
  readonly pacer: Pacer | undefined;
  /** Without pacing, holds requests past the own agent's sockets (see `openTransport`). */
  readonly gate: Pacer | undefined;
  /**
   * The controllers of finished requests that never aborted, for the next requests' time limits: the
   * first listener on a fresh `AbortSignal` (axios adds one) is a costly step of every request. Only
   * with our own axios instance, whose config nobody else sees.
   */
  readonly idleControllers: AbortController[];
  readonly rateLimitFloorMs: number | undefined;
  readonly isRateLimit: (response: HttpResponse) => boolean;
  closed: boolean;
}

/** Checks the config and makes what the client's requests share: agents, pacer, socket gate. */
export function openTransport(config: HttpClientConfig): Transport {
  const { provider } = config;
  const baseURL = checkBaseURL(config.baseURL, `${provider}: baseURL`);
  const requestTimeoutMs = durationOption('requestTimeoutMs', config.requestTimeoutMs, 10_000, { min: 1 });
  const maxResponseBytes = numberOption(
    'maxResponseBytes',
    config.maxResponseBytes,
    DEFAULT_MAX_RESPONSE_BYTES,
    1,
    2 ** 31,
  );
  if (config.axios !== undefined && typeof config.axios?.request !== 'function') {
    throw new TypeError(`axios must be an axios instance, got ${describe(config.axios)}`);
  }
  const pacing = normalizePacing(mergePacing(config.defaultPacing, config.pacing));
  const ownAgents = config.axios === undefined;
  const httpAgent = ownAgents ? new HttpAgent({ keepAlive: true, maxSockets: 64 }) : undefined;
  // rejectUnauthorized set explicitly: NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not turn
  // certificate checks off for taskpoll's own agent.
  const httpsAgent =
    config.httpsAgent ??
    (ownAgents ? new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: true }) : undefined);
  // A slot the pacer grants must be a request on the wire. Past the agent's sockets, the rest would
  // queue in the agent: counted as request time, and leaving later than the pacer counted them, so a
  // burst could reach the provider inside its next window. (A caller's own axios is left alone.)
  const maxSockets = ownAgents ? (baseURL.protocol === 'https:' ? httpsAgent : httpAgent)?.maxSockets : undefined;
  const sockets = maxSockets !== undefined && Number.isFinite(maxSockets) ? maxSockets : undefined;
  if (pacing && sockets !== undefined && pacing.maxConcurrency > sockets) pacing.maxConcurrency = sockets;
  const pacer = pacing ? createPacer(pacing, provider) : undefined;
  // Without pacing, requests past the agent's sockets would wait in the agent's queue fully built (an
  // axios request and a ClientRequest each, memory held for as long as they wait). They wait here
  // instead, in the same order and still counted as request time; axios builds them once a socket
  // is free.
  const gate = !pacer && sockets !== undefined ? createPacer({ maxConcurrency: sockets }) : undefined;
  return {
    config,
    provider,
    baseURL,
    endpoint: targetFields(baseURL),
    requestTimeoutMs,
    maxResponseBytes,
    axios: config.axios ?? axios.create({ proxy: false }),
    ownAgents,
    httpAgent,
    httpsAgent,
    pacer,
    gate,
    idleControllers: [],
    rateLimitFloorMs:
      config.rateLimit === undefined
        ? undefined
        : durationOption('rateLimit.floorMs', config.rateLimit.floorMs, 0, { min: 0 }),
    isRateLimit: config.rateLimit?.matches ?? ((response: HttpResponse) => response.status === 429),
    closed: false,
  };
}

/**
 * The caller's pacing over the provider's default, key by key: `{ maxConcurrency: 2 }` keeps the
 * provider's documented rate and only adds a concurrency cap. `false` turns pacing off.
 */
function mergePacing(
  defaults: PacingOptions | false | undefined,
  given: PacingOptions | false | undefined,
): PacingOptions | false | undefined {
  if (given === undefined) return defaults;
  if (given === false || typeof given !== 'object' || given === null || !defaults) return given;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return merged as PacingOptions;
}
