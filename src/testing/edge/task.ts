/**
 * A MEF log dump task over time: the word, progress and reason MEF reports at each moment (from the
 * `Ascend/MEF` repository, `logmanager/tasks/dump_multi_nodes_log.go`), and the archive it leaves.
 */
import type { TaskState } from '../../core/status.js';
import { curveAt, endOf, phaseAt, stepsDone, type Lifecycle } from '../lifecycle.js';
import type { Random } from '../random.js';
import { tarGz, type TarEntry } from './tar.js';
import type { EdgeOutcome } from './types.js';

/** A dump task as the simulator keeps it. */
export interface EdgeTask {
  id: string;
  nodes: number[];
  life: Lifecycle<EdgeOutcome>;
  abortingMs: number;
  failedNodeIds: number[] | undefined;
  files: Record<string, string | Uint8Array> | undefined;
  /** Nanoseconds past the millisecond for the three timestamps, so they look like Go's. */
  nanos: [number, number, number];
  /** Built on the first download, then kept, so every download of a task gets the same bytes. */
  archive?: Buffer;
}

/** What MEF reports about a task at one moment. */
export interface EdgeNow {
  word: 'waiting' | 'processing' | 'aborting' | 'succeed' | 'partiallyFailed' | 'failed';
  state: TaskState;
  progress: number;
  reason: string;
}

/** When the task ends (or ended), its `aborting` time included. */
export function finishOf(task: EdgeTask): number {
  return endOf(task.life) + (task.life.outcome === 'failed' ? task.abortingMs : 0);
}

/** The nodes whose collection fails: the scripted ones, or by outcome every node or the last one. */
function failedNodes(task: EdgeTask): number[] {
  if (task.failedNodeIds !== undefined) return task.failedNodeIds;
  if (task.life.outcome === 'failed') return task.nodes;
  if (task.life.outcome === 'partial') return task.nodes.slice(-1);
  return [];
}

/** What MEF says about a task at simulated time `now` (`logmanager/tasks/dump_multi_nodes_log.go`). */
export function nowOf(task: EdgeTask, now: number): EdgeNow {
  const { life } = task;
  const phase = phaseAt(life, now);
  const total = task.nodes.length;
  if (phase.kind === 'queued') return { word: 'waiting', state: 'queued', progress: 0, reason: '' };
  // MEF reports up to 50 % while node archives arrive, then 50 % "start to create tar gz" while it
  // packs them: the first 90 % of the running time goes to receiving. A failed task never packs.
  const receiving = (fraction: number): EdgeNow => {
    const done = stepsDone(curveAt(life.curve, fraction / 0.9), total);
    return {
      word: 'processing',
      state: 'running',
      progress: Math.floor((50 * done) / total),
      reason: done === 0 ? '' : `receiving (${done}/${total}) files`,
    };
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
      if (now < finishOf(task))
        return { word: 'aborting', state: 'cancelling', progress: 50, reason: 'task is aborting' };
      return { word: 'failed', state: 'failed', progress: 50, reason: nodeText() };
  }
}

/** The archive: the script's files, or one `<SN>.tar.gz` per collected node (as `createTarGz` writes it). */
export function archiveOf(task: EdgeTask, random: Random): Buffer {
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
        const event = random.pick(['heartbeat ok', 'sync pods', 'report node status', 'upload log']);
        return `[${at}] [INFO] edge-main ${event}`;
      }).join('\n');
      return {
        name: `${sn}.tar.gz`,
        content: tarGz([{ name: `${sn}/edge_core.log`, content: `${log}\n`, mtimeMs }]),
        mtimeMs,
      };
    });
  return tarGz(entries);
}
