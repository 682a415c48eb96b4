/**
 * MEF Center edge manager, log collection ("dump") task (hiascend.com MEF API reference
 * `mefapiref_0040`..`0044`, and the `Ascend/MEF` repository): create, poll and download, the
 * `{status, msg, data}` envelope with HTTP 400 on errors, one export task at a time, the
 * `dumpMultiNodesLog.<hex>` task ids, MEF's progress and reason texts (50 % for receiving files, 50 %
 * "start to create tar gz", 100 % "task succeeded"), RFC 3339 nanosecond times with `null` until set,
 * a real `edgeNodes.tar.gz`, and nginx's 10 requests a second (burst 5) answered with HTTP 429.
 */
import { isTerminalState } from '../../core/status.js';
import { isRecord, parseJsonBody, rfc3339Nano, TaskBook } from '../book.js';
import { checkInt, checkMs, checkObject, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import {
  checkScriptBase,
  patchLifecycle,
  resolveDefaults,
  resolveLifecycle,
  SCRIPT_BASE_KEYS,
  startOf,
  type ResolvedDefaults,
  type SimulatedTaskView,
} from '../lifecycle.js';
import type { Random } from '../random.js';
import { burstGate, checkBurstLimit, type BurstLimit, type RateGate } from '../ratelimit.js';
import { json, nginxPage, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';
import { archiveOf, finishOf, nowOf, type EdgeTask } from './task.js';
import type { EdgeClientTls } from './tls.js';
import type { EdgeOutcome, EdgeSimulator, EdgeSimulatorOptions, EdgeTaskScript } from './types.js';

/** The default per-client limit (nginx `limit_req` in `nginx_default.conf`). */
export const EDGE_RATE_LIMIT: Readonly<BurstLimit> = Object.freeze({ ratePerSecond: 10, burst: 5 });

const OUTCOMES: readonly EdgeOutcome[] = ['succeeded', 'partial', 'failed'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'abortingMs', 'failedNodeIds', 'files'];
const TASK_ID = /^dumpMultiNodesLog[-_a-zA-Z0-9.]{1,128}$/;
const FILE_NAME = 'edgeNodes.tar.gz';
const KEEP_FILE_MS = 24 * 3600_000;
const MAX_KEPT_TASKS = 2000;
const MAX_NODE_ID = 2 ** 32 - 1;
const TASK_PATH = /^\/edgemanager\/v1\/logmgmt\/dump\/task\/?$/;

/** The pieces `startSimulator` wires up. */
export interface EdgeParts {
  module: ProviderModule;
  reset(): void;
  handle(baseURL: string, tls: EdgeClientTls | undefined): EdgeSimulator;
}

/** What the MEF routes and handle read and change. */
interface EdgeState {
  readonly defaults: ResolvedDefaults<EdgeOutcome>;
  /** The node ids MEF knows; `undefined`: every id. */
  readonly known: ReadonlySet<number> | undefined;
  readonly clock: InternalClock;
  readonly random: Random;
  readonly book: TaskBook<EdgeTaskScript, EdgeTask>;
  readonly rate: RateGate<BurstLimit>;
  /** The last task created: MEF runs one export at a time and serves only its file. */
  latest: EdgeTask | undefined;
}

/** Builds the MEF provider. */
export function createEdge(options: unknown, rateLimitsOn: boolean, clock: InternalClock, random: Random): EdgeParts {
  const given = checkObject<EdgeSimulatorOptions>('edge', options, ['defaults', 'rateLimit', 'nodeIds']);
  const state: EdgeState = {
    defaults: resolveDefaults('edge.defaults', given.defaults, OUTCOMES, {
      queuedMs: [0, 2000],
      durationMs: [10_000, 60_000],
    }),
    known: given.nodeIds === undefined ? undefined : new Set(checkNodeIds('edge.nodeIds', given.nodeIds, 100_000)),
    rate: burstGate(clock, checkBurstLimit('edge.rateLimit', given.rateLimit, rateLimitsOn ? EDGE_RATE_LIMIT : false)),
    latest: undefined,
    clock,
    random,
    book: new TaskBook<EdgeTaskScript, EdgeTask>('edge', checkScript, (task, script) => {
      patchLifecycle(task.life, script);
      if (script.abortingMs !== undefined) task.abortingMs = script.abortingMs;
      if (script.failedNodeIds !== undefined) task.failedNodeIds = script.failedNodeIds;
      if (script.files !== undefined) task.files = script.files;
      // A new script may change the files or their time: the archive is built again on the next download.
      delete task.archive;
    }),
  };
  return {
    module: {
      name: 'edge',
      prefix: /^\/edgemanager\//,
      notFound: () => nginxPage(404),
      routes: [
        {
          id: 'edge.createTask',
          provider: 'edge',
          method: 'POST',
          pattern: TASK_PATH,
          handle: (request) => createTaskRoute(state, request),
        },
        {
          id: 'edge.queryTask',
          provider: 'edge',
          method: 'GET',
          pattern: TASK_PATH,
          handle: (request) => queryTask(state, request),
          replaceStatus: replaceTaskStatus,
        },
        {
          id: 'edge.download',
          provider: 'edge',
          method: 'GET',
          pattern: /^\/edgemanager\/v1\/logmgmt\/dump\/download\/edgeNodes\.tar\.gz$/,
          handle: (request) => download(state, request),
        },
      ],
    },
    reset() {
      state.book.reset();
      state.latest = undefined;
      state.rate.reset();
    },
    handle(baseURL, tls) {
      const handle: EdgeSimulator = {
        baseURL,
        get pacing() {
          return state.rate.pacing;
        },
        ...state.book.scriptable((task) => viewOf(task, clock.now())),
        createTask: (edgeNodes = [1], script) =>
          createTask(
            state,
            checkNodeIds('edge.createTask(edgeNodes)', edgeNodes, 100),
            checkScript('edge.createTask', script ?? {}),
          ),
        setRateLimit(limit) {
          state.rate.set(checkBurstLimit('edge.setRateLimit', limit, false));
        },
      };
      // Without client material `tls` is absent rather than `undefined`, as exactOptionalPropertyTypes
      // wants; added in place, since a spread copy would fix `pacing` at its value now.
      return tls === undefined ? handle : Object.assign(handle, { tls });
    },
  };
}

/** `POST dump/task`: MEF's body checks, unknown nodes, then one export task at a time. */
function createTaskRoute(state: EdgeState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok || !isRecord(parsed.value)) return failure('00001006', 'parse content failed');
  const problem = checkCreateBody(parsed.value);
  if (problem !== undefined) return failure('00001006', `check request failed, ${problem}`);
  const nodes = parsed.value['edgeNodes'] as number[];
  const { known, latest } = state;
  const missing = known === undefined ? [] : nodes.filter((id) => !known.has(id));
  if (missing.length > 0) return failure('40051002', `node (${missing.join(',')}) not found`);
  if (latest !== undefined && !isTerminalState(nowOf(latest, state.clock.now()).state)) {
    return failure('40052002', 'count task failed or has reached maximum number');
  }
  return ok({ taskId: createTask(state, nodes, state.book.next()) });
}

/** `GET dump/task?taskId=`: status word, reason, progress, and RFC 3339 times that stay `null` until set. */
function queryTask(state: EdgeState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const taskId = request.query.get('taskId') ?? '';
  if (!TASK_ID.test(taskId)) return failure('00001006', 'invalid task Id');
  const task = state.book.get(taskId);
  if (task === undefined) return failure('40052002', 'failed to find task');
  const simNow = state.clock.now();
  const now = nowOf(task, simNow);
  const finished = now.word === 'succeed' || now.word === 'partiallyFailed' || now.word === 'failed';
  const started = simNow >= startOf(task.life);
  return ok({
    taskId: task.id,
    status: now.word,
    reason: now.reason,
    progress: now.progress,
    data: now.word === 'succeed' || now.word === 'partiallyFailed' ? { fileName: FILE_NAME } : null,
    createdAt: rfc3339Nano(task.life.createdAt, task.nanos[0]),
    startedAt: started ? rfc3339Nano(startOf(task.life), task.nanos[1]) : null,
    finishedAt: finished ? rfc3339Nano(finishOf(task), task.nanos[2]) : null,
  });
}

/** The `'unknown-status'` fault on the task query: `data.status` replaced. */
function replaceTaskStatus(body: unknown, word: string | number | undefined): unknown {
  if (!isRecord(body) || !isRecord(body['data'])) return body;
  return { ...body, data: { ...body['data'], status: word ?? 'suspended' } };
}

/** `GET dump/download/edgeNodes.tar.gz`: the latest task's archive, for a day after it ends. */
function download(state: EdgeState, request: SimRequest): SimResponse {
  const refused = gate(state, request);
  if (refused) return refused;
  const simNow = state.clock.now();
  const task = state.latest;
  const word = task === undefined ? undefined : nowOf(task, simNow).word;
  if (
    task === undefined ||
    (word !== 'succeed' && word !== 'partiallyFailed') ||
    simNow > finishOf(task) + KEEP_FILE_MS
  ) {
    return json(400, 'the log file does not exist or is abnormal');
  }
  task.archive ??= archiveOf(task, state.random);
  return {
    status: 200,
    body: task.archive,
    contentType: 'application/octet-stream',
    headers: { 'Content-Disposition': `attachment; filename=${FILE_NAME}` },
  };
}

/** nginx's per-client limit, in front of every route. */
function gate(state: EdgeState, request: SimRequest): SimResponse | undefined {
  return state.rate.take(request.client).ok ? undefined : nginxPage(429);
}

/** MEF's error envelope, always HTTP 400. */
function failure(status: string, msg: string, data: unknown = null): SimResponse {
  return json(400, { status, msg, data });
}

/** MEF's success envelope. */
function ok(data: unknown): SimResponse {
  return json(200, { status: '00000000', msg: 'success', data });
}

/** Adds a task (its lifecycle drawn now), forgetting the oldest beyond {@link MAX_KEPT_TASKS}, and returns its id. */
function createTask(state: EdgeState, nodes: number[], script: EdgeTaskScript): string {
  const { random, book } = state;
  const id = `dumpMultiNodesLog.${random.hex(24)}`;
  const task: EdgeTask = {
    id,
    nodes,
    life: resolveLifecycle(script, state.defaults, random, state.clock.now()),
    abortingMs: script.abortingMs ?? 0,
    failedNodeIds: script.failedNodeIds,
    files: script.files,
    nanos: [random.int(0, 999_999), random.int(0, 999_999), random.int(0, 999_999)],
  };
  book.add(id, task);
  while (book.size > MAX_KEPT_TASKS) book.dropOldest();
  state.latest = task;
  return id;
}

/** The task as `sim.edge.task(id)` shows it. */
function viewOf(task: EdgeTask, simNow: number): SimulatedTaskView {
  const now = nowOf(task, simNow);
  return {
    id: task.id,
    state: now.state,
    providerState: now.word,
    progress: now.progress,
    createdAt: new Date(task.life.createdAt),
    startedAt: new Date(startOf(task.life)),
    finishedAt: new Date(finishOf(task)),
  };
}

/** MEF's create checks (`createTaskReqChecker`): module `edgeNode`, 1–100 unique node ids in 1..2^32−1. */
function checkCreateBody(body: Record<string, unknown>): string | undefined {
  if (body['module'] !== 'edgeNode') return 'module must be edgeNode';
  const nodes = body['edgeNodes'];
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > 100) return 'edgeNodes must hold 1 to 100 node ids';
  if (!nodes.every((id) => Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_NODE_ID)) {
    return 'edgeNodes must be integers from 1 to 4294967295';
  }
  if (new Set(nodes).size !== nodes.length) return 'edgeNodes must be unique';
  return undefined;
}

