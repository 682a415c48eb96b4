/**
 * `taskpoll/dgc`: Huawei Cloud DataArts Studio (formerly DGC), DataArts Factory (DLF) system tasks.
 *
 * Imports of jobs and connections run as asynchronous "system tasks": the import call answers with a
 * `taskId`, and `GET /v1/{project_id}/system-tasks/{task_id}` reports the task until it ends.
 * Sources: the DataArts Studio API reference (`dataartsstudio_02_0090`, `_0096`, `_0106`, `_0313`, e.g.
 * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0096.html) and the
 * Huawei Cloud Go SDK (https://github.com/huaweicloud/huaweicloud-sdk-go-v3, `services/dgc/v1`).
 */
import { z } from 'zod';
import { defineAdapter, type StatusReport, type TaskAdapter } from '../../core/adapter.js';
import type { TaskPollError } from '../../core/errors/index.js';
import {
  checkCallOptions,
  checkId,
  checkOptions,
  describe,
  envelopeError,
  type EnvelopeKind,
  type IdRule,
} from '../../internal/checks.js';
import { createHttpClient } from '../../internal/http/client.js';
import type { HttpRequest, HttpResponse, PreparedRequest } from '../../internal/http/types.js';
import { checkBaseURL } from '../../internal/http/url.js';
import type { PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';
import { epochMsDate } from '../../internal/schema.js';
import type { SubtaskStatus, TaskState } from '../../core/status.js';
import { maskStatusReport } from '../../internal/redact.js';
import { parseBody } from '../../internal/validate.js';
import { createAkSkSigner } from './signer.js';

/** The provider name on every status and error of this adapter. */
export const DGC_PROVIDER = 'dgc.systemTask';

/**
 * The regions the Huawei Cloud Go SDK lists for DGC (`services/dgc/v1/region/region.go`). A region
 * not listed here is accepted too when it has the same shape (`xx-name-N`).
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
 * the only per-user limit the DataArts Studio API overview (`api-dgc/dgc_02_0007`) gives is 120
 * queries a minute for CDM, so the same rate, spread evenly (2 a second), is used as a conservative
 * default **[inference]**. Pass `pacing` to change it, or `false` to turn it off.
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
   * @default { requestsPerInterval: 2, intervalMs: 1000 } (see {@link DGC_DEFAULT_PACING})
   */
  pacing?: PacingOptions | false;
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

/** The body of `POST /v1/{project_id}/jobs/import` (doc `dataartsstudio_02_0090`). */
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
 * Parameters of one connection in a connection import. The docs (`dataartsstudio_02_0106`) name the
 * type field `type` (e.g. `'DWS'`, `'HIVE'`); the SDK model names it `connectionType` (e.g.
 * `'Hive'`). Give at least one; each given field is sent as is.
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

/** The body of `POST /v1/{project_id}/connections/import` (doc `dataartsstudio_02_0106`). */
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
  /** What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined` with `pacing: false`. */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed.
   */
  close(): void;
}

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
 * `GET /v1/{project_id}/system-tasks/{task_id}` (doc `dataartsstudio_02_0096`). The docs and the
 * OpenAPI definition name the subtask list `subtasks`, the Go SDK model `subTasks`: both are read.
 * Times are epoch ms as numbers (docs) or numeric strings (SDK). Only `status` is relied on; every
 * other field is read when present.
 */
const systemTaskSchema = subtaskSchema.extend({
  subtasks: z.array(subtaskSchema).nullish(),
  subTasks: z.array(subtaskSchema).nullish(),
});

const importResponseSchema = z.object({ taskId: z.string().min(1) });

const errorEnvelopeSchema = z.object({ error_code: z.string().min(1), error_msg: z.unknown().optional() });

/** Codes the docs give for "the task does not exist" (Huawei and the T-Systems copy). */
const NOT_FOUND_CODES = new Set(['DLF.0810', 'DLF.20810']);
/** API Gateway: IAM authentication failed (0301), signature expired or wrong (0303). */
const AUTH_CODE = /^APIGW?\.030[13]$/;
/** API Gateway: "The throttling threshold has been reached." */
const THROTTLED_CODE = /^APIGW?\.0308$/;
/**
 * How long a throttled answer (`APIG.0308`, or a 429) without `Retry-After` holds the adapter's
 * requests, in ms: the low end of Huawei's advice for `APIG.0308`, to retry "after a short period of
 * time (for example, 2 to 5 seconds)",
 * https://support.huaweicloud.com/intl/en-us/ocr_faq/ocr_01_0041.html. The code is the API Gateway's,
 * shared by Huawei Cloud services; that FAQ is OCR's, and DataArts Factory gives no advice of its own.
 */
const THROTTLED_FLOOR_MS = 2000;

