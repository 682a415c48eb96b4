/**
 * MEF Center's log dump API as this adapter reads it: the routes, the envelope and its codes, the task
 * id's shape, the answers' schemas and the status words. Internal to `taskpoll/edge`.
 *
 * Sources: the log collection pages of the MEF API reference, query
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0043.html and download
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0044.html (create and
 * the overview beside them), and the `Ascend/MEF` repository's `src/mef-center/...` where the pages are
 * silent (`handlers/types.go` QueryProgressResp, `edge-manager/pkg/constants/constants.go`).
 */
import { z } from 'zod';
import type { StatusReport } from '../../core/adapter.js';
import type { TaskState } from '../../core/status.js';
import type { IdRule } from '../../internal/checks.js';
import { isoDate } from '../../internal/schema.js';
import type { EdgeLogDumpResult } from './types.js';

/** The provider name on every status and error. */
export const PROVIDER = 'edge.logDump';
/**
 * Create (POST) and query (GET `?taskId=`); the query path is `/task?taskId=` as on the API page (the
 * overview page writes `/task/?taskId=`).
 */
export const TASK_PATH = '/edgemanager/v1/logmgmt/dump/task';
/** The archive name is fixed by MEF, not per task (mefapiref_0044). */
export const ARCHIVE_NAME = 'edgeNodes.tar.gz';
/** The one archive MEF serves: the latest task's. */
export const DOWNLOAD_PATH = `/edgemanager/v1/logmgmt/dump/download/${ARCHIVE_NAME}`;
/** The envelope's `status` of a request that worked. */
export const SUCCESS = '00000000';
/**
 * "Log export business error"; on the query route it is what an unknown task id gets (see `answerError`
 * in errors.ts).
 */
export const LOG_EXPORT_BUSINESS_ERROR = '40052002';

/**
 * What a task id must look like (`edge-manager/pkg/constants/constants.go`); ids are checked against
 * it before any request. Example: `dumpMultiNodesLog.eca14a007f930e5689652a30`.
 */
export const EDGE_TASK_ID_PATTERN = /^dumpMultiNodesLog[-_a-zA-Z0-9.]{1,128}$/;

/** A task id; the pattern also keeps it free of anything that could break the query it is sent in. */
export const TASK_ID: IdRule = {
  name: 'taskId',
  pattern: EDGE_TASK_ID_PATTERN,
  expected: `a string matching ${EDGE_TASK_ID_PATTERN.source} (e.g. dumpMultiNodesLog.eca14a007f930e5689652a30)`,
};

// --- Response schemas (mefapiref_0043; `handlers/types.go` QueryProgressResp) -----------------------

/** Every answer's envelope: an 8-digit `status` code, a text, and the route's `data`. */
export const envelopeSchema = z.object({
  status: z.string().regex(/^\d{8}$/, 'expected an 8-digit status code'),
  msg: z.string().nullish(),
  data: z.unknown().optional(),
});

/** MEF writes a zero time as `null` (`NullableTime`), so a time not reached yet is `null`. */
const nullableDate = isoDate.nullish();

const dumpTaskSchema = z.object({
  taskId: z.string().optional(),
  status: z.string().min(1),
  reason: z.string().nullish(),
  progress: z.number().min(0).max(100).nullish(),
  data: z.object({ fileName: z.string().min(1).optional() }).nullish(),
  createdAt: nullableDate,
  startedAt: nullableDate,
  finishedAt: nullableDate,
});

/** A task as the query route describes it. */
export type DumpTask = z.output<typeof dumpTaskSchema>;

/** The query route's answer. */
export const statusBodySchema = envelopeSchema.extend({ data: dumpTaskSchema });

/** The create route's answer: the new task's id, which must be one the query route accepts. */
export const submitBodySchema = envelopeSchema.extend({
  data: z.object({ taskId: z.string().regex(EDGE_TASK_ID_PATTERN, 'expected a dumpMultiNodesLog… task id') }),
});

// --- Status words ----------------------------------------------------------------------------------

/** MEF's `data.status` word → the normalized state; a word MEF may add later is `unknown`, not guessed. */
export function toState(word: string): TaskState {
  switch (word) {
    case 'waiting':
      return 'queued';
    case 'processing':
      return 'running';
    case 'aborting':
      // Being terminated (task timeout or shutdown); it ends `failed`.
      return 'cancelling';
    case 'succeed':
      return 'succeeded';
    case 'partiallyFailed':
      return 'partial';
    case 'failed':
      return 'failed';
    default:
      return 'unknown';
  }
}

/**
 * A queried task as a status report. Only `succeed` and `partiallyFailed` have an archive
 * (mefapiref_0044), so only they carry a result; MEF's name is fixed, so a finished task that reports
 * none still names it. An empty `reason` is no message.
 */
export function statusReport(task: DumpTask, raw: unknown): StatusReport<EdgeLogDumpResult> {
  const state = toState(task.status);
  return {
    state,
    providerState: task.status,
    progress: task.progress ?? undefined,
    message: task.reason || undefined,
    createdAt: task.createdAt ?? undefined,
    startedAt: task.startedAt ?? undefined,
    finishedAt: task.finishedAt ?? undefined,
    result:
      state === 'succeeded' || state === 'partial' ? { fileName: task.data?.fileName ?? ARCHIVE_NAME } : undefined,
    raw,
  };
}
