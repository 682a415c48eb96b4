/**
 * MEF Center edge manager, log collection ("dump") task (hiascend.com MEF API reference `mefapiref_0040`..
 * `0044`, and the `Ascend/MEF` repository): create, poll and download,
 * the `{status, msg, data}` envelope with HTTP 400 on errors, one export task at a time, the
 * `dumpMultiNodesLog.<hex>` task ids, MEF's progress and reason texts (50 % for receiving files, 50 %
 * "start to create tar gz", 100 % "task succeeded"), RFC 3339 nanosecond times with `null` until set,
 * a real `edgeNodes.tar.gz`, and nginx's 10 requests a second (burst 5) answered with HTTP 429.
 */
import { isTerminalState, type TaskState } from '../../core/status.js';
import { isRecord, parseJsonBody, rfc3339Nano, TaskBook, type ScriptableProvider } from '../book.js';
import { checkInt, checkMs, checkObject, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import {
  checkScriptBase,
  curveAt,
  endOf,
  patchLifecycle,
  phaseAt,
  resolveDefaults,
  resolveLifecycle,
  SCRIPT_BASE_KEYS,
  startOf,
  stepsDone,
  type Lifecycle,
  type SimulatedTaskView,
  type TaskDefaults,
  type TaskScriptBase,
} from '../lifecycle.js';
import type { Random } from '../random.js';
import { burstLimiter, checkBurstLimit, NO_LIMIT, type BurstLimit, type Limiter } from '../ratelimit.js';
import { json, nginxPage, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';
import { tarGz, type TarEntry } from './tar.js';

/** How a dump task can end: `succeed`, `partiallyFailed` or `failed`. */
export type EdgeOutcome = 'succeeded' | 'partial' | 'failed';

/** A script for one dump task. */
export interface EdgeTaskScript extends TaskScriptBase<EdgeOutcome> {
  /** A failed task first shows `aborting` for this many simulated ms (MEF's timeout path). @default 0 */
  abortingMs?: number;
  /** Nodes whose collection fails. @default the last node for `partial`, every node for `failed` */
  failedNodeIds?: number[];
  /** The entries of the downloadable `edgeNodes.tar.gz` (name → content); one `<SN>.tar.gz` per collected node when left out. */
  files?: Record<string, string | Uint8Array>;
}

/** Options of the MEF simulator (`startSimulator({ edge })`). */
export interface EdgeSimulatorOptions {
  /** What unscripted tasks do. @default { queuedMs: [0, 2000], durationMs: [10000, 60000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<EdgeOutcome>;
  /** nginx's per-client limit; `false` turns it off. @default { ratePerSecond: 10, burst: 5 } */
  rateLimit?: BurstLimit | false;
  /** The node ids MEF knows; others get `40051002 node (x) not found`. @default every id is known */
  nodeIds?: number[];
}

/** The TLS material a client needs for the simulated MEF listener (from what you passed in `edgeTls`). */
export interface EdgeClientTls {
  /** The CA that signed the simulator's server certificate (trust it). */
  ca: string | Buffer;
  /** A client certificate the listener accepts (`edgeTls.clientCert`). */
  cert: string | Buffer;
  /** Its key (`edgeTls.clientKey`). */
  key: string | Buffer;
}

/** `sim.edge`: where the simulated MEF Center is and how to drive it. */
export interface EdgeSimulator extends ScriptableProvider<EdgeTaskScript> {
  /** Pass as `baseURL` to `edgeLogDump` (`https://…` when `edgeTls` is set). */
  readonly baseURL: string;
  /** With `edgeTls` and its `clientCert`/`clientKey`: `{ ca, cert, key }`, ready for `edgeLogDump({ tls })`. */
  readonly tls?: EdgeClientTls;
  /** Creates a task without a request (as if another client had) and returns its id. */
  createTask(edgeNodes?: number[], script?: EdgeTaskScript): string;
  /** Changes the per-client limit at run time; `false` turns it off. Resets its counts. */
  setRateLimit(limit: BurstLimit | false): void;
}

/** The default per-client limit (nginx `limit_req` in `nginx_default.conf`). */
export const EDGE_RATE_LIMIT: Readonly<BurstLimit> = Object.freeze({ ratePerSecond: 10, burst: 5 });

const OUTCOMES: readonly EdgeOutcome[] = ['succeeded', 'partial', 'failed'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'abortingMs', 'failedNodeIds', 'files'];
const TASK_ID = /^dumpMultiNodesLog[-_a-zA-Z0-9.]{1,128}$/;
const FILE_NAME = 'edgeNodes.tar.gz';
const KEEP_FILE_MS = 24 * 3600_000;
const MAX_KEPT_TASKS = 2000;
const MAX_NODE_ID = 2 ** 32 - 1;

interface EdgeTask {
  id: string;
  nodes: number[];
  life: Lifecycle<EdgeOutcome>;
  abortingMs: number;
  failedNodeIds: number[] | undefined;
  files: Record<string, string | Uint8Array> | undefined;
  /** Nanoseconds past the millisecond for the three timestamps, so they look like Go's. */
  nanos: [number, number, number];
  archive?: Buffer;
}

interface EdgeNow {
  word: 'waiting' | 'processing' | 'aborting' | 'succeed' | 'partiallyFailed' | 'failed';
  state: TaskState;
  progress: number;
  reason: string;
}

/** The pieces `startSimulator` wires up. */
export interface EdgeParts {
  module: ProviderModule;
  reset(): void;
  handle(baseURL: string, tls: EdgeClientTls | undefined): EdgeSimulator;
}

/** Builds the MEF provider. */
export function createEdge(options: unknown, rateLimitsOn: boolean, clock: InternalClock, random: Random): EdgeParts {
  const given = checkObject<EdgeSimulatorOptions>('edge', options, ['defaults', 'rateLimit', 'nodeIds']);
  const defaults = resolveDefaults('edge.defaults', given.defaults, OUTCOMES, { queuedMs: [0, 2000], durationMs: [10_000, 60_000] });
  const known = given.nodeIds === undefined ? undefined : new Set(checkNodeIds('edge.nodeIds', given.nodeIds, 100_000));
  let limiter: Limiter = limiterFor(checkBurstLimit('edge.rateLimit', given.rateLimit, rateLimitsOn ? EDGE_RATE_LIMIT : false));
  let latest: EdgeTask | undefined;

  const book = new TaskBook<EdgeTaskScript, EdgeTask>('edge', checkScript, (task, script) => {
    patchLifecycle(task.life, script);
    if (script.abortingMs !== undefined) task.abortingMs = script.abortingMs;
    if (script.failedNodeIds !== undefined) task.failedNodeIds = script.failedNodeIds;
    if (script.files !== undefined) task.files = script.files;
    delete task.archive;
  });

  const create = (nodes: number[], script: EdgeTaskScript): string => {
    const id = `dumpMultiNodesLog.${random.hex(24)}`;
    const task: EdgeTask = {
      id,
      nodes,
      life: resolveLifecycle(script, defaults, random, clock.now()),
      abortingMs: script.abortingMs ?? 0,
      failedNodeIds: script.failedNodeIds,
      files: script.files,
      nanos: [random.int(0, 999_999), random.int(0, 999_999), random.int(0, 999_999)],
    };
    book.add(id, task);
    while (book.size > MAX_KEPT_TASKS) book.dropOldest();
    latest = task;
    return id;
  };

  const failure = (status: string, msg: string, data: unknown = null): SimResponse => json(400, { status, msg, data });
  const ok = (data: unknown): SimResponse => json(200, { status: '00000000', msg: 'success', data });

  const gate = (request: SimRequest): SimResponse | undefined =>
    limiter.take(request.client, Date.now()).ok ? undefined : nginxPage(429);

  const view = (task: EdgeTask): SimulatedTaskView => {
    const now = nowOf(task, clock.now());
    return {
      id: task.id,
      state: now.state,
      providerState: now.word,
      progress: now.progress,
      createdAt: new Date(task.life.createdAt),
      startedAt: new Date(startOf(task.life)),
      finishedAt: new Date(finishOf(task)),
    };
  };

  const module: ProviderModule = {
    name: 'edge',
    prefix: /^\/edgemanager\//,
    notFound: () => nginxPage(404),
    routes: [
      {
        id: 'edge.createTask',
        provider: 'edge',
        method: 'POST',
        pattern: /^\/edgemanager\/v1\/logmgmt\/dump\/task\/?$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const parsed = parseJsonBody(request.body);
          if (!parsed.ok || !isRecord(parsed.value)) return failure('00001006', 'parse content failed');
          const problem = checkCreateBody(parsed.value);
          if (problem !== undefined) return failure('00001006', `check request failed, ${problem}`);
          const nodes = parsed.value['edgeNodes'] as number[];
          const missing = known === undefined ? [] : nodes.filter((id) => !known.has(id));
          if (missing.length > 0) return failure('40051002', `node (${missing.join(',')}) not found`);
          if (latest !== undefined && !isTerminalState(nowOf(latest, clock.now()).state)) {
            return failure('40052002', 'count task failed or has reached maximum number');
          }
          return ok({ taskId: create(nodes, book.next()) });
        },
      },
      {
        id: 'edge.queryTask',
        provider: 'edge',
        method: 'GET',
        pattern: /^\/edgemanager\/v1\/logmgmt\/dump\/task\/?$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const taskId = request.query.get('taskId') ?? '';
          if (!TASK_ID.test(taskId)) return failure('00001006', 'invalid task Id');
          const task = book.get(taskId);
          if (task === undefined) return failure('40052002', 'failed to find task');
          const simNow = clock.now();
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
        },
        replaceStatus(body, word) {
          if (!isRecord(body) || !isRecord(body['data'])) return body;
          return { ...body, data: { ...body['data'], status: word ?? 'suspended' } };
        },
      },
      {
        id: 'edge.download',
        provider: 'edge',
        method: 'GET',
        pattern: /^\/edgemanager\/v1\/logmgmt\/dump\/download\/edgeNodes\.tar\.gz$/,
        handle(request) {
          const refused = gate(request);
          if (refused) return refused;
          const simNow = clock.now();
          const task = latest;
          const word = task === undefined ? undefined : nowOf(task, simNow).word;
          if (task === undefined || (word !== 'succeed' && word !== 'partiallyFailed') || simNow > finishOf(task) + KEEP_FILE_MS) {
            return json(400, 'the log file does not exist or is abnormal');
          }
          task.archive ??= archiveOf(task, random);
          return {
            status: 200,
            body: task.archive,
            contentType: 'application/octet-stream',
            headers: { 'Content-Disposition': `attachment; filename=${FILE_NAME}` },
          };
        },
      },
    ],
  };

  return {
    module,
    reset() {
      book.reset();
      latest = undefined;
      limiter.reset();
    },
    handle(baseURL, tls) {
      const handle: EdgeSimulator = {
        baseURL,
        ...book.scriptable(view),
        createTask: (edgeNodes = [1], script) =>
          create(checkNodeIds('edge.createTask(edgeNodes)', edgeNodes, 100), checkScript('edge.createTask', script ?? {})),
        setRateLimit(limit) {
          limiter = limiterFor(checkBurstLimit('edge.setRateLimit', limit, false));
        },
      };
      return tls === undefined ? handle : { ...handle, tls };
    },
  };
}

