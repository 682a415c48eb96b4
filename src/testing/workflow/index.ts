/**
 * NebulaGraph Explorer workflow API (https://github.com/vesoft-inc/nebula-docs, `workflow-api/`):
 * `connect` (both Base64 forms of the
 * credentials, `Set-Cookie: explorer_token`), create a job of a workflow, read it (job status and its
 * tasks' statuses 0–5, job times in epoch ms, task times in ISO 8601 with an offset), cancel it
 * (5 Stopping, then 4 Interrupted), and a task's `sample_result`. Errors are `{code, message}` with
 * Explorer's 8-digit codes; the HTTP status is the code's category (401 for 40104000) unless
 * `errorHttpStatus: 200` is chosen, since the docs do not say.
 */
import type { TaskState } from '../../core/status.js';
import { isoWithOffset, isRecord, parseJsonBody, TaskBook, type ScriptableProvider } from '../book.js';
import { checkInt, checkMs, checkObject, checkOneOf, checkString, checkToken, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import {
  checkScriptBase,
  endOf,
  patchLifecycle,
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
import { json, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';

/** How a job can end: 2 Success, 3 Failed or 4 Interrupted. */
export type WorkflowOutcome = 'succeeded' | 'failed' | 'cancelled';

/** One component (task) of a simulated job. */
export interface WorkflowTaskSpec {
  /** The task's name, e.g. `'PageRank'`. */
  name: string;
  /** Its `sample_result` rows (strings, as Explorer sends them); made-up (vid, rank) rows when left out. */
  rows?: string[][];
}

/** A script for one job. */
export interface WorkflowJobScript extends TaskScriptBase<WorkflowOutcome> {
  /** The job's tasks, run one after the other; a name alone is a task with made-up rows. @default ['PageRank'] */
  tasks?: (string | WorkflowTaskSpec)[];
  /** For `failed`: the index of the task that fails (the ones after it never run). @default the last */
  failedTask?: number;
  /** Simulated ms a job (and its running task) shows 5 Stopping before 4 Interrupted. @default 1000 */
  stoppingMs?: number;
}

/** Options of the Explorer simulator (`startSimulator({ workflow })`). */
export interface WorkflowSimulatorOptions {
  /** @default 'root' */
  username?: string;
  /** @default 'nebula' */
  password?: string;
  /** The graphd address `connect` must name. @default '127.0.0.1' */
  graphAddress?: string;
  /** The graphd port `connect` must name. @default 9669 */
  graphPort?: number;
  /** How long an `explorer_token` lives, in simulated ms (Explorer: `Max-Age=259200`). @default 259200000 */
  tokenTtlMs?: number;
  /** What unscripted jobs do. @default { queuedMs: [1000, 3000], durationMs: [10000, 60000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<WorkflowOutcome>;
  /**
   * The HTTP status of error answers: `'category'` uses the code's first three digits (401 for
   * 40104000, 404 for 40404000, as vesoft's error codes are built); `200` puts every error in a 200.
   * @default 'category'
   */
  errorHttpStatus?: 'category' | 200;
  /** The UTC offset of task times, in minutes (the docs show +08:00). @default 480 */
  utcOffsetMinutes?: number;
}

/** A job's task as the simulator sees it. */
export interface WorkflowTaskView {
  /** The 32-hex task id (the `taskId` of a workflow ref). */
  id: string;
  name: string;
  /** Explorer's status number now. */
  status: number;
  state: TaskState;
}

/** A job as the simulator sees it (`id` is the job id as a string). */
export interface WorkflowJobView extends SimulatedTaskView {
  /** The job id as Explorer sends it (a number). */
  jobId: number;
  workflowId: string;
  tasks: WorkflowTaskView[];
}

/** The credentials `connect` accepts. */
export interface WorkflowCredentials {
  username: string;
  password: string;
  graphAddress: string;
  graphPort: number;
}

/** `sim.workflow`: where the simulated Explorer is and how to drive it. */
export interface WorkflowSimulator extends ScriptableProvider<WorkflowJobScript, WorkflowJobView> {
  /** Pass as `baseURL` to `workflowTasks`. */
  readonly baseURL: string;
  /** An `explorer_token` issued at start (valid until `expireTokens()` or its TTL). */
  readonly token: string;
  /** What `connect` accepts, to let the adapter get (and renew) its own token. */
  readonly credentials: WorkflowCredentials;
  /** Issues a fresh valid token, as `connect` would. */
  issueToken(): string;
  /** Expires every token issued so far: the next call with one gets 40104000. */
  expireTokens(): void;
  /** Creates a job of `workflowId` without a request and returns its id. */
  createJob(workflowId?: string, script?: WorkflowJobScript): number;
}

const OUTCOMES: readonly WorkflowOutcome[] = ['succeeded', 'failed', 'cancelled'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'tasks', 'failedTask', 'stoppingMs'];
const OPTION_KEYS = ['username', 'password', 'graphAddress', 'graphPort', 'tokenTtlMs', 'defaults', 'errorHttpStatus', 'utcOffsetMinutes'];
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const STATE_OF_STATUS: Record<number, TaskState> = { 0: 'queued', 1: 'running', 2: 'succeeded', 3: 'failed', 4: 'cancelled', 5: 'cancelling' };

const ERR = {
  badRequest: [40004000, 'ErrBadRequest'],
  param: [40004001, 'ErrParam'],
  unauthorized: [40104000, 'ErrUnauthorized'],
  session: [40104001, 'ErrSession'],
  notFound: [40404000, 'ErrNotFound'],
} as const;

interface WorkflowJob {
  id: number;
  workflowId: string;
  life: Lifecycle<WorkflowOutcome>;
  tasks: { id: string; name: string; rows: string[][] | undefined }[];
  failedTask: number | undefined;
  stoppingMs: number;
  /** When a cancel was asked for, in simulated ms. */
  cancelAt: number | undefined;
}

/** A job's state at one moment. */
interface JobNow {
  status: number;
  begin: number | undefined;
  end: number | undefined;
  tasks: { status: number; begin: number | undefined; end: number | undefined }[];
}

/** The pieces `startSimulator` wires up. */
export interface WorkflowParts {
  module: ProviderModule;
  reset(): void;
  handle(baseURL: string): WorkflowSimulator;
}

/** Builds the Explorer provider. */
export function createWorkflow(options: unknown, clock: InternalClock, random: Random): WorkflowParts {
  const given = checkObject<WorkflowSimulatorOptions>('workflow', options, OPTION_KEYS);
  const credentials: WorkflowCredentials = Object.freeze({
    username: checkString('workflow.username', given.username, 'root'),
    password: checkString('workflow.password', given.password, 'nebula'),
    graphAddress: checkToken('workflow.graphAddress', given.graphAddress, '127.0.0.1'),
    graphPort: checkInt('workflow.graphPort', given.graphPort, 9669, 1, 65_535),
  });
  const tokenTtlMs = checkMs('workflow.tokenTtlMs', given.tokenTtlMs, 259_200_000, 1);
  const defaults = resolveDefaults('workflow.defaults', given.defaults, OUTCOMES, { queuedMs: [1000, 3000], durationMs: [10_000, 60_000] });
  const errorStatus = checkOneOf('workflow.errorHttpStatus', given.errorHttpStatus, ['category', 200] as const, 'category');
  const offset = checkInt('workflow.utcOffsetMinutes', given.utcOffsetMinutes, 480, -720, 840);
  if (credentials.username === '' || credentials.password === '') throw new TypeError('workflow.username and workflow.password must not be empty');

  /** token → expiry in simulated ms. */
  const tokens = new Map<string, number>();
  let nextJobId = random.int(100, 999);

  const issue = (): string => {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const now = clock.now();
    const payload = Buffer.from(JSON.stringify({ sub: credentials.username, iat: Math.floor(now / 1000), nonce: random.hex(8) })).toString('base64url');
    const token = `${header}.${payload}.${Buffer.from(random.hex(32), 'hex').toString('base64url')}`;
    tokens.set(token, now + tokenTtlMs);
    return token;
  };
  const initialToken = issue();

  const book = new TaskBook<WorkflowJobScript, WorkflowJob>('workflow', checkScript, (job, script) => {
    patchLifecycle(job.life, script);
    if (script.tasks !== undefined) job.tasks = tasksOf(script.tasks, random);
    if (script.failedTask !== undefined) job.failedTask = script.failedTask;
    if (script.stoppingMs !== undefined) job.stoppingMs = script.stoppingMs;
  });

  const create = (workflowId: string, script: WorkflowJobScript): number => {
    const id = nextJobId++;
    book.add(String(id), {
      id,
      workflowId,
      life: resolveLifecycle(script, defaults, random, clock.now()),
      tasks: tasksOf(script.tasks ?? ['PageRank'], random),
      failedTask: script.failedTask,
      stoppingMs: script.stoppingMs ?? 1000,
      cancelAt: undefined,
    });
    return id;
  };

  const ok = (data: unknown, headers?: Record<string, string | string[]>): SimResponse =>
    json(200, { code: 0, message: 'Success', data }, headers);
  const fail = ([code, name]: readonly [number, string], detail: string): SimResponse =>
    json(errorStatus === 200 ? 200 : Math.floor(code / 100_000), { code, message: `${name}::${detail}` });

  const authorized = (request: SimRequest): SimResponse | undefined => {
    const token = cookie(request.headers.cookie, 'explorer_token') ?? single(request.headers['explorer_token']);
    if (token === undefined || token === '') return fail(ERR.unauthorized, 'explorer_token is required');
    const expires = tokens.get(token);
    if (expires === undefined) return fail(ERR.unauthorized, 'invalid token');
    if (clock.now() >= expires) return fail(ERR.unauthorized, 'token is expired');
    return undefined;
  };

  const jobOf = (request: SimRequest): WorkflowJob | SimResponse => {
    const raw = request.params['job'] ?? '';
    if (!/^\d{1,15}$/.test(raw)) return fail(ERR.param, 'job id must be a number');
    return book.get(String(Number(raw))) ?? fail(ERR.notFound, 'job not found');
  };

  const view = (job: WorkflowJob): WorkflowJobView => {
    const now = jobAt(job, clock.now());
    return {
      id: String(job.id),
      jobId: job.id,
      workflowId: job.workflowId,
      state: STATE_OF_STATUS[now.status] ?? 'unknown',
      providerState: String(now.status),
      createdAt: new Date(job.life.createdAt),
      startedAt: new Date(startOf(job.life)),
      finishedAt: new Date(finishOf(job)),
      tasks: job.tasks.map((task, i) => {
        const status = now.tasks[i]?.status ?? 0;
        return { id: task.id, name: task.name, status, state: STATE_OF_STATUS[status] ?? 'unknown' };
      }),
    };
  };

  const module: ProviderModule = {
    name: 'workflow',
    prefix: /^\/api-open\//,
    notFound: () => fail(ERR.notFound, 'route not found'),
    routes: [
      {
        id: 'workflow.connect',
        provider: 'workflow',
        method: 'POST',
        pattern: /^\/api-open\/v1\/connect\/?$/,
        handle(request) {
          const pair = bearerCredentials(request.headers.authorization);
          if (pair === undefined) return fail(ERR.unauthorized, 'Authorization must be Bearer base64 credentials');
          if (pair[0] !== credentials.username || pair[1] !== credentials.password) return fail(ERR.unauthorized, 'Bad username/password');
          const parsed = parseJsonBody(request.body);
          const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
          if (body['address'] !== credentials.graphAddress || Number(body['port']) !== credentials.graphPort) {
            return fail(ERR.session, 'connect to graphd failed');
          }
          const token = issue();
          return ok({ success: true }, { 'Set-Cookie': `explorer_token=${token}; Path=/; Max-Age=${Math.round(tokenTtlMs / 1000)}; HttpOnly` });
        },
      },
      {
        id: 'workflow.createJob',
        provider: 'workflow',
        method: 'POST',
        pattern: /^\/api-open\/v1\/workflows\/(?<workflow>[^/]+)\/jobs\/?$/,
        handle(request) {
          const refused = authorized(request);
          if (refused) return refused;
          if (request.body.length > 0) {
            const parsed = parseJsonBody(request.body);
            if (!parsed.ok || !isRecord(parsed.value)) return fail(ERR.param, 'the body must be a JSON object');
            const input = parsed.value['input'];
            if (input !== undefined && !isRecord(input)) return fail(ERR.param, 'input must be an object');
          }
          return ok({ id: create(request.params['workflow'] ?? '', book.next()) });
        },
      },
      {
        id: 'workflow.getJob',
        provider: 'workflow',
        method: 'GET',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/?$/,
        handle(request) {
          const refused = authorized(request);
          if (refused) return refused;
          const job = jobOf(request);
          if ('status' in job) return job;
          return ok(jobDetail(job, clock.now()));
        },
        replaceStatus(body, word) {
          if (!isRecord(body) || !isRecord(body['data'])) return body;
          const status = word ?? 9;
          const data = body['data'];
          const tasks = Array.isArray(data['tasks']) ? data['tasks'].map((t: unknown) => (isRecord(t) ? { ...t, status } : t)) : data['tasks'];
          return { ...body, data: { ...data, status, tasks } };
        },
      },
      {
        id: 'workflow.cancelJob',
        provider: 'workflow',
        method: 'PUT',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/cancel\/?$/,
        handle(request) {
          const refused = authorized(request);
          if (refused) return refused;
          const job = jobOf(request);
          if ('status' in job) return job;
          const now = clock.now();
          const status = jobAt(job, now).status;
          if (status === 2 || status === 3 || status === 4) return ok({ success: false }); // already over
          if (status !== 5) job.cancelAt = now; // a job already stopping keeps its course
          return ok({ success: true });
        },
      },
      {
        id: 'workflow.sampleResult',
        provider: 'workflow',
        method: 'GET',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/tasks\/(?<task>[^/]+)\/sample_result\/?$/,
        handle(request) {
          const refused = authorized(request);
          if (refused) return refused;
          const job = jobOf(request);
          if ('status' in job) return job;
          const index = job.tasks.findIndex((t) => t.id === request.params['task']);
          if (index < 0) return fail(ERR.notFound, 'task not found');
          const rawLimit = request.query.get('limit');
          const limit = rawLimit === null ? 10 : Number(rawLimit);
          if (!Number.isInteger(limit) || limit < 1) return fail(ERR.param, 'limit must be a positive integer');
          if (jobAt(job, clock.now()).tasks[index]?.status !== 2) return fail(ERR.badRequest, 'the task has no result yet');
          const task = job.tasks[index] as WorkflowJob['tasks'][number];
          task.rows ??= pageRankRows(random);
          return ok({ items: task.rows.slice(0, limit) });
        },
      },
    ],
  };

  /** The job detail body (api-desc-job.md): job times in epoch ms (0 until set), task times ISO 8601 with offset. */
  function jobDetail(job: WorkflowJob, simNow: number): Record<string, unknown> {
    const now = jobAt(job, simNow);
    const iso = (ms: number | undefined): string => (ms === undefined ? GO_ZERO_TIME : isoWithOffset(ms, offset));
    return {
      id: job.id,
      name: `${workflowName(job.workflowId)}_${isoWithOffset(job.life.createdAt, offset).slice(0, 19).replace(/\D/g, '')}`,
      workflowId: job.workflowId,
      workflowName: workflowName(job.workflowId),
      status: now.status,
      runBeginTime: now.begin ?? 0,
      runEndTime: now.end ?? 0,
      createTime: job.life.createdAt,
      tasks: job.tasks.map((task, i) => {
        const t = now.tasks[i] as JobNow['tasks'][number];
        return { id: task.id, name: task.name, runBeginTime: iso(t.begin), runEndTime: iso(t.end), status: t.status };
      }),
    };
  }

  return {
    module,
    reset() {
      book.reset();
      for (const token of [...tokens.keys()]) if (token !== initialToken) tokens.delete(token);
      tokens.set(initialToken, clock.now() + tokenTtlMs);
    },
    handle(baseURL) {
      return {
        baseURL,
        token: initialToken,
        credentials,
        ...book.scriptable(view),
        issueToken: issue,
        expireTokens() {
          const now = clock.now();
          for (const token of tokens.keys()) tokens.set(token, now);
        },
        createJob: (workflowId = 'simulated-workflow', script) => {
          if (typeof workflowId !== 'string' || workflowId === '') throw new TypeError(`workflow.createJob: workflowId must be a non-empty string, got ${describe(workflowId)}`);
          return create(workflowId, checkScript('workflow.createJob', script ?? {}));
        },
      };
    },
  };
}

function workflowName(workflowId: string): string {
  return `workflow_${workflowId.slice(0, 32)}`;
}

/** When the job ends (or ended): its natural end, or the end of its stopping after a cancel. */
function finishOf(job: WorkflowJob): number {
  if (job.cancelAt !== undefined && job.cancelAt < endOf(job.life)) return job.cancelAt + job.stoppingMs;
  return endOf(job.life);
}

/**
 * The job at simulated time `now`. Its tasks run one after the other, splitting the running time by
 * the progress curve; a failed job ends when its failing task does; a cancel (or a `cancelled`
 * outcome) shows 5 Stopping for `stoppingMs`, then 4 Interrupted on the job and the task it stopped.
 */
function jobAt(job: WorkflowJob, now: number): JobNow {
  const { life } = job;
  const start = startOf(life);
  const natural = endOf(life);
  const n = job.tasks.length;
  const failing = life.outcome === 'failed' ? Math.min(job.failedTask ?? n - 1, n - 1) : undefined;
  const runs = failing === undefined ? n : failing + 1;
  const windows = job.tasks.map((_, i) =>
    i < runs ? { from: timeAtDone(life, i / runs), to: i === runs - 1 ? natural : timeAtDone(life, (i + 1) / runs) } : undefined,
  );
  const scriptedStop = life.outcome === 'cancelled' ? Math.max(start, natural - job.stoppingMs) : undefined;
  const cancelAt = job.cancelAt !== undefined && job.cancelAt < natural ? job.cancelAt : scriptedStop;
  const stopEnd = cancelAt === undefined ? undefined : job.cancelAt !== undefined && job.cancelAt < natural ? job.cancelAt + job.stoppingMs : natural;

  const taskAt = (i: number, at: number): JobNow['tasks'][number] => {
    const w = windows[i];
    if (w === undefined || at < w.from) return { status: 0, begin: undefined, end: undefined };
    if (at < w.to) return { status: 1, begin: w.from, end: undefined };
    return { status: i === failing ? 3 : 2, begin: w.from, end: w.to };
  };

  if (cancelAt !== undefined && stopEnd !== undefined && now >= cancelAt) {
    const stopped = now >= stopEnd;
    const tasks = job.tasks.map((_, i) => {
      const before = taskAt(i, cancelAt);
      if (before.status !== 1) return before;
      return stopped ? { status: 4, begin: before.begin, end: stopEnd } : { status: 5, begin: before.begin, end: undefined };
    });
    const begin = cancelAt >= start ? start : undefined;
    return stopped ? { status: 4, begin, end: stopEnd, tasks } : { status: 5, begin, end: undefined, tasks };
  }
  const tasks = job.tasks.map((_, i) => taskAt(i, now));
  if (now < start) return { status: 0, begin: undefined, end: undefined, tasks };
  if (now < natural) return { status: 1, begin: start, end: undefined, tasks };
  return { status: life.outcome === 'failed' ? 3 : 2, begin: start, end: natural, tasks };
}

function tasksOf(specs: readonly (string | WorkflowTaskSpec)[], random: Random): WorkflowJob['tasks'] {
  return specs.map((spec) => {
    const { name, rows } = typeof spec === 'string' ? { name: spec, rows: undefined } : spec;
    return { id: random.hex(32), name, rows: rows?.map((row) => [...row]) };
  });
}

/** (vid, rank) rows as PageRank gives them, values as strings (seed 003). */
function pageRankRows(random: Random): string[][] {
  return Array.from({ length: random.int(5, 30) }, () => [
    `${random.pick(['player', 'team'])}${random.int(100, 250)}`,
    (random.next() * 0.9 + 0.1).toFixed(6),
  ]);
}

/** `Bearer <base64>` → [user, password]: base64 of `["user","password"]` (3.3.0+) or of `user:password` (≤ 3.2.1). */
function bearerCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  if (decoded.trimStart().startsWith('[')) {
    try {
      const pair: unknown = JSON.parse(decoded);
      if (Array.isArray(pair) && pair.length === 2 && pair.every((p) => typeof p === 'string')) return [pair[0] as string, pair[1] as string];
    } catch {
      // Fall through to the user:password form.
    }
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function checkScript(name: string, value: unknown): WorkflowJobScript {
  const script = checkObject<WorkflowJobScript>(name, value, SCRIPT_KEYS) as WorkflowJobScript;
  checkScriptBase(name, script, OUTCOMES);
  checkMs(`${name}.stoppingMs`, script.stoppingMs, 0);
  if (script.tasks !== undefined) {
    if (!Array.isArray(script.tasks) || script.tasks.length === 0) throw new TypeError(`${name}.tasks must be a non-empty array, got ${describe(script.tasks)}`);
    script.tasks.forEach((task, i) => {
      if (typeof task === 'string') {
        if (task === '') throw new TypeError(`${name}.tasks[${i}] must not be empty`);
        return;
      }
      const spec = checkObject<WorkflowTaskSpec>(`${name}.tasks[${i}]`, task, ['name', 'rows']);
      if (typeof spec.name !== 'string' || spec.name === '') throw new TypeError(`${name}.tasks[${i}].name must be a non-empty string`);
      if (spec.rows !== undefined && !(Array.isArray(spec.rows) && spec.rows.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'string')))) {
        throw new TypeError(`${name}.tasks[${i}].rows must be an array of string arrays`);
      }
    });
  }
  if (script.failedTask !== undefined) checkInt(`${name}.failedTask`, script.failedTask, 0, 0, 10_000);
  return { ...script };
}
