/**
 * What an integrator of `taskpoll/dgc` reads: the factory's options, the import inputs, the typed
 * result, the adapter's interface, and the public constants they refer to. No logic lives here; the
 * entry point (`index.ts`) re-exports every name.
 */
import type { TaskAdapter } from '../../core/adapter.js';
import type { SubtaskStatus } from '../../core/status.js';
import type { Pacer, PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';

/** The provider name on every status and error of this adapter. */
export const DGC_PROVIDER = 'dgc.systemTask';

/**
 * The regions the Huawei Cloud Go SDK lists for DGC
 * (https://github.com/huaweicloud/huaweicloud-sdk-go-v3/blob/master/services/dgc/v1/region/region.go).
 * A region not listed here is accepted too when it has the same shape (`xx-name-N`): Huawei opens
 * regions faster than an SDK release lists them.
 */
export const DGC_REGIONS: readonly string[] = [
  'cn-north-1',
  'cn-north-2',
  'cn-north-4',
  'cn-north-9',
  'cn-north-11',
  'cn-east-2',
  'cn-east-3',
  'cn-south-1',
  'cn-southwest-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ru-northwest-2',
  'ru-moscow-1',
  'my-kualalumpur-1',
  'tr-west-1',
  'af-south-1',
  'sa-brazil-1',
  'la-south-2',
  'la-north-2',
  'na-mexico-1',
  'me-east-1',
  'eu-west-101',
  'ae-ad-1',
];

/**
 * The default request budget of one adapter instance. No limit is documented for DataArts Factory;
 * the only per-user limit the DataArts Studio API overview
 * (https://support.huaweicloud.com/intl/en-us/api-dgc/dgc_02_0007.html) gives is 120 queries a minute
 * for CDM, so the same rate, spread evenly (2 a second), is the conservative default
 * **[inference]**. Pass `pacing` to change it, or `false` to turn it off.
 */
export const DGC_DEFAULT_PACING: Readonly<Required<Pick<PacingOptions, 'requestsPerInterval' | 'intervalMs'>>> = {
  requestsPerInterval: 2,
  intervalMs: 1000,
};

/** IAM token authentication: the token is sent as `X-Auth-Token`. */
export interface DgcTokenAuth {
  /** An IAM token (from `POST /v3/auth/tokens`, header `X-Subject-Token`; valid 24 h). */
  token: string;
}

/** AK/SK authentication: every request is signed with `SDK-HMAC-SHA256`. */
export interface DgcAkSkAuth {
  /** The access key id (AK). */
  accessKey: string;
  /** The secret access key (SK). Never sent, never put in an error. */
  secretKey: string;
  /** The security token of temporary AK/SK credentials, sent as `X-Security-Token`. */
  securityToken?: string;
}

/** How the adapter authenticates: an IAM token, or AK/SK signing. */
export type DgcAuth = DgcTokenAuth | DgcAkSkAuth;

/** Options of {@link dgcSystemTasks}. */
export interface DgcSystemTasksOptions extends TransportOptions {
  /** The project id (a 32-character hex id, e.g. `b384b9e9ab9b4ee8994c8633aabc9505`). */
  projectId: string;
  /**
   * The region, e.g. `'cn-north-4'`: the endpoint is `https://dayu-dlf.{region}.myhuaweicloud.com`.
   * Give exactly one of `region` and `endpoint`. See {@link DGC_REGIONS}.
   */
  region?: string;
  /** The endpoint's base URL, instead of `region` (another cloud, a proxy, a test server). */
  endpoint?: string;
  /**
   * The DataArts Studio workspace id, sent as the `workspace` header on every request. Left out, the
   * default workspace is used; it is needed when there are several DataArts Studio instances.
   */
  workspace?: string;
  /** IAM token or AK/SK credentials. */
  auth: DgcAuth;
  /**
   * The adapter's request budget, shared by all its waits and calls; `false` turns pacing off.
   * A {@link Pacer} is used as it is, to share one budget with other adapters (it stays open when
   * this adapter closes).
   * @default { requestsPerInterval: 2, intervalMs: 1000 } (see {@link DGC_DEFAULT_PACING})
   */
  pacing?: PacingOptions | false | Pacer;
}

/** The typed result of a finished system task. */
export interface DgcTaskResult {
  /** The task's name, e.g. `Import the job from obs://bucket/jobs.zip.` */
  name: string;
  /** The task's subtasks (one per imported job or connection), normalized. */
  subtasks: SubtaskStatus[];
}

/** How an import treats a job or connection whose name exists already. */
export type DgcSameNamePolicy = 'SKIP' | 'OVERWRITE';

/** Parameters of one job in an import. */
export interface DgcJobParam {
  /** The job's name. */
  name: string;
  /** The job's parameters. */
  params?: Record<string, string>;
}

/** A job approver, for imports into a workspace with review enabled. */
export interface DgcJobApprover {
  /** The approver's user name. */
  approverName: string;
}

/**
 * The body of `POST /v1/{project_id}/jobs/import`
 * (https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0090.html).
 */
export interface DgcImportJobsInput {
  /** The OBS path of the job file, e.g. `obs://bucket/jobs.zip`. */
  path: string;
  /** Public job parameters. */
  params?: Record<string, string>;
  /**
   * What to do with a job of the same name.
   * @default 'SKIP' (the service's default)
   */
  sameNamePolicy?: DgcSameNamePolicy;
  /** Parameters of single jobs. */
  jobsParam?: DgcJobParam[];
  /** The user that executes the jobs. */
  executeUser?: string;
  /** The jobs' target status; required by the service when review is enabled. */
  targetStatus?: 'SAVED' | 'SUBMITTED' | 'PRODUCTION';
  /** The approvers; required by the service when review is enabled. */
  approvers?: DgcJobApprover[];
}

/**
 * Parameters of one connection in a connection import. The API reference
 * (https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0106.html) names
 * the type field `type` (e.g. `'DWS'`, `'HIVE'`); the Go SDK model names it `connectionType` (e.g.
 * `'Hive'`). Give at least one; each given field is sent as is, as the two sources disagree.
 */
export interface DgcConnectionParam {
  /** The connection's name. */
  name: string;
  /** The connection type, as the docs spell the field. */
  type?: string;
  /** The connection type, as the SDK model spells the field. */
  connectionType?: string;
  /** The connection's parameters (names depend on the connection type). */
  params?: Record<string, string>;
}

/**
 * The body of `POST /v1/{project_id}/connections/import`
 * (https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0106.html).
 */
export interface DgcImportConnectionsInput {
  /** The OBS path of the connection file, e.g. `obs://bucket/connections.zip`. */
  path: string;
  /** Parameters of single connections. */
  params?: DgcConnectionParam[];
  /**
   * What to do with a connection of the same name.
   * @default 'SKIP' (the service's default)
   */
  sameNamePolicy?: DgcSameNamePolicy;
}

/** Options of one call. */
export interface DgcCallOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** The DataArts Studio system-task adapter with the calls that start system tasks. */
export interface DgcSystemTasks extends TaskAdapter<string, DgcTaskResult> {
  /**
   * Imports jobs from an OBS file (`POST /v1/{project_id}/jobs/import`); resolves with the system
   * task's id, to wait for with `waitForTask`. Not retried (an import is not idempotent).
   */
  importJobs(input: DgcImportJobsInput, options?: DgcCallOptions): Promise<string>;
  /**
   * Imports connections from an OBS file (`POST /v1/{project_id}/connections/import`); resolves with
   * the system task's id. Not retried.
   */
  importConnections(input: DgcImportConnectionsInput, options?: DgcCallOptions): Promise<string>;
  /**
   * What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined`
   * with `pacing: false`.
   */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed.
   */
  close(): void;
}
