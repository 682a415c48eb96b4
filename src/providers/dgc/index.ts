/**
 * `taskpoll/dgc`: wait for Huawei Cloud DataArts Studio (formerly DGC) system tasks, the asynchronous
 * tasks DataArts Factory (DLF) runs for job and connection imports.
 *
 * An import answers at once with a `taskId`, and `GET /v1/{project_id}/system-tasks/{task_id}` reports
 * the task until it ends. {@link dgcSystemTasks} builds the adapter: it starts imports
 * (`importJobs`, `importConnections`) and polls their tasks for `waitForTask` and `pollTask`, with an
 * IAM token or AK/SK signing, paced, and with DLF's and the API Gateway's error codes read as
 * taskpoll's errors.
 *
 * ```ts
 * const dgc = dgcSystemTasks({ region: 'cn-north-4', projectId, auth: { accessKey, secretKey } });
 * const done = await waitForTask(dgc, await dgc.importJobs({ path: 'obs://bucket/jobs.zip' }));
 * ```
 *
 * Sources: the DataArts Studio API reference ("Importing a Job", "Importing Connections", "Querying
 * System Task Details", "Error Codes"; e.g.
 * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0096.html) and the
 * Huawei Cloud Go SDK (https://github.com/huaweicloud/huaweicloud-sdk-go-v3, `services/dgc/v1`).
 *
 * @module
 */
import { defineAdapter } from '../../core/adapter.js';
import { checkId, type IdRule } from '../../internal/checks.js';
import { DgcClient } from './client.js';
import { importConnectionsBody, importJobsBody } from './inputs.js';
import { resolveOptions } from './options.js';
import {
  DGC_PROVIDER,
  type DgcCallOptions,
  type DgcImportConnectionsInput,
  type DgcImportJobsInput,
  type DgcSystemTasks,
  type DgcSystemTasksOptions,
  type DgcTaskResult,
} from './types.js';

export { dgcTaskState } from './schemas.js';
export { DGC_DEFAULT_PACING, DGC_PROVIDER, DGC_REGIONS } from './types.js';
export type {
  DgcAkSkAuth,
  DgcAuth,
  DgcCallOptions,
  DgcConnectionParam,
  DgcImportConnectionsInput,
  DgcImportJobsInput,
  DgcJobApprover,
  DgcJobParam,
  DgcSameNamePolicy,
  DgcSystemTasks,
  DgcSystemTasksOptions,
  DgcTaskResult,
  DgcTokenAuth,
} from './types.js';

/** A system task id: any id the shared rule accepts (DLF's are 32 hex digits, but no format is documented). */
const TASK_ID: IdRule = { name: 'taskId' };

/**
 * DataArts Studio (DGC) system tasks: wait for job and connection imports.
 *
 * **Progress.** DLF reports no progress. The subtask list cannot serve as one while the task runs:
 * nothing documents that every subtask exists from the start, so finished/listed could overstate how
 * far the task is. `progress` is therefore left out while the task runs and on `FAILED`/`WARNING`, and
 * is 100 on `SUCCESSFUL`; the subtasks are always reported for callers who know how many to expect.
 *
 * **Errors.** `DLF.0810`/`DLF.20810` on a poll → `TaskNotFoundError`; `APIG.0301`/`APIG.0303` (and
 * `APIGW.*`) → `AuthenticationError`; `APIG.0308` → a transient `ProviderError` (retried after
 * `Retry-After`, or 2 s without one, holding every request of the adapter as long); any other
 * `error_code` on a 404 (the gateway's `APIG.0101`, no such API) → `HttpError` saying the URL may be
 * wrong; any other `error_code` → `ProviderError` (transient on HTTP 5xx or 429). Messages name the
 * path actually sent, the endpoint's path included.
 *
 * @example
 * const dgc = dgcSystemTasks({ region: 'cn-north-4', projectId, auth: { accessKey, secretKey } });
 * const taskId = await dgc.importJobs({ path: 'obs://bucket/jobs.zip', sameNamePolicy: 'OVERWRITE' });
 * const done = await waitForTask(dgc, taskId);
 * done.result.subtasks; // one per imported job
 */
export function dgcSystemTasks(options: DgcSystemTasksOptions): DgcSystemTasks {
  const settings = resolveOptions(options);
  const client = new DgcClient(settings, options);

  const adapter = defineAdapter<string, DgcTaskResult>({
    provider: DGC_PROVIDER,
    taskId: (ref) => checkId(ref, DGC_PROVIDER, TASK_ID),
    // `taskId` above has checked the ref before each poll: it is the id as it is.
    getStatus: (taskId, { signal }) => client.systemTask(taskId, signal),
  });

  // The calls are async, so that a bad input rejects the returned promise instead of throwing.
  return Object.assign(adapter, {
    async importJobs(input: DgcImportJobsInput, callOptions?: DgcCallOptions) {
      return client.startImport('importJobs', '/jobs/import', importJobsBody(input), callOptions);
    },
    async importConnections(input: DgcImportConnectionsInput, callOptions?: DgcCallOptions) {
      return client.startImport('importConnections', '/connections/import', importConnectionsBody(input), callOptions);
    },
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close() {
      client.close();
    },
  });
}
