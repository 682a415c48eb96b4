/**
 * `taskpoll/testing`: a real local HTTP server that plays all four providers (Guance logmine, MEF
 * Center log dump, DataArts Studio system tasks, NebulaGraph Explorer workflow jobs) with their own
 * envelopes, status words, error shapes, credential checks and rate limits; scripted task lifecycles;
 * fault injection; a request log; and simulated time.
 *
 * Start one with {@link startSimulator}, point an adapter at `sim.<provider>`'s URL and credentials
 * (and its `pacing`, which fits the simulated rate limits at the simulator's `timeScale`),
 * script what the next tasks do (`sim.<provider>.script(...)`), inject faults (`sim.faults.add(...)`),
 * and assert on `sim.requests`. The simulator imports no adapter: it checks what arrives on the wire
 * as the provider would.
 *
 * @example
 * const sim = await startSimulator({ seed: 1, timeScale: 60 });
 * sim.guance.script({ durationMs: 120_000, outcome: 'succeeded' });
 * const { baseURL, apiKey, pacing } = sim.guance; // pacing: Guance's budget, 60× faster like the tasks
 * const logmine = guanceLogmine({ baseURL, apiKey, pacing });
 * const id = await logmine.submit({ analysisField: 'message' });
 * await waitForTask(logmine, id); // two simulated minutes: two seconds
 * sim.requestsFor('guance', 'guance.queryTask').length; // how many polls it took
 * logmine.close();
 * await sim.close();
 *
 * @module
 */
export { startSimulator } from './simulator.js';
export type { Simulator, SimulatorOptions } from './simulator.js';
export { ROUTE_IDS } from './names.js';
export type { ProviderName, RouteId } from './names.js';
export type { SimulatorClock } from './clock.js';
export { FAULT_KINDS } from './faults.js';
export type { FaultKind, FaultSpec, FaultHandle, SimulatorFaults } from './faults.js';
export { REDACTED } from './recorder.js';
export type { RecordedRequest, RequestOutcome } from './recorder.js';
export type { ProgressCurve, DurationRange, TaskScriptBase, TaskDefaults, SimulatedTaskView } from './lifecycle.js';
export type { ScriptableProvider } from './book.js';
export type { WindowLimit, BurstLimit } from './ratelimit.js';
export { GUANCE_RATE_LIMIT } from './guance/index.js';
export type {
  GuanceSimulator,
  GuanceSimulatorOptions,
  GuanceTaskScript,
  GuanceCluster,
  GuanceOutcome,
} from './guance/index.js';
export { EDGE_RATE_LIMIT } from './edge/index.js';
export type { EdgeSimulator, EdgeSimulatorOptions, EdgeTaskScript, EdgeOutcome } from './edge/types.js';
export type { EdgeTlsOptions, EdgeClientTls, Pem } from './edge/tls.js';
export type { DgcSimulator, DgcSimulatorOptions, DgcTaskScript, DgcOutcome } from './dgc/types.js';
export type {
  WorkflowSimulator,
  WorkflowSimulatorOptions,
  WorkflowJobScript,
  WorkflowTaskSpec,
  WorkflowOutcome,
  WorkflowJobView,
  WorkflowTaskView,
  WorkflowCredentials,
} from './workflow/types.js';
