/**
 * Huawei Cloud DataArts Studio (DGC), DataArts Factory system tasks (API reference pages
 * `dataartsstudio_02_0090`, `_0096`, `_0313` at support.huaweicloud.com): `jobs/import`
 * and `connections/import` create a task, `system-tasks/{task_id}` reports it. Auth is an IAM token
 * (`X-Auth-Token`) or an `SDK-HMAC-SHA256` signature checked by the simulator's own gateway verifier;
 * refusals are the gateway's `APIG.0301` (token, locked AK) and `APIG.0303` (signature, date),
 * throttling is `APIG.0308` when you configure a limit, an unknown task is `DLF.0810`.
 */
import type { TaskState } from '../../core/status.js';
import { isRecord, parseJsonBody, TaskBook, type ScriptableProvider } from '../book.js';
import { checkInt, checkMs, checkObject, checkOneOf, checkToken, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import { parseSdkAuthorization, verifyGatewaySignature, type SignatureProblem } from './signature.js';
import {
  checkScriptBase,
  endOf,
  patchLifecycle,
  phaseAt,
  resolveDefaults,
  resolveLifecycle,
  SCRIPT_BASE_KEYS,
  startOf,
  timeAtDone,
  type Lifecycle,
  type SimulatedTaskView,
  type TaskDefaults,
  type TaskScriptBase,
} from '../lifecycle.js';
import type { Random } from '../random.js';
import { checkWindowLimit, NO_LIMIT, windowLimiter, type Limiter, type WindowLimit } from '../ratelimit.js';
import type { RouteId } from '../names.js';
import { json, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';

/** How a system task can end: `SUCCESSFUL`, `WARNING` (some sub-tasks failed) or `FAILED`. */
export type DgcOutcome = 'succeeded' | 'partial' | 'failed';

/** A script for one system task. */
export interface DgcTaskScript extends TaskScriptBase<DgcOutcome> {
  /** Sub-task names, in order; 1 to 3 made-up `Import job [job_…].` names when left out (`[]` for none). */
  subtasks?: string[];
  /** Indexes of the sub-tasks that fail. @default the last one for `partial` and `failed` */
  failedSubtasks?: number[];
}

/** Options of the DataArts simulator (`startSimulator({ dgc })`). */
export interface DgcSimulatorOptions {
  /** The project id in the paths. @default 32 random hex digits */
  projectId?: string;
  /** The IAM token it accepts in `X-Auth-Token`. @default a random `MII…` token */
  token?: string;
  /** The AK it accepts. @default 20 random upper-case characters */
  accessKey?: string;
  /** The SK that signs for it. @default 40 random characters */
  secretKey?: string;
  /** What unscripted tasks do. @default { queuedMs: 0, durationMs: [2000, 10000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<DgcOutcome>;
  /** A per-credential limit answered with `APIG.0308`; none is documented for DLF. @default false */
  rateLimit?: WindowLimit | false;
  /** The sub-task array's name: the docs and OpenAPI say `subtasks`, the Go SDK model `subTasks`. @default 'subtasks' */
  subtasksField?: 'subtasks' | 'subTasks';
  /** Times as JSON numbers (the docs) or numeric strings (the SDK models). @default 'number' */
  epochFormat?: 'number' | 'string';
  /** The unknown-task code: `DLF.0810` (Huawei Cloud) or `DLF.20810` (the T-Systems copy). @default 'DLF.0810' */
  notFoundCode?: 'DLF.0810' | 'DLF.20810';
  /** How far `X-Sdk-Date` may be from the caller's clock, in ms. @default 900000 (15 min) */
  maxClockSkewMs?: number;
  /** Consecutive AK/SK failures after which the AK is locked for 5 minutes (`APIG.0301`); 0 never locks. @default 5 */
  lockAfterFailures?: number;
}

/** `sim.dgc`: where the simulated DataArts Factory is and how to drive it. */
export interface DgcSimulator extends ScriptableProvider<DgcTaskScript> {
  /** Pass as `endpoint` to `dgcSystemTasks`. */
  readonly endpoint: string;
  readonly projectId: string;
  /** An IAM token it accepts (`X-Auth-Token`). */
  readonly token: string;
  /** An AK/SK pair it accepts (`SDK-HMAC-SHA256`). */
  readonly accessKey: string;
  readonly secretKey: string;
  /** Creates a task without a request (as if another client had started an import) and returns its id. */
  createTask(script?: DgcTaskScript): string;
  /** Changes the limit at run time; `false` turns it off. Resets its counts. */
  setRateLimit(limit: WindowLimit | false): void;
}

const OUTCOMES: readonly DgcOutcome[] = ['succeeded', 'partial', 'failed'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'subtasks', 'failedSubtasks'];
const OPTION_KEYS = [
  'projectId', 'token', 'accessKey', 'secretKey', 'defaults', 'rateLimit', 'subtasksField', 'epochFormat', 'notFoundCode',
  'maxClockSkewMs', 'lockAfterFailures',
];
const WORDS: Record<DgcOutcome, string> = { succeeded: 'SUCCESSFUL', partial: 'WARNING', failed: 'FAILED' };
const STATES: Record<DgcOutcome, TaskState> = { succeeded: 'succeeded', partial: 'partial', failed: 'failed' };
const LOCK_MS = 5 * 60_000;
const SIGNATURE_TEXT: Record<SignatureProblem, string> = {
  malformed: 'Incorrect app authentication information: the X-Sdk-Date header is malformed',
  'date-missing': 'Incorrect app authentication information: the X-Sdk-Date header is missing',
  'date-expired': 'Incorrect app authentication information: signature expired',
  'unsigned-required-header': 'Incorrect app authentication information: host and x-sdk-date must be signed',
  mismatch: 'Incorrect app authentication information: verify aksk signature fail',
};

interface DgcTask {
  id: string;
  name: string;
  path: string;
  life: Lifecycle<DgcOutcome>;
  subtasks: { id: string; name: string }[];
  failedSubtasks: number[] | undefined;
}

/** The pieces `startSimulator` wires up. */
export interface DgcParts {
  module: ProviderModule;
  reset(): void;
  handle(endpoint: string): DgcSimulator;
}

/** Builds the DataArts provider. */
export function createDgc(options: unknown, clock: InternalClock, random: Random): DgcParts {
  // No limit is documented for DLF: the simulator throttles only when a `rateLimit` is given.
  const given = checkObject<DgcSimulatorOptions>('dgc', options, OPTION_KEYS);
  const projectId = checkToken('dgc.projectId', given.projectId, random.hex(32));
  const token = checkToken('dgc.token', given.token, `MII${random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 120)}`);
  const accessKey = checkToken('dgc.accessKey', given.accessKey, random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 20));
  const secretKey = checkToken('dgc.secretKey', given.secretKey, random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 40));
  const defaults = resolveDefaults('dgc.defaults', given.defaults, OUTCOMES, { queuedMs: 0, durationMs: [2000, 10_000] });
  const subtasksField = checkOneOf('dgc.subtasksField', given.subtasksField, ['subtasks', 'subTasks'] as const, 'subtasks');
  const epochFormat = checkOneOf('dgc.epochFormat', given.epochFormat, ['number', 'string'] as const, 'number');
  const notFoundCode = checkOneOf('dgc.notFoundCode', given.notFoundCode, ['DLF.0810', 'DLF.20810'] as const, 'DLF.0810');
  const maxSkewMs = checkMs('dgc.maxClockSkewMs', given.maxClockSkewMs, 15 * 60_000);
  const lockAfter = checkInt('dgc.lockAfterFailures', given.lockAfterFailures, 5, 0, 1_000_000);
  let limiter = limiterFor(checkWindowLimit('dgc.rateLimit', given.rateLimit, false));
  let failures = 0;
  let lockedUntil = 0;

  const book = new TaskBook<DgcTaskScript, DgcTask>('dgc', checkScript, (task, script) => {
    patchLifecycle(task.life, script);
    if (script.subtasks !== undefined) task.subtasks = subtasksOf(script.subtasks, random);
    if (script.failedSubtasks !== undefined) task.failedSubtasks = script.failedSubtasks;
  });

  const create = (script: DgcTaskScript, name: string, path: string): string => {
    const id = random.hex(32);
    const names = script.subtasks ?? Array.from({ length: random.int(1, 3) }, () => `Import job [job_${random.chars('abcdefghijklmnopqrstuvwxyz', 6)}].`);
    book.add(id, { id, name, path, life: resolveLifecycle(script, defaults, random, clock.now()), subtasks: subtasksOf(names, random), failedSubtasks: script.failedSubtasks });
    return id;
  };

  const requestId = (): string => random.hex(32);
  const apig = (status: number, code: string, message: string): SimResponse =>
    json(status, { error_code: code, error_msg: message, request_id: requestId() });
  const dlf = (code: string, message: string): SimResponse => json(400, { error_code: code, error_msg: message });
  const epoch = (ms: number): number | string => (epochFormat === 'number' ? ms : String(ms));

  /** The gateway: a token or a signature, then the optional throttle; then the project. */
  const gate = (request: SimRequest): SimResponse | undefined => {
    const auth = request.headers.authorization;
    const tokenHeader = request.headers['x-auth-token'];
    let credential: string;
    if (tokenHeader !== undefined) {
      if (tokenHeader !== token) return apig(401, 'APIG.0301', 'Incorrect IAM authentication information: verify token fail');
      credential = 'token';
    } else if (auth !== undefined) {
      const parsed = parseSdkAuthorization(auth);
      if (parsed === undefined) return apig(401, 'APIG.0303', 'Incorrect app authentication information: the Authorization header is malformed');
      if (parsed.accessKey !== accessKey) return apig(401, 'APIG.0303', 'Incorrect app authentication information: ak not found');
      if (Date.now() < lockedUntil) return apig(401, 'APIG.0301', 'Incorrect IAM authentication information: the access key is locked');
      const problem = verifyGatewaySignature(request, parsed, secretKey, Date.now(), maxSkewMs);
      if (problem !== undefined) {
        failures += 1;
        if (lockAfter > 0 && failures > lockAfter) lockedUntil = Date.now() + LOCK_MS;
        return apig(401, 'APIG.0303', SIGNATURE_TEXT[problem]);
      }
      failures = 0;
      credential = `ak:${accessKey}`;
    } else {
      return apig(401, 'APIG.0301', 'Incorrect IAM authentication information: x-auth-token not found');
    }
    if (!limiter.take(credential, Date.now()).ok) {
      return apig(429, 'APIG.0308', 'The throttling threshold has been reached: policy user over ratelimit');
    }
    const headerProject = request.headers['x-project-id'];
    if (request.params['project'] !== projectId || (headerProject !== undefined && headerProject !== projectId)) {
      return dlf('DLF.6888', 'The account permission is invalid for this project');
    }
    return undefined;
  };

  const importRoute = (id: RouteId, kind: 'jobs' | 'connections'): ProviderModule['routes'][number] => ({
    id,
    provider: 'dgc',
    method: 'POST',
    pattern: new RegExp(`^/v1/(?<project>[^/]+)/${kind}/import/?$`),
    handle(request) {
      const refused = gate(request);
      if (refused) return refused;
      const parsed = parseJsonBody(request.body);
      if (!parsed.ok || !isRecord(parsed.value)) return dlf('DLF.0802', 'The request body is not valid JSON');
      const { path, sameNamePolicy } = parsed.value;
      if (typeof path !== 'string' || path === '') return dlf('DLF.0802', 'The parameter path is not configured');
      if (!/^obs:\/\/[^/]+\/.+/.test(path)) return dlf('DLF.0803', 'The OBS path is invalid');
      if (sameNamePolicy !== undefined && sameNamePolicy !== 'SKIP' && sameNamePolicy !== 'OVERWRITE') {
        return dlf('DLF.0802', 'The parameter sameNamePolicy is invalid');
      }
      const what = kind === 'jobs' ? 'jobs' : 'connections';
      return json(200, { taskId: create(book.next(), `Import ${what} from path [${path}].`, path) });
    },
  });

  const view = (task: DgcTask): SimulatedTaskView => {
    const ended = phaseAt(task.life, clock.now()).kind === 'ended';
    return {
      id: task.id,
      state: ended ? STATES[task.life.outcome] : 'running',
      providerState: ended ? WORDS[task.life.outcome] : 'RUNNING',
      createdAt: new Date(task.life.createdAt),
      startedAt: new Date(startOf(task.life)),
      finishedAt: new Date(endOf(task.life)),
    };
  };

  const module: ProviderModule = {
    name: 'dgc',
    prefix: /^\/v1\//,
    notFound: () => apig(404, 'APIG.0101', 'The API does not exist or has not been published in the environment'),
    routes: [
      importRoute('dgc.importJobs', 'jobs'),
      importRoute('dgc.importConnections', 'connections'),
      {
        id: 'dgc.getSystemTask',
        provider: 'dgc',
        method: 'GET',
        pattern: /^\/v1\/(?<project>[^/]+)\/system-tasks\/(?<task>[^/]+)\/?$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const task = book.get(request.params['task'] ?? '');
          if (task === undefined) {
            return dlf(notFoundCode, notFoundCode === 'DLF.0810' ? 'The queried task does not exist' : `Task[${(request.params['task'] ?? '').slice(0, 64)}] does not exist`);
          }
          return json(200, systemTask(task, clock.now()));
        },
        replaceStatus(body, word) {
          return isRecord(body) ? { ...body, status: word ?? 'PAUSED' } : body;
        },
      },
    ],
  };

  /** The `system-tasks` body at simulated time `now` (dataartsstudio_02_0096, seed 002). */
  function systemTask(task: DgcTask, now: number): Record<string, unknown> {
    const { life } = task;
    const ended = phaseAt(life, now).kind === 'ended';
    const count = task.subtasks.length;
    const failedSet = new Set(task.failedSubtasks ?? (life.outcome === 'succeeded' || count === 0 ? [] : [count - 1]));
    let lastUpdate = life.createdAt;
    const subtasks: Record<string, unknown>[] = [];
    task.subtasks.forEach((sub, i) => {
      const from = Math.max(life.createdAt, timeAtDone(life, i / count));
      const to = Math.min(endOf(life), timeAtDone(life, (i + 1) / count));
      if (now < from) return;
      const done = now >= to || ended;
      const at = done ? to : from;
      lastUpdate = Math.max(lastUpdate, at);
      const status = !done ? 'RUNNING' : failedSet.has(i) && life.outcome !== 'succeeded' ? 'FAILED' : 'SUCCESSFUL';
      subtasks.push({ id: sub.id, name: sub.name, lastUpdate: epoch(at), status, taskId: task.id });
    });
    const body: Record<string, unknown> = {
      id: task.id,
      name: task.name,
      projectId,
      startTime: epoch(life.createdAt),
      lastUpdate: epoch(ended ? endOf(life) : lastUpdate),
      status: ended ? WORDS[life.outcome] : 'RUNNING',
      [subtasksField]: subtasks,
    };
    if (ended) {
      body['endTime'] = epoch(endOf(life));
      if (life.outcome !== 'succeeded') {
        const failedNames = task.subtasks.filter((_, i) => failedSet.has(i)).map((s) => s.name);
        body['message'] =
          life.message ?? (failedNames.length > 0 ? `Failed: ${failedNames.join(' ')}` : `Failed to read the OBS file [${task.path}].`);
      }
    }
    return body;
  }

  return {
    module,
    reset() {
      book.reset();
      limiter.reset();
      failures = 0;
      lockedUntil = 0;
    },
    handle(endpoint) {
      return {
        endpoint,
        projectId,
        token,
        accessKey,
        secretKey,
        ...book.scriptable(view),
        createTask: (script) => create(checkScript('dgc.createTask', script ?? {}), 'Import jobs from path [obs://simulated/jobs.zip].', 'obs://simulated/jobs.zip'),
        setRateLimit(limit) {
          limiter = limiterFor(checkWindowLimit('dgc.setRateLimit', limit, false));
        },
      };
    },
  };
}

function limiterFor(limit: WindowLimit | false): Limiter {
  return limit === false ? NO_LIMIT : windowLimiter(limit);
}

function subtasksOf(names: readonly string[], random: Random): { id: string; name: string }[] {
  const stem = random.hex(28);
  return names.map((name, i) => ({ id: `${stem}${String(i + 2).padStart(4, '0')}`, name }));
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
    if (!Array.isArray(script.failedSubtasks)) throw new TypeError(`${name}.failedSubtasks must be an array of indexes, got ${describe(script.failedSubtasks)}`);
    script.failedSubtasks.forEach((index, i) => checkInt(`${name}.failedSubtasks[${i}]`, index, 0, 0, 10_000));
  }
  return { ...script };
}
