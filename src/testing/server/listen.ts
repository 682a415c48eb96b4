/**
 * The HTTP plumbing: node:http (and node:https for MEF's mutual-TLS listener), a route table, fault
 * application, request recording, and a close that leaves no server, socket or timer behind.
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as realSetImmediate } from 'node:timers';
import type { TLSSocket } from 'node:tls';
import type { InternalClock } from '../clock.js';
import type { FaultRegistry, FaultSpec } from '../faults.js';
import type { ProviderName } from '../names.js';
import { recordBody, recordHeaders, recordQuery, type OpenRecord, type Recorder } from '../recorder.js';

/** A request as a provider handler sees it. */
export interface SimRequest {
  method: string;
  /** The path as sent (still percent-encoded). */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Name, value, name, value… as sent (repeated headers kept apart). */
  rawHeaders: readonly string[];
  body: Buffer;
  /** The route's path parameters, percent-decoded. */
  params: Record<string, string>;
  /** Who is asking (the remote address), for per-client limits. */
  client: string;
}

/** A handler's answer. Give `json` (serialized here) or `body`. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  json?: unknown;
  body?: Buffer | string;
  /** @default 'application/json; charset=utf-8' with `json`, 'text/plain; charset=utf-8' otherwise */
  contentType?: string;
}

/** One route of one provider. */
export interface Route {
  /** e.g. `'guance.queryTask'`. */
  id: string;
  provider: ProviderName;
  method: 'GET' | 'POST' | 'PUT';
  /** Matched against the raw path; named groups become `params`. */
  pattern: RegExp;
  handle(request: SimRequest): SimResponse;
  /** For status routes: the answer's JSON with its status word replaced (the `'unknown-status'` fault). */
  replaceStatus?(json: unknown, word: string | number | undefined): unknown;
}

/** What each provider module gives the server. */
export interface ProviderModule {
  name: ProviderName;
  /** Paths under this prefix belong to the provider (for its own not-found answer). */
  prefix: RegExp;
  routes: Route[];
  /** The provider's answer for a path or method it does not serve. */
  notFound(request: SimRequest): SimResponse;
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string | string[]>): SimResponse {
  return headers === undefined ? { status, json: body } : { status, json: body, headers };
}

/** An nginx-style HTML error page, as MEF Center's gateway (or any proxy) sends. */
export function nginxPage(status: number, detail?: string): SimResponse {
  const reason = STATUS_CODES[status] ?? 'Error';
  const title = detail === undefined ? `${status} ${reason}` : `${status} ${detail}`;
  const body =
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n` +
    (detail === undefined ? '' : `<center>${detail}</center>\r\n`) +
    '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  return { status, body, contentType: 'text/html' };
}

/** How the edge listener checks client certificates. */
export interface ClientCertPolicy {
  required: boolean;
  /** `'http-400'`: nginx's answer to a missing or bad certificate; `'handshake'`: the TLS server drops the connection. */
  failure: 'http-400' | 'handshake';
}

/** What the server runs with. */
export interface ServerConfig {
  modules: ProviderModule[];
  recorder: Recorder;
  faults: FaultRegistry;
  clock: InternalClock;
  port: number;
  /** When set, edge routes are served only on a second, HTTPS listener. */
  edgeTls: { options: HttpsServerOptions; clientCert: ClientCertPolicy; port: number } | undefined;
  maxBodyBytes: number;
}

/** The running server(s). */
export interface RunningServer {
  /** `http://127.0.0.1:<port>`. */
  mainURL: string;
  /** `https://127.0.0.1:<port>` when the edge TLS listener runs. */
  edgeTlsURL: string | undefined;
  close(): Promise<void>;
}

type Listener = 'main' | 'edge-tls';

/** Starts the listener(s) on 127.0.0.1. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const waits = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  const servers: Server[] = [];
  let closed = false;
  let closing: Promise<void> | undefined;

  const track = (server: Server): void => {
    server.on('connection', (socket: Socket) => {
      if (closed) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // A client that sends garbage or resets mid-request must not crash the test process.
    server.on('clientError', (_error, socket) => socket.destroy());
    servers.push(server);
  };

  /** Waits `ms` on a timer that `close()` clears; resolves false when the simulator closed meanwhile. */
  const delay = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          waits.delete(wait);
          resolve(!closed);
        }, ms),
        resolve: () => resolve(false),
      };
      waits.add(wait);
    });

  const handler = (listener: Listener) => (req: IncomingMessage, res: ServerResponse) => {
    // Anything unexpected ends the connection rather than surfacing as an unhandled rejection.
    readBody(req, config.maxBodyBytes)
      .then((body) => dispatch(config, listener, req, res, body, delay))
      .catch(() => req.socket.destroy());
  };

  const main = createServer(handler('main'));
  track(main);
  const mainPort = await listen(main, config.port);

  let edgeTlsURL: string | undefined;
  if (config.edgeTls) {
    const { options, clientCert } = config.edgeTls;
    const tlsServer = createHttpsServer(
      { ...options, requestCert: clientCert.required, rejectUnauthorized: clientCert.required && clientCert.failure === 'handshake' },
      handler('edge-tls'),
    );
    track(tlsServer);
    tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
    try {
      edgeTlsURL = `https://127.0.0.1:${await listen(tlsServer, config.edgeTls.port)}`;
    } catch (error) {
      closed = true;
      await closeAll(servers, sockets);
      throw error;
    }
  }

  return {
    mainURL: `http://127.0.0.1:${mainPort}`,
    edgeTlsURL,
    close() {
      closing ??= (async () => {
        closed = true;
        for (const wait of waits) {
          clearTimeout(wait.timer);
          wait.resolve();
        }
        waits.clear();
        await closeAll(servers, sockets);
      })();
      return closing;
    },
  };
}

