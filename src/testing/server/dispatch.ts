/**
 * One request, from arrival to answer: find the provider and route, record it, refuse a bad client
 * certificate, apply the faults that match, run the provider's handler, send the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { InternalClock } from '../clock.js';
import type { FaultRegistry, FaultSpec } from '../faults.js';
import type { OpenRecord, Recorder } from '../recorder.js';
import { openRecord, send } from './record.js';
import {
  encode,
  json,
  nginxPage,
  type ProviderModule,
  type Route,
  type SimRequest,
  type SimResponse,
} from './route.js';

/** Which listener a request came in on. */
export type Listener = 'main' | 'edge-tls';

/** How the edge listener checks client certificates. */
export interface ClientCertPolicy {
  required: boolean;
  /**
   * `'http-400'`: nginx's answer to a missing or bad certificate; `'handshake'`: the TLS server drops
   * the connection.
   */
  failure: 'http-400' | 'handshake';
}

/** What a request is handled with. */
export interface DispatchConfig {
  modules: ProviderModule[];
  recorder: Recorder;
  faults: FaultRegistry;
  clock: InternalClock;
  /** When set, edge routes are served only on the edge TLS listener, with this client certificate policy. */
  edgeTls: { clientCert: ClientCertPolicy } | undefined;
}

/** Where a request lands: its provider and route, when any, and the route's decoded path parameters. */
interface Target {
  module?: ProviderModule;
  route?: Route;
  params: Record<string, string>;
}

/**
 * Handles one request. `received` is the body, or `undefined` when it was over the size limit;
 * `delay` waits on a timer the server clears when it closes (false when it closed meanwhile).
 */
export async function dispatch(
  config: DispatchConfig,
  listener: Listener,
  req: IncomingMessage,
  res: ServerResponse,
  received: Buffer | undefined,
  delay: (ms: number) => Promise<boolean>,
): Promise<void> {
  const { method, rawPath, rawQuery } = splitTarget(req);
  const { module, route, params } = findRoute(config, listener, method, rawPath);
  const request: SimRequest = {
    method,
    rawPath,
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body: received ?? Buffer.alloc(0),
    params,
    client: req.socket.remoteAddress ?? 'unknown',
  };
  // Recorded before anything can go wrong, so that every request shows up in `sim.requests`.
  const record = openRecord(config.recorder, config.clock, request, module, route);

  // Too big a body is nginx's 413 (`client_max_body_size`), before the provider or a fault sees it.
  if (received === undefined) {
    send(res, record, nginxPage(413));
    return;
  }

  // MEF's nginx (`ssl_verify_client on`) answers a missing or bad client certificate with a 400 page.
  const certRefusal = listener === 'edge-tls' ? clientCertRefusal(config, req) : undefined;
  if (certRefusal !== undefined) {
    send(res, record, certRefusal);
    return;
  }

  // Latency faults first (they add up); a close meanwhile ends the request as a reset.
  const plan = config.faults.plan({
    provider: record.provider,
    route: record.route,
    method,
    path: rawPath,
    statusRoute: route?.replaceStatus !== undefined,
  });
  record.faults.push(...plan.kinds);
  if (plan.latencyMs > 0 && !(await delay(plan.latencyMs))) {
    record.outcome = 'reset';
    req.socket.destroy();
    return;
  }

  // Then at most one other fault: some answer in the provider's place (or never answer)…
  const fault = plan.fault;
  const early = fault === undefined ? undefined : faultInsteadOfHandler(fault, record, req);
  if (early === 'done') return;
  if (early !== undefined) {
    send(res, record, early);
    return;
  }

  // …the others change what the provider answered.
  const response = runHandler(module, route, request, record);
  send(res, record, fault === undefined ? response : faultOnAnswer(fault, route, response));
}

/** The method, and the request target split into its raw path and raw query. */
function splitTarget(req: IncomingMessage): { method: string; rawPath: string; rawQuery: string } {
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  return { method, rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1) };
}

