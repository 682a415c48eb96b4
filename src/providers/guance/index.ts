/**
 * `taskpoll/guance`: Guance Cloud (观测云) log clustering ("logmine") tasks on the Open API.
 *
 * {@link guanceLogmine} makes the adapter: `submit` starts a clustering task (`send_task`), and
 * `waitForTask` or `pollTask` from `taskpoll` follow it (`query_task`) until its clusters are ready,
 * typed {@link GuanceLogmineResult}. {@link parseClusterMessage} reads a cluster's log text, and
 * {@link guanceTaskState} is the mapping of Guance's status words. One adapter paces its requests to
 * the API key's budget ({@link GUANCE_DEFAULT_PACING}).
 *
 * Sources: the Open API overview (sites, the envelope, the `DF-API-KEY` header,
 * https://docs.guance.com/en/open-api/) and, in the docs' source (https://github.com/GuanceCloud/guance-docs,
 * `docs/{zh,en}/open-api/`), `logmine/sendtask.md` and `logmine/querytask.md` (the calls),
 * `error-definition.md` (error codes) and `api-limit.md` (20 requests a minute per API key).
 *
 * @example
 * const logmine = guanceLogmine({ apiKey: process.env.DF_API_KEY!, site: 'cn1' });
 * const done = await waitForTask(logmine, await logmine.submit({ analysisField: 'message' }));
 *
 * @module
 */
import { defineAdapter } from '../../core/adapter.js';
import { checkCallOptions, checkId, checkOptions } from '../../internal/checks.js';
import { PROVIDER } from './api.js';
import { checkApiKey, chooseBaseURL, OPTION_KEYS, TASK_ID, taskBody } from './checks.js';
import type { GuanceLogmineResult } from './clusters.js';
import { createLogmineApi, queryTask, sendTask } from './client.js';
import type { GuanceLogmine, GuanceLogmineOptions } from './types.js';

export { GUANCE_DEFAULT_PACING, GUANCE_NAMESPACES, GUANCE_SITES } from './types.js';
export type {
  GuanceLogmine,
  GuanceLogmineDeploymentOptions,
  GuanceLogmineOptions,
  GuanceLogmineSiteOptions,
  GuanceLogmineTaskInput,
  GuanceNamespace,
  GuanceSite,
  GuanceSubmitOptions,
} from './types.js';
export { parseClusterMessage } from './clusters.js';
export type { GuanceClusterMessage, GuanceLogmineCluster, GuanceLogmineResult } from './clusters.js';
export { guanceTaskState } from './status.js';

/**
 * The Guance logmine adapter: `submit` a clustering task, then wait for it with `waitForTask` (or
 * follow it with `pollTask`); the result is typed {@link GuanceLogmineResult}.
 *
 * Every option is checked here, before any request: a bad one throws a `TypeError` or `RangeError`
 * that never repeats the API key.
 *
 * Errors: `ft.InvalidAPIKey` (403) and other 401/403 answers are an `AuthenticationError`. The
 * rate-limit codes (401 `ft.Trigger…CurrentLimiting`) are a transient `ProviderError`: the poller
 * retries it and every request of the adapter pauses. Any other error envelope (`success: false` or a
 * non-empty `errorCode`, even with HTTP 200) is a `ProviderError` with the provider's code. An unknown task
 * id is not documented. The inference: the API reports failures by HTTP status and puts the same value
 * in `code`, so a 404 on `query_task` that carries Guance's envelope without an `errorCode`, or with
 * one naming a missing task, is a `TaskNotFoundError`. Any other 404 (no envelope, or another code, e.g.
 * a wrong `baseURL` behind a gateway) is an `HttpError` that says the URL may be wrong. Any other code
 * is a `ProviderError` that keeps the code as sent. Every message names the path actually sent.
 *
 * @example
 * const logmine = guanceLogmine({ apiKey: process.env.DF_API_KEY!, site: 'cn1' });
 * const taskId = await logmine.submit({ analysisField: 'message', timeRange: [Date.now() - 900_000, Date.now()] });
 * const done = await waitForTask(logmine, taskId, { timeoutMs: 120_000, initialDelayMs: 3000 });
 * if (done.state === 'succeeded') {
 *   for (const c of done.result.clusters) console.log(c.count, parseClusterMessage(c.message));
 * }
 * logmine.close();
 */
export function guanceLogmine(options: GuanceLogmineOptions): GuanceLogmine {
  checkOptions(options, PROVIDER, OPTION_KEYS);
  const apiKey = checkApiKey(options.apiKey);
  const baseURL = chooseBaseURL(options.site, options.baseURL);
  const api = createLogmineApi(options, apiKey, baseURL);

  const adapter = defineAdapter<string, GuanceLogmineResult>({
    provider: PROVIDER,
    taskId: (ref) => checkId(ref, PROVIDER, TASK_ID),
    getStatus: (taskId, { signal }) => queryTask(api, taskId, signal),
  });
  return {
    ...adapter,
    async submit(input, submitOptions) {
      const body = taskBody(input);
      const signal = checkCallOptions(submitOptions, PROVIDER, 'submit');
      return sendTask(api, body, signal);
    },
    pacerStats: () => api.http.pacerStats(),
    resultRequired: true,
    close() {
      api.http.close();
    },
  };
}