/**
 * Closes the servers and destroys every socket, then waits until libuv has really closed the handles
 * (socket `close` events, then a turn of the loop for the listening handles), so that
 * `process.getActiveResourcesInfo()` shows nothing of ours once this resolves. It uses the real
 * `setImmediate` from `node:timers`, which vitest's fake timers leave alone.
 */
async function closeAll(servers: Server[], sockets: Set<Socket>): Promise<void> {
  const closing = servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const gone = [...sockets].map((socket) =>
    socket.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())),
  );
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all([...closing, ...gone]);
  await new Promise((resolve) => realSetImmediate(resolve));
  await new Promise((resolve) => realSetImmediate(resolve));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The body, or `undefined` when it is over the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function dispatch(
  config: ServerConfig,
  listener: Listener,
  req: IncomingMessage,
  res: ServerResponse,
  received: Buffer | undefined,
  delay: (ms: number) => Promise<boolean>,
): Promise<void> {
  const body = received ?? Buffer.alloc(0);
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  const query = new URLSearchParams(rawQuery);

  const { module, route, params } = findRoute(config, listener, method, rawPath);
  const request: SimRequest = {
    method,
    rawPath,
    rawQuery,
    query,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body,
    params,
    client: req.socket.remoteAddress ?? 'unknown',
  };
  const record = config.recorder.open({
    time: Date.now(),
    simTime: config.clock.now(),
    provider: module?.name,
    route: route?.id,
    method,
    path: rawPath,
    query: recordQuery(query),
    headers: recordHeaders(req.rawHeaders),
    body: recordBody(body, req.headers['content-type']),
  });

  const answer = (response: SimResponse): void => {
    record.status = response.status;
    record.outcome = 'answered';
    write(res, response);
  };

  if (received === undefined) {
    answer(nginxPage(413));
    return;
  }

  // MEF's nginx (`ssl_verify_client on`) answers a missing or bad client certificate with a 400 page.
  if (listener === 'edge-tls' && config.edgeTls?.clientCert.required) {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) {
      const peer = socket.getPeerCertificate();
      const none = peer === null || Object.keys(peer).length === 0;
      answer(nginxPage(400, none ? 'No required SSL certificate was sent' : 'The SSL certificate error'));
      return;
    }
  }

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
  const fault = plan.fault;
  if (fault !== undefined) {
    const early = preHandlerFault(fault, record, req);
    if (early === 'done') return;
    if (early !== undefined) {
      answer(early);
      return;
    }
  }

  let response: SimResponse;
  try {
    if (route) response = route.handle(request);
    else if (module) response = module.notFound(request);
    else response = json(404, { error: 'not found' });
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    response = { status: 500, body: 'simulator error' };
  }

  if (fault?.kind === 'unknown-status' && route?.replaceStatus && response.json !== undefined && response.status === 200) {
    response = { ...response, json: route.replaceStatus(response.json, fault.statusWord) };
  }
  if (fault?.kind === 'malformed-json') response = truncate(response);
  answer(response);
}

/** Faults answered before the provider sees the request; `'done'` when nothing more is to be sent. */
function preHandlerFault(fault: Readonly<FaultSpec>, record: OpenRecord, req: IncomingMessage): SimResponse | 'done' | undefined {
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
      return { status: fault.status ?? 500, body, contentType: looksJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' };
    }
    case 'too-many-requests':
      return { ...nginxPage(429), headers: { 'Retry-After': String(fault.retryAfterS ?? 1) } };
    case 'html-page':
      return nginxPage(fault.status ?? 502);
    default:
      return undefined;
  }
}

function findRoute(
  config: ServerConfig,
  listener: Listener,
  method: string,
  rawPath: string,
): { module?: ProviderModule; route?: Route; params: Record<string, string> } {
  for (const module of config.modules) {
    // With an edge TLS listener, MEF lives only there; the other providers only on the main listener.
    const servesHere = config.edgeTls === undefined ? listener === 'main' : (module.name === 'edge') === (listener === 'edge-tls');
    if (!servesHere || !module.prefix.test(rawPath)) continue;
    for (const route of module.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(rawPath);
      if (!match) continue;
      const params: Record<string, string> = {};
      let bad = false;
      for (const [key, value] of Object.entries(match.groups ?? {})) {
        try {
          params[key] = decodeURIComponent(value);
        } catch {
          bad = true;
        }
      }
      if (!bad) return { module, route, params };
    }
    return { module, params: {} };
  }
  return { params: {} };
}

function write(res: ServerResponse, response: SimResponse): void {
  let payload: Buffer;
  let contentType = response.contentType;
  if (response.json !== undefined) {
    payload = Buffer.from(JSON.stringify(response.json), 'utf8');
    contentType ??= 'application/json; charset=utf-8';
  } else {
    const body = response.body ?? '';
    payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    contentType ??= 'text/plain; charset=utf-8';
  }
  if (res.destroyed) return;
  res.writeHead(response.status, { ...response.headers, 'Content-Type': contentType, 'Content-Length': String(payload.length) });
  res.end(payload);
}

/** The `'malformed-json'` fault: the answer's body cut in half, its content type kept. */
function truncate(response: SimResponse): SimResponse {
  const full = response.json !== undefined ? Buffer.from(JSON.stringify(response.json), 'utf8') : Buffer.from(response.body ?? '');
  const contentType = response.contentType ?? (response.json !== undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
  const cut: SimResponse = { status: response.status, body: full.subarray(0, Math.max(1, Math.floor(full.length / 2))), contentType };
  if (response.headers !== undefined) cut.headers = response.headers;
  return cut;
}
