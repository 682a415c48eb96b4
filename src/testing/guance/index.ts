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
  type SimulatedTaskView,
  type TaskDefaults,
  type TaskScriptBase,
} from '../lifecycle.js';
import type { Random } from '../random.js';
import { checkWindowLimit, NO_LIMIT, windowLimiter, type Limiter, type WindowLimit } from '../ratelimit.js';
import { json, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';

/** How a logmine task can end. */
export type GuanceOutcome = 'succeeded' | 'failed';

/** One cluster, in Guance's wire form (`content.data[]`). */
export interface GuanceCluster {
  count: number;
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
  /** The per-key limit; `false` turns it off. @default { limit: 20, intervalMs: 60_000 } */
  rateLimit?: WindowLimit | false;
}

/** `sim.guance`: where the simulated Guance Open API is and how to drive it. */
export interface GuanceSimulator extends ScriptableProvider<GuanceTaskScript> {
  /** Pass as `baseURL` to `guanceLogmine`. */
  readonly baseURL: string;
  /** Pass as `apiKey` to `guanceLogmine`. */
  readonly apiKey: string;
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
  'object', 'object_history', 'custom_object', 'logging', 'keyevent', 'unrecovered_event', 'tracing', 'rum', 'network',
  'security', 'backup_log', 'profiling', 'billing',
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

/** Builds the Guance provider. */
export function createGuance(options: unknown, rateLimitsOn: boolean, clock: InternalClock, random: Random): GuanceParts {
  const given = checkObject<GuanceSimulatorOptions>('guance', options, ['apiKey', 'defaults', 'rateLimit']);
  const apiKey = checkToken('guance.apiKey', given.apiKey, `tkn_${random.hex(32)}`);
  const defaults = resolveDefaults('guance.defaults', given.defaults, OUTCOMES, { queuedMs: 0, durationMs: [3000, 15_000] });
  let limiter: Limiter = limiterFor(checkWindowLimit('guance.rateLimit', given.rateLimit, rateLimitsOn ? GUANCE_RATE_LIMIT : false));

  const book = new TaskBook<GuanceTaskScript, GuanceTask>('guance', checkScript, (task, script) => {
    patchLifecycle(task.life, script);
    if (script.clusters !== undefined) task.clusters = script.clusters;
    if (script.docCount !== undefined) task.docCount = script.docCount;
  });

  const create = (script: GuanceTaskScript, around: number): string => {
    const id = `logminetask${random.chars(XID, 20)}`;
    book.add(id, {
      id,
      life: resolveLifecycle(script, defaults, random, clock.now()),
      clusters: script.clusters,
      docCount: script.docCount,
      around,
    });
    return id;
  };

  const envelope = (code: number, content: unknown, errorCode = '', message = ''): SimResponse =>
    json(code, { code, content, errorCode, message, success: errorCode === '', traceId: traceId(random) });

  /** Key check, then the per-key limit: what every call goes through. */
  const gate = (request: SimRequest): SimResponse | undefined => {
    const key = request.headers['df-api-key'];
    if (key !== apiKey) return envelope(403, {}, 'ft.InvalidAPIKey', 'Invalid API Key');
    const decision = limiter.take(apiKey, Date.now());
    if (!decision.ok) return envelope(401, {}, 'ft.TriggerApiAkCurrentLimiting', 'Trigger API AK level current limiting');
    return undefined;
  };

  const view = (task: GuanceTask): SimulatedTaskView => {
    const { state, word } = stateOf(task, clock.now());
    return { id: task.id, state, providerState: word, createdAt: new Date(task.life.createdAt), startedAt: new Date(startOf(task.life)), finishedAt: new Date(endOf(task.life)) };
  };

  const module: ProviderModule = {
    name: 'guance',
    prefix: /^\/api\/v1\//,
    notFound: () => envelope(404, {}, 'ft.NotFound', 'Not Found'),
    routes: [
      {
        id: 'guance.sendTask',
        provider: 'guance',
        method: 'POST',
        pattern: /^\/api\/v1\/logmine\/send_task\/?$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const parsed = parseJsonBody(request.body);
          if (!parsed.ok || !isRecord(parsed.value)) return envelope(400, {}, 'ft.ParamError', 'The request body must be a JSON object');
          const problem = checkSendTask(parsed.value);
          if (problem !== undefined) return envelope(400, {}, 'ft.ParamError', problem);
          const range = parsed.value['timeRange'];
          const around = Array.isArray(range) ? Number(range[1]) : clock.now();
          return envelope(200, { taskId: create(book.next(), around) });
        },
      },
      {
        id: 'guance.queryTask',
        provider: 'guance',
        method: 'GET',
        pattern: /^\/api\/v1\/logmine\/query_task\/?$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const taskId = request.query.get('taskId');
          if (taskId === null || taskId === '') return envelope(400, {}, 'ft.ParamError', 'taskId is required');
          const task = book.get(taskId);
          if (task === undefined) return envelope(404, {}, 'ft.TaskNotFound', `logmine task ${taskId.slice(0, 64)} not found`);
          const { word } = stateOf(task, clock.now());
          if (word === 'ok') {
            const clusters = (task.clusters ??= makeClusters(random, task.around));
            const docCount = task.docCount ?? clusters.reduce((sum, c) => sum + c.count, 0);
            return envelope(200, { data: clusters, docCount, taskStatus: 'ok' });
          }
          return envelope(200, { data: [], docCount: 0, taskStatus: word }, '', word === 'failed' ? (task.life.message ?? 'logmine task failed') : '');
        },
        replaceStatus(body, word) {
          if (!isRecord(body) || !isRecord(body['content'])) return body;
          return { ...body, content: { ...body['content'], taskStatus: word ?? 'rebalancing' } };
        },
      },
    ],
  };

  return {
    module,
    reset() {
      book.reset();
      limiter.reset();
    },
    handle(baseURL) {
      return {
        baseURL,
        apiKey,
        ...book.scriptable(view),
        createTask: (script) => create(checkScript('guance.createTask', script ?? {}), clock.now()),
        setRateLimit(limit) {
          limiter = limiterFor(checkWindowLimit('guance.setRateLimit', limit, false));
        },
      };
    },
  };
}

