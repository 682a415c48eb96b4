/**
 * What the Explorer's answers hold, read with zod (the `data` inside the envelope; the envelope
 * itself is in `protocol.ts`), and what its job and task status codes mean.
 *
 * The shapes follow the doc examples, which are loose in places: ids come as numbers or strings, and
 * a time the provider has not set yet comes as null, `''`, 0 or Go's zero time. Job times are epoch
 * milliseconds, task times ISO 8601 with an offset; see
 * https://github.com/vesoft-inc/nebula-docs/blob/master/docs-2.0/nebula-explorer/workflow/workflow-api/api-desc-job.md.
 */
import { z } from 'zod';
import type { SubtaskStatus, TaskState } from '../../core/status.js';
import { epochMsDate, isoDate } from '../../internal/schema.js';
import type { WorkflowJob, WorkflowTask } from './types.js';

// --- Status codes --------------------------------------------------------------------------------

/**
 * Maps a job or task status code onto a {@link TaskState}: 0 Preparing → queued, 1 Running → running,
 * 2 Success → succeeded, 3 Failed → failed, 4 Interrupted → cancelled, 5 Stopping → cancelling;
 * anything else → unknown. A numeric string is read as its number. The codes are those of the
 * "Job/Task status code" table of
 * https://github.com/vesoft-inc/nebula-docs/blob/master/docs-2.0/nebula-explorer/workflow/workflow-api/workflow-api-overview.md
 * (4 → cancelled and 5 → cancelling are inferred [inf] from the names Interrupted and Stopping: the
 * docs say no more).
 */
export function workflowTaskState(code: number | string): TaskState {
  const n = typeof code === 'string' && /^\d+$/.test(code.trim()) ? Number(code) : code;
  switch (n) {
    case 0:
      return 'queued';
    case 1:
      return 'running';
    case 2:
      return 'succeeded';
    case 3:
      return 'failed';
    case 4:
      return 'cancelled';
    case 5:
      return 'cancelling';
    default:
      return 'unknown';
  }
}

/** The docs' names of the status codes, for messages. */
const STATUS_NAMES: Record<string, string> = {
  '0': 'Preparing',
  '1': 'Running',
  '2': 'Success',
  '3': 'Failed',
  '4': 'Interrupted',
  '5': 'Stopping',
};

/** `'Failed (3)'`, for messages; a code the docs do not list is clipped, as it is provider text. */
export function statusName(code: number | string): string {
  const name = STATUS_NAMES[String(code).trim()];
  return name ? `${name} (${code})` : `status ${String(code).slice(0, 20)}`;
}

// --- The data of each answer ---------------------------------------------------------------------

/** A time the provider may leave unset (null, `''`, 0, or Go's zero time `0001-01-01T00:00:00Z`) → undefined. */
function unsetOr(date: z.ZodType<Date>) {
  return z
    .union([z.null(), z.literal(''), date])
    .optional()
    .transform((value) => (value instanceof Date && value.getTime() > 0 ? value : undefined));
}

/** An id: `api-post-jobs.md`'s table says string, its example sends the number 107; both read as a string. */
const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);
const statusCode = z.union([z.number(), z.string()]);

const taskSchema = z.looseObject({
  id: idText,
  name: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  status: statusCode,
  runBeginTime: unsetOr(isoDate),
  runEndTime: unsetOr(isoDate),
});

/** `data` of `GET /api-open/v1/jobs/{job_id}`: the job, with its tasks (null in lists and while it prepares). */
export const jobSchema = z.looseObject({
  id: idText,
  name: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  workflowId: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v == null ? '' : String(v))),
  workflowName: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  status: statusCode,
  tasks: z
    .array(taskSchema)
    .nullish()
    .transform((v) => v ?? []),
  runBeginTime: unsetOr(epochMsDate),
  runEndTime: unsetOr(epochMsDate),
  createTime: unsetOr(epochMsDate),
});

/** A job detail as validated. */
export type ParsedJob = z.output<typeof jobSchema>;
/** One task of a validated job detail. */
export type ParsedTask = ParsedJob['tasks'][number];

/** `data` of the login and of a cancel: `{ success }`. */
export const successSchema = z.looseObject({ success: z.boolean() });
/** `data` of `POST /api-open/v1/workflows/{workflow_id}/jobs`: the new job's id. */
export const createdSchema = z.looseObject({ id: idText });
/** `data` of `sample_result`: the rows, each checked by `rowSchema` afterwards. */
export const sampleSchema = z.looseObject({
  items: z
    .array(z.unknown())
    .nullish()
    .transform((v) => v ?? []),
});

// --- Views ---------------------------------------------------------------------------------------

/** A task as a status's subtask. */
export function toSubtask(task: ParsedTask): SubtaskStatus {
  const out: SubtaskStatus = {
    id: task.id,
    name: task.name,
    state: workflowTaskState(task.status),
    providerState: String(task.status),
  };
  if (task.runBeginTime) out.startedAt = task.runBeginTime;
  if (task.runEndTime) out.finishedAt = task.runEndTime;
  return out;
}

/** A job as `getJob` resolves with it; unset times are left out rather than set to `undefined`. */
export function toJob(job: ParsedJob): WorkflowJob {
  const out: WorkflowJob = {
    id: job.id,
    name: job.name,
    workflowId: job.workflowId,
    workflowName: job.workflowName,
    status: job.status,
    state: workflowTaskState(job.status),
    tasks: job.tasks.map(toTask),
  };
  if (job.createTime) out.createdAt = job.createTime;
  if (job.runBeginTime) out.startedAt = job.runBeginTime;
  if (job.runEndTime) out.finishedAt = job.runEndTime;
  return out;
}

function toTask(task: ParsedTask): WorkflowTask {
  const out: WorkflowTask = {
    id: task.id,
    name: task.name,
    status: task.status,
    state: workflowTaskState(task.status),
  };
  if (task.runBeginTime) out.startedAt = task.runBeginTime;
  if (task.runEndTime) out.finishedAt = task.runEndTime;
  return out;
}
