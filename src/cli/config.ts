/**
 * Configuration from the environment, per provider: endpoints and credentials come only from
 * variables (flags end up in shell history and process lists), with the names the examples use. A
 * missing variable is a {@link UsageError} that names it and says what to set; no message here ever
 * holds a variable's value.
 *
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';
import { dgcSystemTasks, type DgcAuth, type DgcSystemTasks } from '../providers/dgc/index.js';
import { edgeLogDump, type EdgeLogDump, type EdgeTlsOptions } from '../providers/edge/index.js';
import { guanceLogmine, type GuanceLogmine, type GuanceSite } from '../providers/guance/index.js';
import { workflowTasks, type WorkflowLoginEncoding, type WorkflowTasks } from '../providers/workflow/index.js';
import { UsageError } from './args.js';

/** The environment, as `process.env` gives it. */
export type Env = Record<string, string | undefined>;

/** A set, non-empty variable, or `undefined`. */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function need(env: Env, name: string, what: string): string {
  const value = read(env, name);
  if (value === undefined) throw new UsageError(`${name} is not set: set it to ${what}`);
  return value;
}

/**
 * Builds an adapter, naming the variable behind an option the factory refuses: its `TypeError` /
 * `RangeError` names the option (`site must be one of…`), the user set `GUANCE_SITE`. The factory's
 * message is kept as the reason; it never holds a credential's value (taskpoll's messages do not).
 * `variables` maps option paths (`credentials.encoding`) to the variables they come from.
 */
function build<T>(variables: Record<string, string>, factory: () => T): T {
  try {
    return factory();
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const options = Object.keys(variables).sort((a, b) => b.length - a.length);
    const option = options.find((o) => new RegExp(`(^|[\\s(])${o.replaceAll('.', '\\.')}\\b`).test(error.message));
    throw new UsageError(option ? `${variables[option]} is not valid (${error.message})` : error.message);
  }
}

/**
 * `TASKPOLL_PACING=off` turns off every adapter's request budget (`pacing: false`): for a simulator
 * run faster than real time, whose own rate limits `taskpoll simulate` turns off too.
 */
function pacing(env: Env): { pacing?: false } {
  const value = read(env, 'TASKPOLL_PACING');
  if (value === undefined) return {};
  if (value === 'off') return { pacing: false };
  throw new UsageError('TASKPOLL_PACING must be "off" or unset');
}

/** Guance: `GUANCE_API_KEY`, and `GUANCE_BASE_URL` or `GUANCE_SITE` (default cn1). */
export function guanceFromEnv(env: Env): GuanceLogmine {
  const apiKey = need(env, 'GUANCE_API_KEY', "the workspace's API key (and GUANCE_SITE or GUANCE_BASE_URL)");
  const baseURL = read(env, 'GUANCE_BASE_URL');
  const site = (read(env, 'GUANCE_SITE') ?? 'cn1') as GuanceSite;
  const variables = { apiKey: 'GUANCE_API_KEY', baseURL: 'GUANCE_BASE_URL', site: 'GUANCE_SITE' };
  return build(variables, () =>
    guanceLogmine(baseURL ? { apiKey, baseURL, ...pacing(env) } : { apiKey, site, ...pacing(env) }),
  );
}

