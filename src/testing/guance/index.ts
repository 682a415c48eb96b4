/**
 * Guance Cloud Open API, log clustering ("logmine"): `POST /api/v1/logmine/send_task` and
 * `GET /api/v1/logmine/query_task`, header `DF-API-KEY`, the `{code, content, errorCode, message,
 * success, traceId}` envelope, 403 `ft.InvalidAPIKey`, and the 20-a-minute per-key limit answered with
 * HTTP 401 `ft.TriggerApiAkCurrentLimiting` (GuanceCloud/guance-docs, `docs/{zh,en}/open-api/`).
 *
 * Not documented by Guance, chosen here: a running task says `taskStatus: 'running'`, a failed one
 * `'failed'` (with the script's `message`); an unknown task id is HTTP 404 with errorCode
 * `ft.TaskNotFound`; a bad body is HTTP 400 with errorCode `ft.ParamError`.
 */
import type { TaskState } from '../../core/status.js';
import type { PacingOptions } from '../../core/transport.js';
import { isRecord, parseJsonBody, TaskBook, type ScriptableProvider } from '../book.js';
import { checkInt, checkObject, checkToken, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import {
  checkScriptBase,
  endOf,
  patchLifecycle,
  phaseAt,
  resolveDefaults,
  resolveLifecycle,
  SCRIPT_BASE_KEYS,
  startOf,
  type Lifecycle,
  type ResolvedDefaults,
  type SimulatedTaskView,
  type TaskDefaults,
  type TaskScriptBase,
} from '../lifecycle.js';
import type { Random } from '../random.js';
import { checkWindowLimit, windowGate, type RateGate, type WindowLimit } from '../ratelimit.js';
import { json, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';

/** How a logmine task can end. */
export type GuanceOutcome = 'succeeded' | 'failed';

/** One cluster, in Guance's wire form (`content.data[]`). */
export interface GuanceCluster {
  /** How many logs fall in the cluster. */
  count: number;
  /** Ids of sample logs of the cluster (`L_<epoch ms>_<xid>`). */
  docids: string[];
  /** The representative log text (often itself JSON text). */
  message: string;
}

/** A script for one logmine task. */
export interface GuanceTaskScript extends TaskScriptBase<GuanceOutcome> {
  /** The clusters a succeeded task returns; made up from the seeded random when left out. */
  clusters?: GuanceCluster[];
  /** `content.docCount`; the sum of the cluster counts when left out. */
  docCount?: number;
}

/** Options of the Guance simulator (`startSimulator({ guance })`). */
export interface GuanceSimulatorOptions {
  /** The API key it accepts. @default a random `tkn_…` key */
  apiKey?: string;
  /** What unscripted tasks do. @default { queuedMs: 0, durationMs: [3000, 15000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<GuanceOutcome>;
  /**
   * The per-key limit, in simulated time (with a `timeScale`, its window passes that many times
   * faster); `false` turns it off. @default { limit: 20, intervalMs: 60_000 }
   */
  rateLimit?: WindowLimit | false;
}

/** `sim.guance`: where the simulated Guance Open API is and how to drive it. */
export interface GuanceSimulator extends ScriptableProvider<GuanceTaskScript> {
  /** Pass as `baseURL` to `guanceLogmine`. */
  readonly baseURL: string;
  /** Pass as `apiKey` to `guanceLogmine`. */
  readonly apiKey: string;
  /**
   * Pass as `pacing` to `guanceLogmine`: the budget that fits the simulated per-key limit at the
   * simulator's `timeScale` (20 requests per 60 s at `timeScale: 1`, Guance's own default; one every
   * 10 ms at 600). The default pacing, meant for real time, would hold a test's requests back `timeScale`
   * times longer than the simulated Guance does. `false` when the limit is off. It follows
   * `setRateLimit`.
   */
  readonly pacing: PacingOptions | false;
  /** Creates a task without a request (as if another client had submitted it) and returns its id. */
  createTask(script?: GuanceTaskScript): string;
  /** Changes the per-key limit at run time; `false` turns it off. Resets its counts. */
  setRateLimit(limit: WindowLimit | false): void;
}

/** The default per-key limit (`api-limit.md`). */
export const GUANCE_RATE_LIMIT: Readonly<WindowLimit> = Object.freeze({ limit: 20, intervalMs: 60_000 });

const OUTCOMES: readonly GuanceOutcome[] = ['succeeded', 'failed'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'clusters', 'docCount'];
const NAMESPACES = new Set([
  'object',
  'object_history',
  'custom_object',
  'logging',
  'keyevent',
  'unrecovered_event',
  'tracing',
  'rum',
  'network',
  'security',
  'backup_log',
  'profiling',
  'billing',
]);
const XID = '0123456789abcdefghijklmnopqrstuv';

interface GuanceTask {
  id: string;
  life: Lifecycle<GuanceOutcome>;
  clusters: GuanceCluster[] | undefined;
  docCount: number | undefined;
  /** Epoch ms the made-up doc ids are stamped around. */
  around: number;
}

/** The pieces `startSimulator` wires up. */
export interface GuanceParts {
  module: ProviderModule;
  reset(): void;
  handle(baseURL: string): GuanceSimulator;
}

/** What the Guance routes and handle read and change. */
interface GuanceState {
  readonly apiKey: string;
  readonly defaults: ResolvedDefaults<GuanceOutcome>;
  readonly clock: InternalClock;
  readonly random: Random;
  readonly book: TaskBook<GuanceTaskScript, GuanceTask>;
  readonly rate: RateGate<WindowLimit>;
}

/** Builds the Guance provider. */
export function createGuance(
  options: unknown,
  rateLimitsOn: boolean,
  clock: InternalClock,
  random: Random,
): GuanceParts {
  const given = checkObject<GuanceSimulatorOptions>('guance', options, ['apiKey', 'defaults', 'rateLimit']);
  const state: GuanceState = {
    apiKey: checkToken('guance.apiKey', given.apiKey, `tkn_${random.hex(32)}`),
    defaults: resolveDefaults('guance.defaults', given.defaults, OUTCOMES, { queuedMs: 0, durationMs: [3000, 15_000] }),
    rate: windowGate(
      clock,
      checkWindowLimit('guance.rateLimit', given.rateLimit, rateLimitsOn ? GUANCE_RATE_LIMIT : false),
    ),
    clock,
    random,
    book: new TaskBook<GuanceTaskScript, GuanceTask>('guance', checkScript, (task, script) => {
      patchLifecycle(task.life, script);
      if (script.clusters !== undefined) task.clusters = script.clusters;
      if (script.docCount !== undefined) task.docCount = script.docCount;
    }),
  };
  return {
    module: {
      name: 'guance',
      prefix: /^\/api\/v1\//,
      notFound: () => envelope(state, 404, {}, 'ft.NotFound', 'Not Found'),
      routes: [
        {
          id: 'guance.sendTask',
          provider: 'guance',
          method: 'POST',
          pattern: /^\/api\/v1\/logmine\/send_task\/?$/,
          handle: (request) => sendTask(state, request),
        },
        {
          id: 'guance.queryTask',
          provider: 'guance',
          method: 'GET',
          pattern: /^\/api\/v1\/logmine\/query_task\/?$/,
          handle: (request) => queryTask(state, request),
          replaceStatus: replaceTaskStatus,
        },
      ],
    },
    reset() {
      state.book.reset();
      state.rate.reset();
    },
    handle: (baseURL) => ({
      baseURL,
      apiKey: state.apiKey,
      get pacing() {
        return state.rate.pacing;
      },
      ...state.book.scriptable((task) => viewOf(task, clock.now())),
      createTask: (script) => createTask(state, checkScript('guance.createTask', script ?? {}), clock.now()),
      setRateLimit(limit) {
        state.rate.set(checkWindowLimit('guance.setRateLimit', limit, false));
      },
    }),
  };
}

/** `POST send_task`: checks the body, then creates a task whose made-up doc ids fit its time range. */
function sendTask(state: GuanceState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok || !isRecord(parsed.value))
    return envelope(state, 400, {}, 'ft.ParamError', 'The request body must be a JSON object');
  const problem = checkSendTask(parsed.value);
  if (problem !== undefined) return envelope(state, 400, {}, 'ft.ParamError', problem);
  const range = parsed.value['timeRange'];
  const around = Array.isArray(range) ? Number(range[1]) : state.clock.now();
  return envelope(state, 200, { taskId: createTask(state, state.book.next(), around) });
}

/** `GET query_task`: the task's status word; the clusters once it is `ok`. */
function queryTask(state: GuanceState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const taskId = request.query.get('taskId');
  if (taskId === null || taskId === '') return envelope(state, 400, {}, 'ft.ParamError', 'taskId is required');
  const task = state.book.get(taskId);
  if (task === undefined)
    return envelope(state, 404, {}, 'ft.TaskNotFound', `logmine task ${taskId.slice(0, 64)} not found`);
  const { word } = stateOf(task, state.clock.now());
  if (word === 'ok') {
    // Made up on the first read, then kept, so every later read returns the same clusters.
    task.clusters ??= makeClusters(state.random, task.around);
    const clusters = task.clusters;
    const docCount = task.docCount ?? clusters.reduce((sum, c) => sum + c.count, 0);
    return envelope(state, 200, { data: clusters, docCount, taskStatus: 'ok' });
  }
  const message = word === 'failed' ? (task.life.message ?? 'logmine task failed') : '';
  return envelope(state, 200, { data: [], docCount: 0, taskStatus: word }, '', message);
}

/** The `'unknown-status'` fault on `query_task`: `content.taskStatus` replaced. */
function replaceTaskStatus(body: unknown, word: string | number | undefined): unknown {
  if (!isRecord(body) || !isRecord(body['content'])) return body;
  return { ...body, content: { ...body['content'], taskStatus: word ?? 'rebalancing' } };
}

/** Key check, then the per-key limit: what every call goes through. */
function gate(state: GuanceState, request: SimRequest): SimResponse | undefined {
  const key = request.headers['df-api-key'];
  if (key !== state.apiKey) return envelope(state, 403, {}, 'ft.InvalidAPIKey', 'Invalid API Key');
  const decision = state.rate.take(state.apiKey);
  if (!decision.ok)
    return envelope(state, 401, {}, 'ft.TriggerApiAkCurrentLimiting', 'Trigger API AK level current limiting');
  return undefined;
}

/** Guance's envelope; `success` follows from the error code, and each answer gets its own trace id. */
function envelope(state: GuanceState, code: number, content: unknown, errorCode = '', message = ''): SimResponse {
  return json(code, { code, content, errorCode, message, success: errorCode === '', traceId: traceId(state.random) });
}

/** Adds a task (its lifecycle drawn now) and returns its id. */
function createTask(state: GuanceState, script: GuanceTaskScript, around: number): string {
  const id = `logminetask${state.random.chars(XID, 20)}`;
  state.book.add(id, {
    id,
    life: resolveLifecycle(script, state.defaults, state.random, state.clock.now()),
    clusters: script.clusters,
    docCount: script.docCount,
    around,
  });
  return id;
}

/** The task as `sim.guance.task(id)` shows it. */
function viewOf(task: GuanceTask, now: number): SimulatedTaskView {
  const { state, word } = stateOf(task, now);
  const { life } = task;
  return {
    id: task.id,
    state,
    providerState: word,
    createdAt: new Date(life.createdAt),
    startedAt: new Date(startOf(life)),
    finishedAt: new Date(endOf(life)),
  };
}

function stateOf(task: GuanceTask, now: number): { state: TaskState; word: string } {
  if (phaseAt(task.life, now).kind !== 'ended') return { state: 'running', word: 'running' };
  return task.life.outcome === 'succeeded' ? { state: 'succeeded', word: 'ok' } : { state: 'failed', word: 'failed' };
}

function checkScript(name: string, value: unknown): GuanceTaskScript {
  const script = checkObject<GuanceTaskScript>(name, value, SCRIPT_KEYS) as GuanceTaskScript;
  checkScriptBase(name, script, OUTCOMES);
  if (script.clusters !== undefined) {
    if (!Array.isArray(script.clusters))
      throw new TypeError(`${name}.clusters must be an array, got ${describe(script.clusters)}`);
    script.clusters.forEach((cluster, i) => {
      const c = checkObject<GuanceCluster>(`${name}.clusters[${i}]`, cluster, ['count', 'docids', 'message']);
      checkInt(`${name}.clusters[${i}].count`, c.count, 0, 0, Number.MAX_SAFE_INTEGER);
      if (!Array.isArray(c.docids) || !c.docids.every((d) => typeof d === 'string')) {
        throw new TypeError(`${name}.clusters[${i}].docids must be an array of strings`);
      }
      if (typeof c.message !== 'string') throw new TypeError(`${name}.clusters[${i}].message must be a string`);
    });
  }
  checkInt(`${name}.docCount`, script.docCount, 0, 0, Number.MAX_SAFE_INTEGER);
  return { ...script };
}

/** What `send_task` refuses (sendtask.md): a missing `analysisField`, an unknown namespace, a bad time range. */
function checkSendTask(body: Record<string, unknown>): string | undefined {
  const { analysisField, namespace, timeRange, query, conditions, highlight } = body;
  if (typeof analysisField !== 'string' || analysisField === '') return 'analysisField is required';
  if (namespace !== undefined && !(typeof namespace === 'string' && NAMESPACES.has(namespace)))
    return 'namespace is invalid';
  if (query !== undefined && typeof query !== 'string') return 'query must be a string';
  if (conditions !== undefined && typeof conditions !== 'string') return 'conditions must be a string';
  if (highlight !== undefined && typeof highlight !== 'boolean') return 'highlight must be a boolean';
  if (timeRange !== undefined) {
    if (
      !Array.isArray(timeRange) ||
      timeRange.length !== 2 ||
      !timeRange.every((t) => Number.isSafeInteger(t) && (t as number) >= 0)
    ) {
      return 'timeRange must be two epoch milliseconds';
    }
    if ((timeRange[0] as number) > (timeRange[1] as number)) return 'timeRange start must not be after its end';
  }
  return undefined;
}

const SAMPLE_LINES = [
  'connection reset by peer while reading response header from upstream',
  'GET /api/v1/health 200 1.2ms',
  'failed to flush buffer: context deadline exceeded',
  '{"level":"info","msg":"trace[93927413] transaction","caller":"traceutil/trace.go:171","duration":"134.73909ms"}',
  '{"level":"warn","msg":"apply request took too long","took":"270.428986ms","expected-duration":"100ms"}',
  'user login succeeded uid=1024',
  '{"level":"error","msg":"dial tcp 10.0.0.12:6379: i/o timeout","caller":"cache/redis.go:88"}',
];

function makeClusters(random: Random, around: number): GuanceCluster[] {
  const clusters: GuanceCluster[] = [];
  const count = random.int(1, 4);
  for (let i = 0; i < count; i += 1) {
    const docs = random.int(1, 5);
    const docids: string[] = [];
    for (let d = 0; d < docs; d += 1) docids.push(`L_${around - random.int(0, 900_000)}_${random.chars(XID, 20)}`);
    clusters.push({ count: docs, docids, message: random.pick(SAMPLE_LINES) });
  }
  return clusters.sort((a, b) => b.count - a.count);
}

function traceId(random: Random): string {
  return `${random.int(1, 9)}${random.chars('0123456789', 19)}`;
}