/** The first provider whose prefix the path has on this listener, and its route for the method and path. */
function findRoute(config: DispatchConfig, listener: Listener, method: string, rawPath: string): Target {
  for (const module of config.modules) {
    // With an edge TLS listener, MEF lives only there; the other providers only on the main listener.
    const servesHere =
      config.edgeTls === undefined ? listener === 'main' : (module.name === 'edge') === (listener === 'edge-tls');
    if (!servesHere || !module.prefix.test(rawPath)) continue;
    for (const route of module.routes) {
      if (route.method !== method) continue;
      const params = matchParams(route, rawPath);
      if (params !== undefined) return { module, route, params };
    }
    // The provider's own not-found answer, not a generic one.
    return { module, params: {} };
  }
  return { params: {} };
}

/** The route's path parameters, decoded; `undefined` when the path does not match or a parameter does not decode. */
function matchParams(route: Route, rawPath: string): Record<string, string> | undefined {
  const match = route.pattern.exec(rawPath);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(match.groups ?? {})) {
    try {
      params[key] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** nginx's 400 page when the edge listener requires a client certificate and this one is missing or untrusted. */
function clientCertRefusal(config: DispatchConfig, req: IncomingMessage): SimResponse | undefined {
  if (!config.edgeTls?.clientCert.required) return undefined;
  const socket = req.socket as TLSSocket;
  if (socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  const none = peer === null || Object.keys(peer).length === 0;
  return nginxPage(400, none ? 'No required SSL certificate was sent' : 'The SSL certificate error');
}

/** The provider's answer; a handler that throws is a 500 with its message on the record, never a crash. */
function runHandler(
  module: ProviderModule | undefined,
  route: Route | undefined,
  request: SimRequest,
  record: OpenRecord,
): SimResponse {
  try {
    if (route) return route.handle(request);
    if (module) return module.notFound(request);
    return json(404, { error: 'not found' });
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    return { status: 500, body: 'simulator error' };
  }
}

/** Faults answered before the provider sees the request; `'done'` when nothing more is to be sent. */
function faultInsteadOfHandler(
  fault: Readonly<FaultSpec>,
  record: OpenRecord,
  req: IncomingMessage,
): SimResponse | 'done' | undefined {
  switch (fault.kind) {
    case 'hang':
      record.outcome = 'hung';
      return 'done';
    case 'reset':
      record.outcome = 'reset';
      req.socket.destroy();
      return 'done';
    case 'server-error': {
      const body = fault.body ?? 'Internal Server Error';
      const looksJson = /^\s*[[{]/.test(body);
      return {
        status: fault.status ?? 500,
        body,
        contentType: looksJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
      };
    }
    case 'too-many-requests':
      return { ...nginxPage(429), headers: { 'Retry-After': String(fault.retryAfterS ?? 1) } };
    case 'html-page':
      return nginxPage(fault.status ?? 502);
    default:
      return undefined;
  }
}

/** Faults applied to the provider's answer: its status word replaced, or its body cut in half. */
function faultOnAnswer(fault: Readonly<FaultSpec>, route: Route | undefined, response: SimResponse): SimResponse {
  if (
    fault.kind === 'unknown-status' &&
    route?.replaceStatus &&
    response.json !== undefined &&
    response.status === 200
  ) {
    return { ...response, json: route.replaceStatus(response.json, fault.statusWord) };
  }
  if (fault.kind === 'malformed-json') return truncate(response);
  return response;
}

/** The `'malformed-json'` fault: the answer's body cut in half, its content type kept. */
function truncate(response: SimResponse): SimResponse {
  const { payload, contentType } = encode(response);
  const cut: SimResponse = {
    status: response.status,
    body: payload.subarray(0, Math.max(1, Math.floor(payload.length / 2))),
    contentType,
  };
  if (response.headers !== undefined) cut.headers = response.headers;
  return cut;
}
