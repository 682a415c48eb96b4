/**
 * `taskpoll/testing`: a real local HTTP server that plays all four providers (Guance logmine, MEF
 * Center log dump, DataArts Studio system tasks, NebulaGraph Explorer workflow jobs) with their own
 * envelopes, status words, error shapes, credential checks and rate limits; scripted task lifecycles;
 * fault injection; a request log; and simulated time.
 *
 * @example
 * const sim = await startSimulator({ seed: 1, timeScale: 60 });
 * sim.guance.script({ durationMs: 120_000, outcome: 'succeeded' });
 * const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey });
 * const id = await logmine.submit({ analysisField: 'message' });
 * await waitForTask(logmine, id); // two simulated minutes: two seconds
 * sim.requestsFor('guance', 'guance.queryTask').length; // how many polls it took
 * logmine.close();
 * await sim.close();
 */
import { randomInt } from 'node:crypto';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { checkBoolean, checkInt, checkNumber, checkObject, checkOneOf, describe } from './check.js';
import { createClock, type SimulatorClock } from './clock.js';
import { createDgc, type DgcSimulator, type DgcSimulatorOptions } from './dgc/index.js';
import { createEdge, type EdgeClientTls, type EdgeSimulator, type EdgeSimulatorOptions } from './edge/index.js';
import { createFaultRegistry, type SimulatorFaults } from './faults.js';
import { createGuance, type GuanceSimulator, type GuanceSimulatorOptions } from './guance/index.js';
import { createRandom } from './random.js';
import { PROVIDER_NAMES, ROUTE_IDS, type ProviderName } from './names.js';
import { createRecorder, type RecordedRequest } from './recorder.js';
import { startServer } from './server/listen.js';
import type { ProviderModule } from './server/route.js';
import { createWorkflow, type WorkflowSimulator, type WorkflowSimulatorOptions } from './workflow/index.js';

export type { SimulatorClock } from './clock.js';
export type { FaultKind, FaultSpec, FaultHandle, SimulatorFaults } from './faults.js';
export { FAULT_KINDS } from './faults.js';
export type { ProviderName, RouteId } from './names.js';
export { ROUTE_IDS } from './names.js';
export type { RecordedRequest, RequestOutcome } from './recorder.js';
export { REDACTED } from './recorder.js';
export type { ProgressCurve, DurationRange, TaskScriptBase, TaskDefaults, SimulatedTaskView } from './lifecycle.js';
export type { ScriptableProvider } from './book.js';
export type { WindowLimit, BurstLimit } from './ratelimit.js';
export type { GuanceSimulator, GuanceSimulatorOptions, GuanceTaskScript, GuanceCluster, GuanceOutcome } from './guance/index.js';
export { GUANCE_RATE_LIMIT } from './guance/index.js';
export type { EdgeSimulator, EdgeSimulatorOptions, EdgeTaskScript, EdgeOutcome, EdgeClientTls } from './edge/index.js';
export { EDGE_RATE_LIMIT } from './edge/index.js';
export type { DgcSimulator, DgcSimulatorOptions, DgcTaskScript, DgcOutcome } from './dgc/index.js';
export type {
  WorkflowSimulator,
  WorkflowSimulatorOptions,
  WorkflowJobScript,
  WorkflowTaskSpec,
  WorkflowOutcome,
  WorkflowJobView,
  WorkflowTaskView,
  WorkflowCredentials,
} from './workflow/index.js';

/** PEM material: a string or a Buffer. */
export type Pem = string | Buffer;

/**
 * HTTPS with mutual TLS for the MEF routes: a second listener (MEF Center is HTTPS-only with
 * `ssl_verify_client on`). When set, the MEF routes are served only there.
 */
export interface EdgeTlsOptions {
  /** The server certificate (PEM; give it a SAN for `IP:127.0.0.1`). */
  cert: Pem;
  /** Its private key (PEM). */
  key: Pem;
  /** The CA(s) client certificates must chain to; also what `sim.edge.tls.ca` reports unless `serverCa` is given. */
  ca?: Pem | Pem[];
  /** The CA that signed `cert`, reported to clients as `sim.edge.tls.ca`. @default ca */
  serverCa?: Pem | Pem[];
  /**
   * Ask for (and require) a client certificate, as MEF's nginx does.
   * @default true
   */
  requestClientCert?: boolean;
  /**
   * What a missing or untrusted client certificate gets: `'http-400'` (what MEF's nginx does: the
   * handshake completes and the answer is a "400 No required SSL certificate was sent" or "400 The SSL
   * certificate error" page) or `'handshake'` (no HTTP answer: Node's TLS server drops the connection
   * after the handshake, so a client sees ECONNRESET, or a `handshake_failure` alert when it sent no
   * certificate at all).
   * @default 'http-400'
   */
  clientCertFailure?: 'http-400' | 'handshake';
  /** A client certificate to hand out as `sim.edge.tls.cert`, ready for the adapter (`sim.edge.tls` needs it, its key, and `serverCa` or `ca`). */
  clientCert?: Pem;
  /** Its key, handed out as `sim.edge.tls.key`. */
  clientKey?: Pem;
  /** Port of the TLS listener. @default 0 (ephemeral) */
  port?: number;
}