function limiterFor(limit: WindowLimit | false): Limiter {
  return limit === false ? NO_LIMIT : windowLimiter(limit);
}

function stateOf(task: GuanceTask, now: number): { state: TaskState; word: string } {
  if (phaseAt(task.life, now).kind !== 'ended') return { state: 'running', word: 'running' };
  return task.life.outcome === 'succeeded' ? { state: 'succeeded', word: 'ok' } : { state: 'failed', word: 'failed' };
}

function checkScript(name: string, value: unknown): GuanceTaskScript {
  const script = checkObject<GuanceTaskScript>(name, value, SCRIPT_KEYS) as GuanceTaskScript;
  checkScriptBase(name, script, OUTCOMES);
  if (script.clusters !== undefined) {
    if (!Array.isArray(script.clusters)) throw new TypeError(`${name}.clusters must be an array, got ${describe(script.clusters)}`);
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
  if (namespace !== undefined && !(typeof namespace === 'string' && NAMESPACES.has(namespace))) return 'namespace is invalid';
  if (query !== undefined && typeof query !== 'string') return 'query must be a string';
  if (conditions !== undefined && typeof conditions !== 'string') return 'conditions must be a string';
  if (highlight !== undefined && typeof highlight !== 'boolean') return 'highlight must be a boolean';
  if (timeRange !== undefined) {
    if (!Array.isArray(timeRange) || timeRange.length !== 2 || !timeRange.every((t) => Number.isSafeInteger(t) && (t as number) >= 0)) {
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
