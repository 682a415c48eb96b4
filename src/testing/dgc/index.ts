/**
 * Huawei Cloud DataArts Studio (DGC), DataArts Factory system tasks (API reference pages
 * `dataartsstudio_02_0090`, `_0096`, `_0313` at support.huaweicloud.com): `jobs/import`
 * and `connections/import` create a task, `system-tasks/{task_id}` reports it. Auth is an IAM token
 * (`X-Auth-Token`) or an `SDK-HMAC-SHA256` signature checked by the simulator's own gateway verifier;
 * refusals are the gateway's `APIG.0301` (token, locked AK) and `APIG.0303` (signature, date),
 * throttling is `APIG.0308` when you configure a limit, an unknown task is `DLF.0810`.
 */
import { isRecord, parseJsonBody, TaskBook } from '../book.js';
import { checkInt, checkMs, checkObject, checkOneOf, checkToken, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import {
  checkScriptBase,
  patchLifecycle,
  resolveDefaults,
  resolveLifecycle,
  SCRIPT_BASE_KEYS,
  type ResolvedDefaults,
} from '../lifecycle.js';
import type { RouteId } from '../names.js';
import type { Random } from '../random.js';
import { checkWindowLimit, windowGate } from '../ratelimit.js';
import { json, type ProviderModule, type Route, type SimRequest, type SimResponse } from '../server/route.js';
import { apig, gatewayRefusal, type GatewayState } from './gateway.js';
import { subtasksOf, systemTaskBody, viewOf, type DgcTask, type WireFormat } from './task.js';
import type { DgcOutcome, DgcSimulator, DgcSimulatorOptions, DgcTaskScript } from './types.js';

const OUTCOMES: readonly DgcOutcome[] = ['succeeded', 'partial', 'failed'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'subtasks', 'failedSubtasks'];
const OPTION_KEYS = [
  'projectId',
  'token',
  'accessKey',
  'secretKey',
  'defaults',
  'rateLimit',
  'subtasksField',
  'epochFormat',
  'notFoundCode',
  'maxClockSkewMs',
  'lockAfterFailures',
];

/** The pieces `startSimulator` wires up. */
export interface DgcParts {
  module: ProviderModule;
  reset(): void;
  handle(endpoint: string): DgcSimulator;
}

/** What the DataArts routes and handle read and change: the gateway's state, the wire variant, the tasks. */
interface DgcState extends GatewayState, WireFormat {
  readonly defaults: ResolvedDefaults<DgcOutcome>;
  readonly notFoundCode: 'DLF.0810' | 'DLF.20810';
  readonly clock: InternalClock;
  readonly book: TaskBook<DgcTaskScript, DgcTask>;
}

/** Builds the DataArts provider. */
export function createDgc(options: unknown, clock: InternalClock, random: Random): DgcParts {
  const state = dgcState(options, clock, random);
  return {
    module: {
      name: 'dgc',
      prefix: /^\/v1\//,
      notFound: () =>
        apig(random, 404, 'APIG.0101', 'The API does not exist or has not been published in the environment'),
      routes: [
        importRoute(state, 'dgc.importJobs', 'jobs'),
        importRoute(state, 'dgc.importConnections', 'connections'),
        {
          id: 'dgc.getSystemTask',
          provider: 'dgc',
          method: 'GET',
          pattern: /^\/v1\/(?<project>[^/]+)\/system-tasks\/(?<task>[^/]+)\/?$/,
          handle: (request) => getSystemTask(state, request),
          replaceStatus: (body, word) => (isRecord(body) ? { ...body, status: word ?? 'PAUSED' } : body),
        },
      ],
    },
    reset() {
      state.book.reset();
      state.rate.reset();
      state.failures = 0;
      state.lockedUntil = 0;
    },
    handle: (endpoint) => ({
      endpoint,
      projectId: state.projectId,
      token: state.token,
      accessKey: state.accessKey,
      secretKey: state.secretKey,
      get pacing() {
        return state.rate.pacing;
      },
      ...state.book.scriptable((task) => viewOf(task, clock.now())),
      createTask: (script) =>
        createTask(
          state,
          checkScript('dgc.createTask', script ?? {}),
          'Import jobs from path [obs://simulated/jobs.zip].',
          'obs://simulated/jobs.zip',
        ),
      setRateLimit(limit) {
        state.rate.set(checkWindowLimit('dgc.setRateLimit', limit, false));
      },
    }),
  };
}

/** The options checked, defaults drawn from `random` in a fixed order (so a seed gives the same credentials). */
function dgcState(options: unknown, clock: InternalClock, random: Random): DgcState {
  const given = checkObject<DgcSimulatorOptions>('dgc', options, OPTION_KEYS);
  return {
    projectId: checkToken('dgc.projectId', given.projectId, random.hex(32)),
    token: checkToken(
      'dgc.token',
      given.token,
      `MII${random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 120)}`,
    ),
    accessKey: checkToken('dgc.accessKey', given.accessKey, random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 20)),
    secretKey: checkToken(
      'dgc.secretKey',
      given.secretKey,
      random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 40),
    ),
    defaults: resolveDefaults('dgc.defaults', given.defaults, OUTCOMES, { queuedMs: 0, durationMs: [2000, 10_000] }),
    subtasksField: checkOneOf('dgc.subtasksField', given.subtasksField, ['subtasks', 'subTasks'] as const, 'subtasks'),
    epochFormat: checkOneOf('dgc.epochFormat', given.epochFormat, ['number', 'string'] as const, 'number'),
    notFoundCode: checkOneOf('dgc.notFoundCode', given.notFoundCode, ['DLF.0810', 'DLF.20810'] as const, 'DLF.0810'),
    maxSkewMs: checkMs('dgc.maxClockSkewMs', given.maxClockSkewMs, 15 * 60_000),
    lockAfter: checkInt('dgc.lockAfterFailures', given.lockAfterFailures, 5, 0, 1_000_000),
    // No limit is documented for DLF: the simulator throttles only when a `rateLimit` is given.
    rate: windowGate(clock, checkWindowLimit('dgc.rateLimit', given.rateLimit, false)),
    failures: 0,
    lockedUntil: 0,
    clock,
    random,
    book: new TaskBook<DgcTaskScript, DgcTask>('dgc', checkScript, (task, script) => {
      patchLifecycle(task.life, script);
      if (script.subtasks !== undefined) task.subtasks = subtasksOf(script.subtasks, random);
      if (script.failedSubtasks !== undefined) task.failedSubtasks = script.failedSubtasks;
    }),
  };
}

