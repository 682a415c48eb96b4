/**
 * `startSimulator`: checks the options, builds the four simulated providers, the request log and the
 * fault registry on seeded random streams, starts the listeners and hands out the `Simulator`.
 */
import { randomInt } from 'node:crypto';
import { checkBoolean, checkInt, checkNumber, checkObject, checkOneOf } from './check.js';
import { createClock, type SimulatorClock } from './clock.js';
import { createDgc } from './dgc/index.js';
import type { DgcSimulator, DgcSimulatorOptions } from './dgc/types.js';
import { createEdge } from './edge/index.js';
import { checkEdgeTls, type EdgeTlsOptions } from './edge/tls.js';
import type { EdgeSimulator, EdgeSimulatorOptions } from './edge/types.js';
import { createFaultRegistry, type SimulatorFaults } from './faults.js';
import { createGuance, type GuanceSimulator, type GuanceSimulatorOptions } from './guance/index.js';
import { PROVIDER_NAMES, ROUTE_IDS, type ProviderName } from './names.js';
import { createRandom } from './random.js';
import { createRecorder, type RecordedRequest } from './recorder.js';
import { startServer } from './server/listen.js';
import type { ProviderModule } from './server/route.js';
import { createWorkflow } from './workflow/index.js';
import type { WorkflowSimulator, WorkflowSimulatorOptions } from './workflow/types.js';

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
   * 10 s. Task lifecycles and rate limits follow it (Guance's 20 requests a minute let 20 through every
   * second at 60); signature dates and fault latencies keep the caller's clock. An adapter's default
   * pacing is meant for real time: pass it `sim.<provider>.pacing`, the pacing that fits the simulated
   * limits at this scale. Works with vitest fake timers either way (only `Date.now()` is read).
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

const OPTION_KEYS = [
  'port',
  'seed',
  'timeScale',
  'rateLimits',
  'edgeTls',
  'guance',
  'edge',
  'dgc',
  'workflow',
  'maxRecordedRequests',
];

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
  // One random stream each, so that requests to one provider do not shift another's ids and durations.
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
    maxBodyBytes: 1024 * 1024, // nginx's default client_max_body_size (1m), in front of every provider
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
      if (route !== undefined)
        checkOneOf('requestsFor(…, route)', route, ROUTE_IDS as readonly string[], 'guance.sendTask');
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
