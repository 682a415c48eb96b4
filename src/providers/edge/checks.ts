/**
 * The checks of the adapter's own inputs, all made before any request: the node list of a new task,
 * the task a download is for, and where the archive goes. The checks every provider shares (options,
 * call options, ids) are in `internal/checks.ts`. Internal to `taskpoll/edge`.
 *
 * MEF's limits on a task come from the log collection pages of its API reference (from
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0040.html on): 1 to
 * 100 unique node ids, each from 1 to 2^32−1.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { TaskFailedError } from '../../core/errors/index.js';
import type { TaskStatus } from '../../core/status.js';
import { checkId, clipProviderText, describe } from '../../internal/checks.js';
import { ARCHIVE_NAME, PROVIDER, TASK_ID } from './api.js';
import type { EdgeLogDumpResult } from './types.js';

/** The most nodes one task may collect from. */
const MAX_NODES = 100;
/** The largest MEF node id (a uint32). */
const MAX_NODE_ID = 2 ** 32 - 1;

/** The node ids of a new task, checked and in the order given; throws a `TypeError` or `RangeError`. */
export function checkSubmitInput(input: unknown): number[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${PROVIDER}: submit needs an object { edgeNodes }, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (key !== 'edgeNodes') throw new TypeError(`${PROVIDER}: unknown submit field "${key}"`);
  }
  const nodes = (input as { edgeNodes?: unknown }).edgeNodes;
  if (!Array.isArray(nodes))
    throw new TypeError(`${PROVIDER}: edgeNodes must be an array of node ids, got ${describe(nodes)}`);
  if (nodes.length < 1 || nodes.length > MAX_NODES) {
    throw new RangeError(`${PROVIDER}: edgeNodes must hold 1 to ${MAX_NODES} node ids, got ${nodes.length}`);
  }
  const seen = new Set<number>();
  nodes.forEach((node: unknown, index) => {
    if (typeof node !== 'number' || !Number.isInteger(node)) {
      throw new TypeError(`${PROVIDER}: edgeNodes[${index}] must be a whole number, got ${describe(node)}`);
    }
    if (node < 1 || node > MAX_NODE_ID) {
      throw new RangeError(`${PROVIDER}: edgeNodes[${index}] must be from 1 to ${MAX_NODE_ID}, got ${node}`);
    }
    if (seen.has(node)) throw new TypeError(`${PROVIDER}: edgeNodes must be unique; ${node} appears more than once`);
    seen.add(node);
  });
  return [...seen];
}

/** The task id of a download; a status must be this provider's and finished well. */
export function checkDownloadTask(task: unknown): string {
  if (typeof task === 'string') return checkId(task, PROVIDER, TASK_ID);
  if (typeof task !== 'object' || task === null || Array.isArray(task)) {
    throw new TypeError(`${PROVIDER}: download needs a task id or a finished status, got ${describe(task)}`);
  }
  const status = task as TaskStatus<EdgeLogDumpResult>;
  if (status.provider !== PROVIDER) {
    throw new TypeError(
      `${PROVIDER}: download needs a status from this adapter, got one from provider ${describe(status.provider)}`,
    );
  }
  const taskId = checkId(status.taskId, PROVIDER, { ...TASK_ID, name: 'status.taskId' });
  requireDownloadable(status);
  return taskId;
}

/**
 * Throws unless the task has an archive: MEF serves it after `succeed` or `partiallyFailed` only
 * (mefapiref_0044). A failed task throws its `TaskFailedError`; an unfinished one a `RangeError`.
 */
export function requireDownloadable(status: TaskStatus<EdgeLogDumpResult>): void {
  if (status.state === 'succeeded' || status.state === 'partial') return;
  if (status.state === 'failed' || status.state === 'cancelled') throw new TaskFailedError(status);
  throw new RangeError(
    `${PROVIDER}: task ${status.taskId} has no archive yet: ` +
      `it is ${status.state} (${clipProviderText(status.providerState)}); wait for it with waitForTask first`,
  );
}

/** Where a download goes: an absolute file path (not a directory) or a Writable. */
export async function checkDestination(destination: unknown): Promise<{ path?: string; stream?: Writable }> {
  if (typeof destination === 'string') {
    if (destination === '') throw new TypeError(`${PROVIDER}: download destination must not be empty`);
    const path = resolve(destination);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) {
      throw new TypeError(
        `${PROVIDER}: download destination ${path} is a directory; ` +
          `give a file path such as ${join(path, ARCHIVE_NAME)}`,
      );
    }
    return { path };
  }
  if (isWritable(destination)) return { stream: destination };
  throw new TypeError(
    `${PROVIDER}: download destination must be a file path or a Writable stream, got ${describe(destination)}`,
  );
}

/** Duck-typed, so a Writable from another copy of `node:stream` (or a stream-like sink) is accepted. */
function isWritable(value: unknown): value is Writable {
  const candidate = value as Partial<Writable> | null;
  return (
    typeof value === 'object' &&
    candidate !== null &&
    typeof candidate.write === 'function' &&
    typeof candidate.end === 'function' &&
    typeof candidate.once === 'function'
  );
}