const REGION = /^[a-z]{2,}-[a-z]+-\d+$/;
const PROJECT_ID: IdRule = {
  name: 'projectId',
  pattern: /^[0-9a-f][0-9a-f-]{7,63}$/i,
  expected: 'a project id (8 to 64 hex digits, e.g. 32)',
  maxLength: 64,
};
const TASK_ID: IdRule = { name: 'taskId' };
/** Visible ASCII: what a header value of an id or token may hold (no CR/LF, no spaces). */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;
const ACCESS_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const OBS_PATH = /^obs:\/\/[^/\s]+\/\S/;
const OPTION_KEYS = new Set(['projectId', 'region', 'endpoint', 'workspace', 'auth', 'axios', 'requestTimeoutMs', 'pacing']);

/**
 * DataArts Studio (DGC) system tasks: wait for job and connection imports.
 *
 * @example
 * const dgc = dgcSystemTasks({ region: 'cn-north-4', projectId, auth: { accessKey, secretKey } });
 * const taskId = await dgc.importJobs({ path: 'obs://bucket/jobs.zip', sameNamePolicy: 'OVERWRITE' });
 * const done = await waitForTask(dgc, taskId);
 * done.result.subtasks; // one per imported job
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
 */
export function dgcSystemTasks(options: DgcSystemTasksOptions): DgcSystemTasks {
  checkOptions(options, DGC_PROVIDER, OPTION_KEYS);
  const projectId = checkId(options.projectId, DGC_PROVIDER, PROJECT_ID);
  const baseURL = endpointOf(options.region, options.endpoint);
  const workspace = options.workspace;
  if (workspace !== undefined && !(typeof workspace === 'string' && workspace.length <= 128 && HEADER_TOKEN.test(workspace))) {
    throw new TypeError(`workspace must be a workspace id (1 to 128 visible ASCII characters), got ${describe(workspace)}`);
  }
  const auth = checkAuth(options.auth);
  const secrets = auth.kind === 'token' ? [auth.token] : [auth.secretKey, auth.securityToken];
  // The signature each request went out with, to mask exactly that value if the answer echoes it.
  const signatures = new WeakMap<HttpRequest, string>();
  /** What is masked in the provider text of the answer to `request`: the credentials and its signature. */
  const secretsOf = (request: HttpRequest) => [...secrets, signatures.get(request)];

  const sign =
    auth.kind === 'aksk'
      ? createAkSkSigner({ accessKey: auth.accessKey, secretKey: auth.secretKey, securityToken: auth.securityToken, projectId })
      : undefined;
  const headers: Record<string, string> = {};
  if (workspace !== undefined) headers['workspace'] = workspace;
  if (auth.kind === 'token') headers['X-Auth-Token'] = auth.token;
  const client = createHttpClient({
    provider: DGC_PROVIDER,
    baseURL,
    headers,
    defaultPacing: DGC_DEFAULT_PACING,
    ...(options.axios !== undefined ? { axios: options.axios } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
    ...(sign
      ? {
          prepare: (prepared: PreparedRequest, request: HttpRequest) => {
            signatures.set(request, sign(prepared));
          },
        }
      : {}),
    interpretError: (response, request) => errorFor(response, request, secretsOf(request)),
    rateLimit: {
      floorMs: THROTTLED_FLOOR_MS,
      matches: (response) => response.status === 429 || THROTTLED_CODE.test(errorEnvelopeSchema.safeParse(response.data).data?.error_code ?? ''),
    },
  });
  const projectPath = `/v1/${encodeURIComponent(projectId)}`;

  /** Sends a request, maps an error envelope on a 2xx answer, and validates the body; `secrets` are those to mask in it. */
  const call = async <S extends z.ZodType>(
    request: HttpRequest,
    schema: S,
  ): Promise<{ body: z.output<S>; data: unknown; secrets: (string | undefined)[] }> => {
    const response = await client.request(request);
    const failure = errorFor(response, request, secretsOf(request));
    if (failure) throw failure;
    const body = parseBody(schema, response.data, {
      provider: DGC_PROVIDER,
      taskId: request.taskId,
      what: `${request.method} ${response.path}`,
      httpStatus: response.status,
      notJson: response.data === undefined ? (response.text ?? '') : undefined,
    });
    return { body, data: response.data, secrets: secretsOf(request) };
  };

  const startImport = async (name: string, path: string, body: Record<string, unknown>, callOptions: DgcCallOptions | undefined) => {
    const { body: answer } = await call(
      { method: 'POST', path: `${projectPath}${path}`, body, signal: checkCallOptions(callOptions, DGC_PROVIDER, name) },
      importResponseSchema,
    );
    return answer.taskId;
  };

  const adapter = defineAdapter<string, DgcTaskResult>({
    provider: DGC_PROVIDER,
    taskId: (ref) => checkId(ref, DGC_PROVIDER, TASK_ID),
    async getStatus(ref, { signal }) {
      const taskId = checkId(ref, DGC_PROVIDER, TASK_ID);
      const { body, data, secrets: echoable } = await call(
        { method: 'GET', path: `${projectPath}/system-tasks/${encodeURIComponent(taskId)}`, signal, taskId },
        systemTaskSchema,
      );
      // A server that echoes a credential (or the signature) into a task's text must not put it in a status or error.
      return maskStatusReport(toReport(body, data), echoable);
    },
  });

  return Object.assign(adapter, {
    async importJobs(input: DgcImportJobsInput, callOptions?: DgcCallOptions) {
      return startImport('importJobs', '/jobs/import', importJobsBody(input), callOptions);
    },
    async importConnections(input: DgcImportConnectionsInput, callOptions?: DgcCallOptions) {
      return startImport('importConnections', '/connections/import', importConnectionsBody(input), callOptions);
    },
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close() {
      client.close();
    },
  });
}

function toReport(body: z.output<typeof systemTaskSchema>, raw: unknown): StatusReport<DgcTaskResult> {
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

function dates(item: { startTime?: Date | null | undefined; endTime?: Date | null | undefined; lastUpdate?: Date | null | undefined }) {
  return {
    ...(item.startTime ? { startedAt: item.startTime } : {}),
    ...(item.endTime ? { finishedAt: item.endTime } : {}),
    ...(item.lastUpdate ? { updatedAt: item.lastUpdate } : {}),
  };
}

/**
 * The DLF / API Gateway error envelope `{error_code, error_msg}` as a taskpoll error; `undefined` when
 * absent. On a 404, any code but the not-found ones (e.g. the gateway's `APIG.0101`, no such API) is an
 * `HttpError` that says the URL may be wrong.
 */
function errorFor(response: HttpResponse, request: HttpRequest, secrets: readonly (string | undefined)[]): TaskPollError | undefined {
  const envelope = errorEnvelopeSchema.safeParse(response.data);
  if (!envelope.success) return undefined;
  const code = envelope.data.error_code;
  const { status: httpStatus, retryAfterMs } = response;
  // `secrets` holds the request's signature too, in case a gateway echoes what it checked.
  return envelopeError({
    provider: DGC_PROVIDER,
    request,
    response,
    code,
    text: envelope.data.error_msg,
    secrets,
    kind: classify(code, httpStatus, request.taskId !== undefined),
    transient: httpStatus >= 500 || httpStatus === 429,
    retryAfterMs,
  });
}

/** What a code means. A not-found code on a poll is the task's, even on a 404; any other 404 is about the URL. */
function classify(code: string, httpStatus: number, isPoll: boolean): EnvelopeKind {
  if (NOT_FOUND_CODES.has(code) && isPoll) return 'not-found';
  if (httpStatus === 404) return 'wrong-url';
  if (AUTH_CODE.test(code)) return 'auth';
  if (THROTTLED_CODE.test(code)) return 'rate-limit';
  return 'error';
}

type CheckedAuth =
  | { kind: 'token'; token: string }
  | { kind: 'aksk'; accessKey: string; secretKey: string; securityToken: string | undefined };

const AUTH_KEYS = ['token', 'accessKey', 'secretKey', 'securityToken'];
const AUTH_SHAPE = '{ token } or { accessKey, secretKey, securityToken? }';

function checkAuth(auth: unknown): CheckedAuth {
  checkOptions(auth, DGC_PROVIDER, AUTH_KEYS, { name: 'auth', shape: AUTH_SHAPE });
  if ('token' in auth) {
    if (Object.keys(auth).length !== 1) throw new TypeError(`${DGC_PROVIDER}: auth must be either ${AUTH_SHAPE}, not both`);
    if (typeof auth['token'] !== 'string' || !HEADER_TOKEN.test(auth['token'])) {
      throw new TypeError(`auth.token must be a non-empty token of visible ASCII characters, got ${describe(auth['token'])}`);
    }
    return { kind: 'token', token: auth['token'] };
  }
  const { accessKey, secretKey, securityToken } = auth;
  if (typeof accessKey !== 'string' || !ACCESS_KEY.test(accessKey)) {
    throw new TypeError(`auth.accessKey must be an access key id (letters and digits), got ${describe(accessKey)}`);
  }
  if (typeof secretKey !== 'string' || secretKey === '') {
    throw new TypeError(`auth.secretKey must be a non-empty string, got ${describe(secretKey)}`);
  }
  if (securityToken !== undefined && !(typeof securityToken === 'string' && HEADER_TOKEN.test(securityToken))) {
    throw new TypeError(`auth.securityToken must be a non-empty token of visible ASCII characters, got ${describe(securityToken)}`);
  }
  return { kind: 'aksk', accessKey, secretKey, securityToken };
}

function endpointOf(region: unknown, endpoint: unknown): string {
  if ((region === undefined) === (endpoint === undefined)) {
    throw new TypeError('Give exactly one of region (e.g. "cn-north-4") and endpoint');
  }
  if (endpoint !== undefined) return checkBaseURL(endpoint, 'endpoint').toString();
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new TypeError(`region must look like "cn-north-4", got ${describe(region)}`);
  }
  return `https://dayu-dlf.${region}.myhuaweicloud.com`;
}

function importJobsBody(input: DgcImportJobsInput): Record<string, unknown> {
  const fields = checkInput(input, 'importJobs', ['path', 'params', 'sameNamePolicy', 'jobsParam', 'executeUser', 'targetStatus', 'approvers']);
  const body: Record<string, unknown> = { path: checkObsPath(fields['path'], 'importJobs') };
  if (fields['params'] !== undefined) body['params'] = checkStringMap(fields['params'], 'importJobs: params');
  if (fields['sameNamePolicy'] !== undefined) body['sameNamePolicy'] = checkEnum(fields['sameNamePolicy'], ['SKIP', 'OVERWRITE'], 'importJobs: sameNamePolicy');
  if (fields['jobsParam'] !== undefined) {
    body['jobsParam'] = checkList(fields['jobsParam'], 'importJobs: jobsParam', (item, name) => {
      const job = checkInput(item, name, ['name', 'params']);
      return {
        name: checkText(job['name'], `${name}.name`),
        ...(job['params'] !== undefined ? { params: checkStringMap(job['params'], `${name}.params`) } : {}),
      };
    });
  }
  if (fields['executeUser'] !== undefined) body['executeUser'] = checkText(fields['executeUser'], 'importJobs: executeUser');
  if (fields['targetStatus'] !== undefined) {
    body['targetStatus'] = checkEnum(fields['targetStatus'], ['SAVED', 'SUBMITTED', 'PRODUCTION'], 'importJobs: targetStatus');
  }
  if (fields['approvers'] !== undefined) {
    body['approvers'] = checkList(fields['approvers'], 'importJobs: approvers', (item, name) => ({
      approverName: checkText(checkInput(item, name, ['approverName'])['approverName'], `${name}.approverName`),
    }));
  }
  return body;
}

function importConnectionsBody(input: DgcImportConnectionsInput): Record<string, unknown> {
  const fields = checkInput(input, 'importConnections', ['path', 'params', 'sameNamePolicy']);
  const body: Record<string, unknown> = { path: checkObsPath(fields['path'], 'importConnections') };
  if (fields['params'] !== undefined) {
    body['params'] = checkList(fields['params'], 'importConnections: params', (item, name) => {
      const connection = checkInput(item, name, ['name', 'type', 'connectionType', 'params']);
      if (connection['type'] === undefined && connection['connectionType'] === undefined) {
        throw new TypeError(`${name} needs a type (or connectionType)`);
      }
      const out: Record<string, unknown> = { name: checkText(connection['name'], `${name}.name`) };
      if (connection['type'] !== undefined) out['type'] = checkText(connection['type'], `${name}.type`);
      if (connection['connectionType'] !== undefined) out['connectionType'] = checkText(connection['connectionType'], `${name}.connectionType`);
      if (connection['params'] !== undefined) out['params'] = checkStringMap(connection['params'], `${name}.params`);
      return out;
    });
  }
  if (fields['sameNamePolicy'] !== undefined) {
    body['sameNamePolicy'] = checkEnum(fields['sameNamePolicy'], ['SKIP', 'OVERWRITE'], 'importConnections: sameNamePolicy');
  }
  return body;
}

function checkInput(value: unknown, name: string, allowed: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} needs an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TypeError(`${name}: unknown field "${key}"`);
  }
  return value as Record<string, unknown>;
}

function checkObsPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length > 1024 || !OBS_PATH.test(value) || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(`${name}: path must be an OBS path such as "obs://bucket/file.zip", got ${describe(value)}`);
  }
  return value;
}

function checkText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}`);
  return value;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (!allowed.includes(value as T)) throw new TypeError(`${name} must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

function checkStringMap(value: unknown, name: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object of strings, got ${describe(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new TypeError(`${name}.${key} must be a string, got ${describe(item)}`);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function checkList<T>(value: unknown, name: string, each: (item: unknown, name: string) => T): T[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array, got ${describe(value)}`);
  return value.map((item, index) => each(item, `${name}[${index}]`));
}
