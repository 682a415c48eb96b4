/**
 * A DataArts system task over time: its status word (`RUNNING`, then `SUCCESSFUL`, `WARNING` or
 * `FAILED`) and the `system-tasks` body, in either wire variant.
 */
import type { TaskState } from '../../core/status.js';
import { endOf, phaseAt, startOf, timeAtDone, type Lifecycle, type SimulatedTaskView } from '../lifecycle.js';
import type { Random } from '../random.js';
import type { DgcOutcome } from './types.js';

/** A system task as the simulator keeps it. */
export interface DgcTask {
  id: string;
  name: string;
  /** The OBS path it imports from (named in the failure message). */
  path: string;
  life: Lifecycle<DgcOutcome>;
  subtasks: { id: string; name: string }[];
  failedSubtasks: number[] | undefined;
}

/** The wire variant chosen in the options. */
export interface WireFormat {
  readonly projectId: string;
  /** The docs and OpenAPI say `subtasks`, the Go SDK model `subTasks`. */
  readonly subtasksField: 'subtasks' | 'subTasks';
  /** Times as JSON numbers (the docs) or numeric strings (the SDK models). */
  readonly epochFormat: 'number' | 'string';
}

const WORDS: Record<DgcOutcome, string> = { succeeded: 'SUCCESSFUL', partial: 'WARNING', failed: 'FAILED' };
const STATES: Record<DgcOutcome, TaskState> = { succeeded: 'succeeded', partial: 'partial', failed: 'failed' };

/**
 * The `system-tasks` body at simulated time `now` (dataartsstudio_02_0096 and its examples): sub-tasks
 * appear as the task reaches them, each with its own `lastUpdate`; the end adds `endTime` and, short
 * of success, a `message`.
 */
export function systemTaskBody(task: DgcTask, now: number, wire: WireFormat): Record<string, unknown> {
  const epoch = (ms: number): number | string => (wire.epochFormat === 'number' ? ms : String(ms));
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
    projectId: wire.projectId,
    startTime: epoch(life.createdAt),
    lastUpdate: epoch(ended ? endOf(life) : lastUpdate),
    status: ended ? WORDS[life.outcome] : 'RUNNING',
    [wire.subtasksField]: subtasks,
  };
  if (ended) {
    body['endTime'] = epoch(endOf(life));
    if (life.outcome !== 'succeeded') {
      const failedNames = task.subtasks.filter((_, i) => failedSet.has(i)).map((s) => s.name);
      body['message'] =
        life.message ??
        (failedNames.length > 0 ? `Failed: ${failedNames.join(' ')}` : `Failed to read the OBS file [${task.path}].`);
    }
  }
  return body;
}

/** The task as `sim.dgc.task(id)` shows it. */
export function viewOf(task: DgcTask, now: number): SimulatedTaskView {
  const ended = phaseAt(task.life, now).kind === 'ended';
  return {
    id: task.id,
    state: ended ? STATES[task.life.outcome] : 'running',
    providerState: ended ? WORDS[task.life.outcome] : 'RUNNING',
    createdAt: new Date(task.life.createdAt),
    startedAt: new Date(startOf(task.life)),
    finishedAt: new Date(endOf(task.life)),
  };
}

/**
 * Sub-tasks whose ids share a 28-hex stem and end in a 4-digit counter from 0002, the shape of the
 * documented examples.
 */
export function subtasksOf(names: readonly string[], random: Random): { id: string; name: string }[] {
  const stem = random.hex(28);
  return names.map((name, i) => ({ id: `${stem}${String(i + 2).padStart(4, '0')}`, name }));
}