function limiterFor(limit: BurstLimit | false): Limiter {
  return limit === false ? NO_LIMIT : burstLimiter(limit);
}

function finishOf(task: EdgeTask): number {
  return endOf(task.life) + (task.life.outcome === 'failed' ? task.abortingMs : 0);
}

function failedNodes(task: EdgeTask): number[] {
  if (task.failedNodeIds !== undefined) return task.failedNodeIds;
  if (task.life.outcome === 'failed') return task.nodes;
  if (task.life.outcome === 'partial') return task.nodes.slice(-1);
  return [];
}

/** What MEF says about a task at simulated time `now` (`logmanager/tasks/dump_multi_nodes_log.go`). */
function nowOf(task: EdgeTask, now: number): EdgeNow {
  const { life } = task;
  const phase = phaseAt(life, now);
  const total = task.nodes.length;
  if (phase.kind === 'queued') return { word: 'waiting', state: 'queued', progress: 0, reason: '' };
  const receiving = (fraction: number): EdgeNow => {
    const done = stepsDone(curveAt(life.curve, fraction / 0.9), total);
    return { word: 'processing', state: 'running', progress: Math.floor((50 * done) / total), reason: done === 0 ? '' : `receiving (${done}/${total}) files` };
  };
  if (phase.kind === 'running') {
    if (phase.fraction < 0.9 || life.outcome === 'failed') return receiving(Math.min(phase.fraction, 0.9));
    return { word: 'processing', state: 'running', progress: 50, reason: 'start to create tar gz' };
  }
  const nodeText = (): string =>
    `failed to dump log for following nodes:${failedNodes(task)
      .map((id) => `(${id})${life.message ?? 'node is offline'};`)
      .join('')}`;
  switch (life.outcome) {
    case 'succeeded':
      return { word: 'succeed', state: 'succeeded', progress: 100, reason: 'task succeeded' };
    case 'partial':
      return { word: 'partiallyFailed', state: 'partial', progress: 50, reason: nodeText() };
    default:
      if (now < finishOf(task)) return { word: 'aborting', state: 'cancelling', progress: 50, reason: 'task is aborting' };
      return { word: 'failed', state: 'failed', progress: 50, reason: nodeText() };
  }
}

