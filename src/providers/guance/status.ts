/**
 * What a `query_task` answer says: its `content.taskStatus` word mapped onto a {@link TaskState}, and
 * the status report built from the answer (`logmine/querytask.md`,
 * https://github.com/GuanceCloud/guance-docs).
 */
import type { StatusReport } from '../../core/adapter.js';
import type { TaskState } from '../../core/status.js';
import { clipProviderText } from '../../internal/checks.js';
import { maskStatusReport } from '../../internal/redact.js';
import { parseBody } from '../../internal/validate.js';
import { finishedTaskBody, PROVIDER, type QueryTaskBody } from './api.js';
import type { GuanceLogmineResult } from './clusters.js';

/**
 * Maps a `content.taskStatus` word onto a {@link TaskState}. Only `ok` is documented (querytask.md).
 * Other words are matched case-insensitively, ignoring spaces and dashes. Running-like words map to
 * `running` and `queued` words to `queued`. Failure-like words map to `failed`, so a failure ends the
 * wait rather than running into its time limit. Anything else is `unknown`, which never ends a wait.
 */
export function guanceTaskState(taskStatus: string): TaskState {
  switch (
    taskStatus
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_')
  ) {
    case 'ok':
      return 'succeeded';
    case 'queued':
    case 'queueing':
    case 'queuing':
    case 'waiting':
      return 'queued';
    case 'running':
    case 'pending':
    case 'processing':
    case 'in_progress':
    case 'started':
    case 'executing':
      return 'running';
    case 'failed':
    case 'fail':
    case 'failure':
    case 'error':
    case 'errored':
    case 'timeout':
    case 'timed_out':
      return 'failed';
    default:
      return 'unknown';
  }
}

/**
 * The status a `query_task` answer reports. An `ok` answer is validated again as a finished one, so
 * that its clusters become the typed result; `sentPath` is the path the request went to, for that
 * validation's message.
 */
export function statusReport(
  body: QueryTaskBody,
  taskId: string,
  apiKey: string,
  sentPath: string,
): StatusReport<GuanceLogmineResult> {
  const providerState = body.content.taskStatus;
  const report: StatusReport<GuanceLogmineResult> = { state: guanceTaskState(providerState), providerState, raw: body };
  // The provider's own words, kept with their line breaks; the key masked, and clipped.
  if (body.message !== '') report.message = clipProviderText(body.message, { secrets: [apiKey], oneLine: false });
  if (report.state === 'succeeded') {
    const done = parseBody(finishedTaskBody, body, {
      provider: PROVIDER,
      taskId,
      what: `GET ${sentPath} (taskStatus ok)`,
    });
    report.result = { docCount: done.content.docCount, clusters: done.content.data };
  }
  // A status's raw body ends up in errors (TaskFailedError.status, TaskTimeoutError.lastStatus): a
  // body that echoes the key is copied without it. The result is left as the provider sent it.
  return maskStatusReport(report, [apiKey]);
}
