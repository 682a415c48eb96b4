/**
 * The names the simulator serves: its providers and their route ids. They live apart from the modules
 * that use them (fault matching, the request log, the public handle) so that none of those has to
 * import another just for a name.
 */

/** The four simulated providers. */
export type ProviderName = 'guance' | 'edge' | 'dgc' | 'workflow';

/** The provider names, in a fixed order. */
export const PROVIDER_NAMES: readonly ProviderName[] = ['guance', 'edge', 'dgc', 'workflow'];

/** Every route id, for `FaultSpec.route` and `requestsFor(provider, route)`. */
export const ROUTE_IDS = [
  'guance.sendTask',
  'guance.queryTask',
  'edge.createTask',
  'edge.queryTask',
  'edge.download',
  'dgc.importJobs',
  'dgc.importConnections',
  'dgc.getSystemTask',
  'workflow.connect',
  'workflow.createJob',
  'workflow.getJob',
  'workflow.cancelJob',
  'workflow.sampleResult',
] as const;

/** A route id. */
export type RouteId = (typeof ROUTE_IDS)[number];