/** The archive: the script's files, or one `<SN>.tar.gz` per collected node (as `createTarGz` writes it). */
function archiveOf(task: EdgeTask, random: Random): Buffer {
  const mtimeMs = finishOf(task);
  if (task.files !== undefined) {
    return tarGz(Object.entries(task.files).map(([name, content]): TarEntry => ({ name, content, mtimeMs })));
  }
  const failed = new Set(failedNodes(task));
  const entries = task.nodes
    .filter((id) => !failed.has(id))
    .map((id): TarEntry => {
      const sn = `SN${String(id).padStart(10, '0')}`;
      const log = Array.from({ length: 5 }, (_, i) => {
        const at = new Date(mtimeMs - (5 - i) * 60_000).toISOString();
        return `[${at}] [INFO] edge-main ${random.pick(['heartbeat ok', 'sync pods', 'report node status', 'upload log'])}`;
      }).join('\n');
      return { name: `${sn}.tar.gz`, content: tarGz([{ name: `${sn}/edge_core.log`, content: `${log}\n`, mtimeMs }]), mtimeMs };
    });
  return tarGz(entries);
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
  value.forEach((id, i) => checkInt(`${name}[${i}]`, id, 1, 1, MAX_NODE_ID));
  return [...(value as number[])];
}

function checkScript(name: string, value: unknown): EdgeTaskScript {
  const script = checkObject<EdgeTaskScript>(name, value, SCRIPT_KEYS) as EdgeTaskScript;
  checkScriptBase(name, script, OUTCOMES);
  checkMs(`${name}.abortingMs`, script.abortingMs, 0);
  if (script.failedNodeIds !== undefined) {
    if (!Array.isArray(script.failedNodeIds)) throw new TypeError(`${name}.failedNodeIds must be an array, got ${describe(script.failedNodeIds)}`);
    script.failedNodeIds.forEach((id, i) => checkInt(`${name}.failedNodeIds[${i}]`, id, 1, 1, MAX_NODE_ID));
  }
  if (script.files !== undefined) {
    if (!isRecord(script.files)) throw new TypeError(`${name}.files must be an object of name → content, got ${describe(script.files)}`);
    for (const [file, content] of Object.entries(script.files)) {
      if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
        throw new TypeError(`${name}.files: each content must be a string or a Uint8Array, got ${describe(content)}`);
      }
      if (file === '' || Buffer.byteLength(file) > 100) throw new RangeError(`${name}.files: names must be 1 to 100 bytes`);
    }
  }
  return { ...script };
}