/** Options of {@link startSimulator}. Every one is optional. */
export interface SimulatorOptions {
  /** Port of the main (HTTP) listener on 127.0.0.1. @default 0 (an ephemeral port) */
  port?: number;
  /**
   * Seed of every random choice (credentials, ids, default durations and results, fault rolls): the
   * same seed and the same requests give the same run. Read the one used from `sim.seed`.
   * @default a random seed
   */
  seed?: number;
  /**
   * Simulated time runs this many times faster than `Date.now()`: with 60, a 10-minute task takes
   * 10 s. Task lifecycles follow it; rate limits, signature dates and fault latencies keep the
   * caller's clock. Works with vitest fake timers either way (only `Date.now()` is read).
   * @default 1
   */
  timeScale?: number;
  /**
   * `false` turns off the providers' default rate limits (Guance 20/min per key, MEF 10/s burst 5).
   * A limit given in a provider's options still applies.
   * @default true
   */
  rateLimits?: boolean;
  /** HTTPS with mutual TLS for the MEF routes. */
  edgeTls?: EdgeTlsOptions;
  /** The Guance simulator: API key, defaults, rate limit. */
  guance?: GuanceSimulatorOptions;
  /** The MEF simulator: defaults, rate limit, known node ids. */
  edge?: EdgeSimulatorOptions;
  /** The DataArts simulator: project, token, AK/SK, defaults, wire variants. */
  dgc?: DgcSimulatorOptions;
  /** The Explorer simulator: credentials, token TTL, defaults, error status. */
  workflow?: WorkflowSimulatorOptions;
  /**
   * How many requests `sim.requests` keeps (the oldest are dropped).
   * @default 10000
   */
  maxRecordedRequests?: number;
}

/** A running simulator. Close it with `await sim.close()`. */
export interface Simulator {
  /** Guance logmine: `{ baseURL, apiKey }` plus scripting. */
  readonly guance: GuanceSimulator;
  /** MEF Center log dump: `{ baseURL, tls? }` plus scripting. */
  readonly edge: EdgeSimulator;
  /** DataArts Studio system tasks: `{ endpoint, projectId, token, accessKey, secretKey }` plus scripting. */
  readonly dgc: DgcSimulator;
  /** Explorer workflow jobs: `{ baseURL, token, credentials }` plus scripting. */
  readonly workflow: WorkflowSimulator;
  /** The seed in use. */
  readonly seed: number;
  /** Simulated time. */
  readonly clock: SimulatorClock;
  /** Fault injection. */
  readonly faults: SimulatorFaults;
  /** Every request received (credentials redacted), oldest first: a fresh snapshot on each read. */
  readonly requests: readonly RecordedRequest[];
  /** The requests to one provider, optionally one route (e.g. `'guance.queryTask'`). */
  requestsFor(provider: ProviderName, route?: string): RecordedRequest[];
  /**
   * Back to a clean state between tests: forgets requests, faults, tasks, queued scripts, rate-limit
   * counts, AK locks, issued Explorer tokens (the initial one is valid again) and `clock.advance`.
   * Credentials, options and the listeners stay.
   */
  reset(): void;
  /** Stops the listeners and destroys every open socket (hung requests included) and timer. Idempotent. */
  close(): Promise<void>;
}

const OPTION_KEYS = ['port', 'seed', 'timeScale', 'rateLimits', 'edgeTls', 'guance', 'edge', 'dgc', 'workflow', 'maxRecordedRequests'];
const TLS_KEYS = ['cert', 'key', 'ca', 'serverCa', 'requestClientCert', 'clientCertFailure', 'clientCert', 'clientKey', 'port'];

/**
 * Starts the simulator on 127.0.0.1 (an ephemeral port unless `port` is given) and resolves once it
 * listens. Options are checked first: a bad one rejects with a TypeError or RangeError naming it.
 */