/** `POST {project}/jobs/import` or `connections/import`: an OBS path in, a system task id out. */
function importRoute(state: DgcState, id: RouteId, kind: 'jobs' | 'connections'): Route {
  return {
    id,
    provider: 'dgc',
    method: 'POST',
    pattern: new RegExp(`^/v1/(?<project>[^/]+)/${kind}/import/?$`),
    handle(request) {
      const refused = gate(state, request);
      if (refused) return refused;
      const parsed = parseJsonBody(request.body);
      if (!parsed.ok || !isRecord(parsed.value)) return dlf('DLF.0802', 'The request body is not valid JSON');
      const { path, sameNamePolicy } = parsed.value;
      if (typeof path !== 'string' || path === '') return dlf('DLF.0802', 'The parameter path is not configured');
      if (!/^obs:\/\/[^/]+\/.+/.test(path)) return dlf('DLF.0803', 'The OBS path is invalid');
      if (sameNamePolicy !== undefined && sameNamePolicy !== 'SKIP' && sameNamePolicy !== 'OVERWRITE') {
        return dlf('DLF.0802', 'The parameter sameNamePolicy is invalid');
      }
      return json(200, { taskId: createTask(state, state.book.next(), `Import ${kind} from path [${path}].`, path) });
    },
  };
}

/** `GET {project}/system-tasks/{task}`: the task's body now, or DataArts' not-found error. */
function getSystemTask(state: DgcState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const taskId = request.params['task'] ?? '';
  const task = state.book.get(taskId);
  if (task === undefined) {
    const { notFoundCode } = state;
    return dlf(
      notFoundCode,
      notFoundCode === 'DLF.0810' ? 'The queried task does not exist' : `Task[${taskId.slice(0, 64)}] does not exist`,
    );
  }
  return json(200, systemTaskBody(task, state.clock.now(), state));
}

/** The gateway first; then DataArts' own project check (the path's project, and `X-Project-Id` when sent). */
function gate(state: DgcState, request: SimRequest): SimResponse | undefined {
  const refused = gatewayRefusal(state, request);
  if (refused) return refused;
  const headerProject = request.headers['x-project-id'];
  if (
    request.params['project'] !== state.projectId ||
    (headerProject !== undefined && headerProject !== state.projectId)
  ) {
    return dlf('DLF.6888', 'The account permission is invalid for this project');
  }
  return undefined;
}

/** DataArts' own error envelope (HTTP 400, no request id). */
function dlf(code: string, message: string): SimResponse {
  return json(400, { error_code: code, error_msg: message });
}

/** Adds a task (its lifecycle drawn now, 1 to 3 made-up sub-tasks unless scripted) and returns its id. */
function createTask(state: DgcState, script: DgcTaskScript, name: string, path: string): string {
  const { random } = state;
  const id = random.hex(32);
  const names =
    script.subtasks ??
    Array.from(
      { length: random.int(1, 3) },
      () => `Import job [job_${random.chars('abcdefghijklmnopqrstuvwxyz', 6)}].`,
    );
  const life = resolveLifecycle(script, state.defaults, random, state.clock.now());
  state.book.add(id, {
    id,
    name,
    path,
    life,
    subtasks: subtasksOf(names, random),
    failedSubtasks: script.failedSubtasks,
  });
  return id;
}

function checkScript(name: string, value: unknown): DgcTaskScript {
  const script = checkObject<DgcTaskScript>(name, value, SCRIPT_KEYS) as DgcTaskScript;
  checkScriptBase(name, script, OUTCOMES);
  if (script.subtasks !== undefined) {
    if (!Array.isArray(script.subtasks) || !script.subtasks.every((s) => typeof s === 'string')) {
      throw new TypeError(`${name}.subtasks must be an array of names, got ${describe(script.subtasks)}`);
    }
  }
  if (script.failedSubtasks !== undefined) {
    if (!Array.isArray(script.failedSubtasks))
      throw new TypeError(`${name}.failedSubtasks must be an array of indexes, got ${describe(script.failedSubtasks)}`);
    for (const [i, index] of script.failedSubtasks.entries())
      checkInt(`${name}.failedSubtasks[${i}]`, index, 0, 0, 10_000);
  }
  return { ...script };
}
