/**
 * One task's status, read from its job's detail: the job is what the API reports, the task is what
 * the caller waits for. The watched task's own code decides its state, with two inferences [inf] for
 * what the docs leave open: a job that lists no tasks yet, and a task that a finished job never ran.
 */
import type { StatusReport } from '../../core/adapter.js';
import { TaskNotFoundError } from '../../core/errors/index.js';
import type { TaskState } from '../../core/status.js';
import { PROVIDER } from './protocol.js';
import { statusName, toSubtask, workflowTaskState, type ParsedJob, type ParsedTask } from './schemas.js';

/**
 * The status of task `taskId` in `job`, without its result (read only once it has succeeded). A job
 * that does not list the task is a `TaskNotFoundError`, unless it lists no tasks at all yet.
 */
export function taskReport(job: ParsedJob, taskId: string): StatusReport<never> {
  const task = job.tasks.find((t) => t.id === taskId);
  const subtasks = job.tasks.map(toSubtask);
  if (task === undefined) {
    // [inf] A job that lists no tasks yet (null or empty) while it is still preparing or running
    // has not materialized them: keep waiting rather than call the task missing.
    const jobState = workflowTaskState(job.status);
    if (job.tasks.length === 0 && (jobState === 'queued' || jobState === 'running')) {
      return { state: 'queued', providerState: String(job.status), message: 'the job lists no tasks yet', raw: job };
    }
    throw new TaskNotFoundError(`${PROVIDER}: job ${job.id} has no task ${taskId}`, {
      provider: PROVIDER,
      taskId,
    });
  }
  const { state, message } = taskState(job, task);
  return {
    state,
    providerState: String(task.status),
    message,
    createdAt: job.createTime,
    startedAt: task.runBeginTime,
    finishedAt: task.runEndTime,
    subtasks,
    raw: job,
  };
}

/**
 * The task's state, with one inference [inf]: a task still Preparing (0) in a job that already ended
 * Failed (3) or Interrupted (4) will never run, so it is reported `failed` / `cancelled` rather than
 * left `queued` until the wait times out. `providerState` stays the task's own code.
 */
function taskState(job: ParsedJob, task: ParsedTask): { state: TaskState; message: string | undefined } {
  const state = workflowTaskState(task.status);
  const jobState = workflowTaskState(job.status);
  if (state === 'queued' && (jobState === 'failed' || jobState === 'cancelled')) {
    return {
      state: jobState,
      message: `the job ended ${statusName(job.status)} before this task ran`,
    };
  }
  return { state, message: undefined };
}