export async function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  const given = checkObject<SimulatorOptions>('startSimulator options', options, OPTION_KEYS);
  const port = checkInt('port', given.port, 0, 0, 65_535);
  const seed = checkInt('seed', given.seed, randomInt(2 ** 31), 0, 2 ** 32 - 1);
  const timeScale = checkNumber('timeScale', given.timeScale, 1, 0, 1_000_000);
  if (timeScale === 0) throw new RangeError('timeScale must be greater than 0');
  const rateLimits = checkBoolean('rateLimits', given.rateLimits, true);
  const maxRecorded = checkInt('maxRecordedRequests', given.maxRecordedRequests, 10_000, 1, 10_000_000);
  const tls = checkEdgeTls(given.edgeTls);

  const clock = createClock(timeScale);
  const stream = (salt: number) => createRandom((seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  const guance = createGuance(given.guance, rateLimits, clock, stream(1));
  const edge = createEdge(given.edge, rateLimits, clock, stream(2));
  const dgc = createDgc(given.dgc, clock, stream(3));
  const workflow = createWorkflow(given.workflow, clock, stream(4));
  const modules: ProviderModule[] = [guance.module, edge.module, dgc.module, workflow.module];
  const recorder = createRecorder(maxRecorded);
  const faults = createFaultRegistry(stream(5), ROUTE_IDS);

  const server = await startServer({
    modules,
    recorder,
    faults,
    clock,
    port,
    maxBodyBytes: 1024 * 1024,
    edgeTls: tls && { options: tls.server, clientCert: tls.policy, port: tls.port },
  });

  const edgeURL = server.edgeTlsURL ?? server.mainURL;
  const simulator: Simulator = {
    guance: guance.handle(server.mainURL),
    edge: edge.handle(edgeURL, tls?.client),
    dgc: dgc.handle(server.mainURL),
    workflow: workflow.handle(server.mainURL),
    seed,
    clock,
    faults: { add: (spec) => faults.add(spec), clear: () => faults.clear(), list: () => faults.list() },
    get requests() {
      return recorder.list();
    },
    requestsFor(provider, route) {
      checkOneOf('requestsFor(provider)', provider, PROVIDER_NAMES, 'guance');
      if (route !== undefined) checkOneOf('requestsFor(…, route)', route, ROUTE_IDS as readonly string[], 'guance.sendTask');
      return recorder.list().filter((r) => r.provider === provider && (route === undefined || r.route === route));
    },
    reset() {
      recorder.clear();
      faults.clear();
      clock.reset();
      guance.reset();
      edge.reset();
      dgc.reset();
      workflow.reset();
    },
    close: () => server.close(),
  };
  return Object.freeze(simulator);
}

function checkEdgeTls(value: unknown):
  | { server: HttpsServerOptions; policy: { required: boolean; failure: 'http-400' | 'handshake' }; port: number; client: EdgeClientTls | undefined }
  | undefined {
  if (value === undefined) return undefined;
  const given = checkObject<EdgeTlsOptions>('edgeTls', value, TLS_KEYS);
  const cert = checkPem('edgeTls.cert', given.cert, true) as Pem;
  const key = checkPem('edgeTls.key', given.key, true) as Pem;
  const ca = checkPems('edgeTls.ca', given.ca);
  const serverCa = checkPems('edgeTls.serverCa', given.serverCa) ?? ca;
  const required = checkBoolean('edgeTls.requestClientCert', given.requestClientCert, true);
  const failure = checkOneOf('edgeTls.clientCertFailure', given.clientCertFailure, ['http-400', 'handshake'] as const, 'http-400');
  if (required && ca === undefined) throw new TypeError('edgeTls.ca is required when requestClientCert is true (client certificates must chain to it)');
  const clientCert = checkPem('edgeTls.clientCert', given.clientCert, false);
  const clientKey = checkPem('edgeTls.clientKey', given.clientKey, false);
  if ((clientCert === undefined) !== (clientKey === undefined)) throw new TypeError('edgeTls.clientCert and edgeTls.clientKey go together');
  // MEF's nginx: TLS 1.2 only, ECDHE with AES-GCM (nginx_default.conf).
  const server: HttpsServerOptions = {
    cert,
    key,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
  };
  if (ca !== undefined) server.ca = ca;
  const client: EdgeClientTls | undefined =
    clientCert !== undefined && clientKey !== undefined && serverCa !== undefined
      ? { ca: joinPems(serverCa), cert: clientCert, key: clientKey }
      : undefined;
  return { server, policy: { required, failure }, port: checkInt('edgeTls.port', given.port, 0, 0, 65_535), client };
}

function checkPem(name: string, value: unknown, required: boolean): Pem | undefined {
  if (value === undefined && !required) return undefined;
  if (!((typeof value === 'string' && value !== '') || (Buffer.isBuffer(value) && value.length > 0))) {
    throw new TypeError(`${name} must be a non-empty PEM string or Buffer, got ${describe(value)}`);
  }
  return value;
}

function checkPems(name: string, value: unknown): Pem[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new TypeError(`${name} must not be an empty list`);
  return list.map((pem, i) => checkPem(`${name}[${i}]`, pem, true) as Pem);
}

function joinPems(pems: readonly Pem[]): string | Buffer {
  if (pems.length === 1) return pems[0] as Pem;
  return pems.map((pem) => pem.toString().trim()).join('\n');
}
