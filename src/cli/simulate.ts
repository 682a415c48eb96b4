/**
 * `taskpoll simulate`: the simulator of `taskpoll/testing`, started in this process, and the
 * variables that point the other commands at it, as `export` lines. It runs until SIGINT / SIGTERM.
 * The credentials printed are the simulator's own, made up at start: nothing real.
 *
 * @internal
 * @module
 */
import { startSimulator } from '../testing/index.js';
import type { Command } from './args.js';

interface SimulateIo {
  signal: AbortSignal;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Single quotes for a POSIX shell. */
function quote(value: string | number): string {
  return `'${String(value).replaceAll("'", `'\\''`)}'`;
}

/**
 * Variables that would win over the ones printed (a token beside the AK/SK, a region beside the
 * endpoint, a client certificate the simulator's plain-HTTP edge does not want).
 */
const UNSET = [
  'GUANCE_SITE',
  'EDGE_CERT',
  'EDGE_KEY',
  'EDGE_CA',
  'EDGE_KEY_PASSPHRASE',
  'DGC_REGION',
  'DGC_TOKEN',
  'DGC_SECURITY_TOKEN',
  'DGC_WORKSPACE',
  'WORKFLOW_TOKEN',
];

/** Starts the simulator, prints the environment to use it, and resolves with the exit code once a signal stops it. */
export async function simulate(cmd: Extract<Command, { kind: 'simulate' }>, io: SimulateIo): Promise<number> {
  // Its rate limits keep the caller's clock while tasks run --time-scale times faster: they would
  // throttle a sped-up wait that many times too hard, so they are off, and so is the adapters' pacing.
  const sim = await startSimulator({
    timeScale: cmd.timeScale,
    port: cmd.port,
    rateLimits: false,
    ...(cmd.seed === undefined ? {} : { seed: cmd.seed }),
  });
  const vars: Array<[string, string | number]> = [
    ['TASKPOLL_PACING', 'off'],
    ['GUANCE_BASE_URL', sim.guance.baseURL],
    ['GUANCE_API_KEY', sim.guance.apiKey],
    ['EDGE_BASE_URL', sim.edge.baseURL],
    ['DGC_ENDPOINT', sim.dgc.endpoint],
    ['DGC_PROJECT_ID', sim.dgc.projectId],
    ['DGC_AK', sim.dgc.accessKey],
    ['DGC_SK', sim.dgc.secretKey],
    ['WORKFLOW_BASE_URL', sim.workflow.baseURL],
    ['WORKFLOW_USERNAME', sim.workflow.credentials.username],
    ['WORKFLOW_PASSWORD', sim.workflow.credentials.password],
    ['WORKFLOW_GRAPH_ADDRESS', sim.workflow.credentials.graphAddress],
    ['WORKFLOW_GRAPH_PORT', sim.workflow.credentials.graphPort],
  ];
  const lines = [
    `# taskpoll simulator (time scale ${cmd.timeScale}, seed ${sim.seed}): paste these lines into another shell`,
    `unset ${UNSET.join(' ')}`,
    ...vars.map(([name, value]) => `export ${name}=${quote(value)}`),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  io.stderr.write('Simulator running (its edge is plain HTTP); Ctrl-C stops it.\n');
  try {
    if (!io.signal.aborted) {
      await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
    }
  } finally {
    await sim.close();
  }
  return 0;
}
