/**
 * What DataArts Factory answers, and what it means: the schemas of the system-task and import answers,
 * the mapping of a task's `status` word onto taskpoll's states, and the status report built from a
 * task. The answer's shape is that of "Querying System Task Details",
 * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0096.html, read
 * leniently where Huawei's own sources disagree (the Go SDK model,
 * https://github.com/huaweicloud/huaweicloud-sdk-go-v3, `services/dgc/v1/model`).
 */
import { z } from 'zod';
import type { StatusReport } from '../../core/adapter.js';
import type { SubtaskStatus, TaskState } from '../../core/status.js';
import { epochMsDate } from '../../internal/schema.js';
import type { DgcTaskResult } from './types.js';

/**
 * The normalized state of a DLF system-task (or subtask) `status` word. The docs list `RUNNING`,
 * `SUCCESSFUL`, `FAILED`; the OpenAPI definition adds `WARNING` (a finished task with warnings, read
 * as `partial` **[inference]**). Any other word is `unknown`: not terminal, kept verbatim.
 */
export function dgcTaskState(status: string): TaskState {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'SUCCESSFUL':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'WARNING':
      return 'partial';
    default:
      return 'unknown';
  }
}

const optionalText = z.string().nullish();
const optionalTime = epochMsDate.nullish();

/** A subtask; the task itself has the same fields plus its subtask list. */
const subtaskSchema = z.object({
  id: optionalText,
  name: optionalText,
  status: z.string(),
  message: optionalText,
  startTime: optionalTime,
  endTime: optionalTime,
  lastUpdate: optionalTime,
});

/**
 * `GET /v1/{project_id}/system-tasks/{task_id}`. The docs and the OpenAPI definition name the subtask
 * list `subtasks`, the Go SDK model `subTasks`: both are read. Times are epoch ms as numbers (docs) or
 * numeric strings (SDK). Only `status` is relied on; every other field is read when present, as the
 * sources disagree on which are always there.
 */
export const systemTaskSchema = subtaskSchema.extend({
  subtasks: z.array(subtaskSchema).nullish(),
  subTasks: z.array(subtaskSchema).nullish(),
});

/** A system task as read by {@link systemTaskSchema}. */
export type SystemTask = z.output<typeof systemTaskSchema>;

/** The answer of both imports: the id of the system task they started. */
export const importResponseSchema = z.object({ taskId: z.string().min(1) });

/**
 * The status report of a system task; `raw` is the body as it arrived. `progress` is 100 on
 * `SUCCESSFUL` and left out otherwise: DLF reports none, and the subtask list cannot stand in for one
 * while the task runs, as nothing documents that every subtask exists from the start.
 */
export function toReport(body: SystemTask, raw: unknown): StatusReport<DgcTaskResult> {
  const state = dgcTaskState(body.status);
  const list = body.subtasks ?? body.subTasks;
  const subtasks = (list ?? []).map(
    (sub): SubtaskStatus => ({
      id: sub.id ?? '',
      name: sub.name ?? '',
      state: dgcTaskState(sub.status),
      providerState: sub.status,
      ...dates(sub),
      ...(sub.message ? { message: sub.message } : {}),
    }),
  );
  return {
    state,
    providerState: body.status,
    ...(body.message ? { message: body.message } : {}),
    ...dates(body),
    ...(list ? { subtasks } : {}),
    ...(state === 'succeeded' ? { progress: 100 } : {}),
    ...(state === 'succeeded' || state === 'partial' ? { result: { name: body.name ?? '', subtasks } } : {}),
    raw,
  };
}

type Dated = {
  startTime?: Date | null | undefined;
  endTime?: Date | null | undefined;
  lastUpdate?: Date | null | undefined;
};

/** The times a task or subtask carries, under taskpoll's names; absent ones are left out. */
function dates(item: Dated) {
  return {
    ...(item.startTime ? { startedAt: item.startTime } : {}),
    ...(item.endTime ? { finishedAt: item.endTime } : {}),
    ...(item.lastUpdate ? { updatedAt: item.lastUpdate } : {}),
  };
}