function pemFile(env: Env, name: string): Buffer {
  const path = need(env, name, 'the path of a PEM file');
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** MEF Center: `EDGE_BASE_URL`; for mutual TLS `EDGE_CERT`, `EDGE_KEY`, `EDGE_CA` (paths) and `EDGE_KEY_PASSPHRASE`. */
export function edgeFromEnv(env: Env): EdgeLogDump {
  const baseURL = need(env, 'EDGE_BASE_URL', "MEF Center's address, e.g. https://10.10.10.10:30035");
  const tlsNames = ['EDGE_CERT', 'EDGE_KEY', 'EDGE_CA'];
  const given = tlsNames.filter((name) => read(env, name) !== undefined);
  let tls: EdgeTlsOptions | undefined;
  if (given.length > 0) {
    const missing = tlsNames.filter((name) => !given.includes(name));
    if (missing.length > 0) {
      throw new UsageError(`${missing.join(' and ')} not set: mutual TLS needs EDGE_CERT, EDGE_KEY and EDGE_CA`);
    }
    const passphrase = read(env, 'EDGE_KEY_PASSPHRASE');
    tls = {
      cert: pemFile(env, 'EDGE_CERT'),
      key: pemFile(env, 'EDGE_KEY'),
      ca: pemFile(env, 'EDGE_CA'),
      ...(passphrase ? { passphrase } : {}),
    };
  }
  const variables = {
    baseURL: 'EDGE_BASE_URL',
    'tls.cert': 'EDGE_CERT',
    'tls.key': 'EDGE_KEY',
    'tls.ca': 'EDGE_CA',
    'tls.passphrase': 'EDGE_KEY_PASSPHRASE',
  };
  return build(variables, () => edgeLogDump({ baseURL, ...(tls ? { tls } : {}), ...pacing(env) }));
}

/** DataArts Studio: the project, where the API is, the credentials (a token or an AK/SK pair), the workspace. */
export function dgcFromEnv(env: Env): DgcSystemTasks {
  const projectId = need(env, 'DGC_PROJECT_ID', 'the project id (32 hex digits)');
  const endpoint = read(env, 'DGC_ENDPOINT');
  const region = read(env, 'DGC_REGION');
  if (!endpoint && !region) {
    throw new UsageError('DGC_REGION is not set: set it to the region (e.g. cn-north-4), or DGC_ENDPOINT to a URL');
  }
  const workspace = read(env, 'DGC_WORKSPACE');
  const auth = dgcAuth(env);
  const variables = {
    projectId: 'DGC_PROJECT_ID',
    endpoint: 'DGC_ENDPOINT',
    region: 'DGC_REGION',
    workspace: 'DGC_WORKSPACE',
    'auth.token': 'DGC_TOKEN',
    'auth.accessKey': read(env, 'DGC_AK') === undefined ? 'DGC_ACCESS_KEY' : 'DGC_AK',
    'auth.secretKey': read(env, 'DGC_SK') === undefined ? 'DGC_SECRET_KEY' : 'DGC_SK',
    'auth.securityToken': 'DGC_SECURITY_TOKEN',
  };
  return build(variables, () =>
    dgcSystemTasks({
      projectId,
      auth,
      ...(endpoint ? { endpoint } : { region: region as string }),
      ...(workspace ? { workspace } : {}),
      ...pacing(env),
    }),
  );
}

/** `DGC_TOKEN`, or `DGC_AK` and `DGC_SK` (also spelt `DGC_ACCESS_KEY`, `DGC_SECRET_KEY`), with `DGC_SECURITY_TOKEN`. */
function dgcAuth(env: Env): DgcAuth {
  const token = read(env, 'DGC_TOKEN');
  if (token) return { token };
  const accessKey = read(env, 'DGC_AK') ?? read(env, 'DGC_ACCESS_KEY');
  const secretKey = read(env, 'DGC_SK') ?? read(env, 'DGC_SECRET_KEY');
  if (!accessKey && !secretKey) {
    throw new UsageError('DGC_TOKEN is not set: set it to an IAM token, or DGC_AK and DGC_SK to an access key pair');
  }
  if (!accessKey) throw new UsageError('DGC_AK is not set: set it to the access key id that goes with DGC_SK');
  if (!secretKey) throw new UsageError('DGC_SK is not set: set it to the secret key that goes with DGC_AK');
  const securityToken = read(env, 'DGC_SECURITY_TOKEN');
  return { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
}

const WORKFLOW_VARIABLES = {
  baseURL: 'WORKFLOW_BASE_URL',
  token: 'WORKFLOW_TOKEN',
  'credentials.username': 'WORKFLOW_USERNAME',
  'credentials.password': 'WORKFLOW_PASSWORD',
  'credentials.graphAddress': 'WORKFLOW_GRAPH_ADDRESS',
  'credentials.graphPort': 'WORKFLOW_GRAPH_PORT',
  'credentials.encoding': 'WORKFLOW_LOGIN_ENCODING',
};

/**
 * Explorer: `WORKFLOW_BASE_URL`, and `WORKFLOW_TOKEN` or an account (`WORKFLOW_USERNAME`,
 * `WORKFLOW_PASSWORD`, `WORKFLOW_GRAPH_ADDRESS`, `WORKFLOW_GRAPH_PORT`, `WORKFLOW_LOGIN_ENCODING`).
 */
export function workflowFromEnv(env: Env): WorkflowTasks<string[]> {
  const baseURL = need(env, 'WORKFLOW_BASE_URL', "Explorer's address, e.g. http://explorer:7002");
  const token = read(env, 'WORKFLOW_TOKEN');
  if (token) return build(WORKFLOW_VARIABLES, () => workflowTasks({ baseURL, token, ...pacing(env) }));
  const login = 'WORKFLOW_USERNAME, WORKFLOW_PASSWORD and WORKFLOW_GRAPH_ADDRESS to an account';
  if (read(env, 'WORKFLOW_USERNAME') === undefined) {
    throw new UsageError(`WORKFLOW_TOKEN is not set: set it to a session token, or ${login}`);
  }
  const username = need(env, 'WORKFLOW_USERNAME', login);
  const password = need(env, 'WORKFLOW_PASSWORD', 'the password of WORKFLOW_USERNAME');
  const graphAddress = need(env, 'WORKFLOW_GRAPH_ADDRESS', 'the host of the graphd service');
  const port = read(env, 'WORKFLOW_GRAPH_PORT') ?? '9669';
  if (!/^\d{1,5}$/.test(port)) throw new UsageError('WORKFLOW_GRAPH_PORT must be a port number, e.g. 9669');
  const encoding = (read(env, 'WORKFLOW_LOGIN_ENCODING') ?? 'json-array') as WorkflowLoginEncoding;
  const credentials = { username, password, graphAddress, graphPort: Number(port), encoding };
  return build(WORKFLOW_VARIABLES, () => workflowTasks({ baseURL, credentials, ...pacing(env) }));
}