function checkNodeIds(name: string, value: unknown, max: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    throw new TypeError(`${name} must be an array of 1 to ${max} node ids, got ${describe(value)}`);
  }
  for (const [i, id] of value.entries()) checkInt(`${name}[${i}]`, id, 1, 1, MAX_NODE_ID);
  return [...(value as number[])];
}

function checkScript(name: string, value: unknown): EdgeTaskScript {
  const script = checkObject<EdgeTaskScript>(name, value, SCRIPT_KEYS) as EdgeTaskScript;
  checkScriptBase(name, script, OUTCOMES);
  checkMs(`${name}.abortingMs`, script.abortingMs, 0);
  if (script.failedNodeIds !== undefined) {
    if (!Array.isArray(script.failedNodeIds))
      throw new TypeError(`${name}.failedNodeIds must be an array, got ${describe(script.failedNodeIds)}`);
    for (const [i, id] of script.failedNodeIds.entries())
      checkInt(`${name}.failedNodeIds[${i}]`, id, 1, 1, MAX_NODE_ID);
  }
  if (script.files !== undefined) {
    if (!isRecord(script.files))
      throw new TypeError(`${name}.files must be an object of name → content, got ${describe(script.files)}`);
    for (const [file, content] of Object.entries(script.files)) {
      if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
        throw new TypeError(`${name}.files: each content must be a string or a Uint8Array, got ${describe(content)}`);
      }
      if (file === '' || Buffer.byteLength(file) > 100)
        throw new RangeError(`${name}.files: names must be 1 to 100 bytes`);
    }
  }
  return { ...script };
}
