/**
 * `taskpoll/edge`: waits for the log collection ("dump") task of the edge manager in MEF Center (Huawei
 * Ascend MindEdge Framework, MindX Edge), and downloads the archive it collects.
 *
 * {@link edgeLogDump} makes the adapter for one MEF Center: `submit` starts a task, `waitForTask`
 * (from `taskpoll`) waits for it, `download` streams the archive to a file or a stream.
 *
 * ```ts
 * const edge = edgeLogDump({ baseURL: 'https://10.10.10.10:30035', tls: { cert, key, ca } });
 * const done = await waitForTask(edge, await edge.submit({ edgeNodes: [2, 3] }));
 * ```
 *
 * Sources: the MEF API reference's log collection pages (create, query, download), from
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefapiref_0040.html on; the
 * certificate exchange page
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefug_0027.html; and the
 * `Ascend/MEF` repository (`docs/en/user_guide/RESTful.md`, `src/mef-center/...`) where they are silent.
 *
 * Decisions worth knowing:
 * - MEF authenticates with mutual TLS only. Give `tls: { cert, key, ca }` (or your own `httpsAgent`).
 *   The server certificate is always verified against `tls.ca`; there is no option to turn that off,
 *   and `NODE_TLS_REJECT_UNAUTHORIZED=0` does not turn it off for the agent made from `tls` either.
 * - An `http://` baseURL is accepted only without `tls` and `httpsAgent`: the requests then go out in
 *   plain text, with no TLS at all. MEF itself only speaks HTTPS; use `http://` only for a local
 *   simulator or a TLS-terminating sidecar on the same host.
 * - MEF allows serial calls and 10 requests a second per client; the adapter paces all its calls and
 *   waits together (one request at a time, at most 10 a second) unless told otherwise with `pacing`.
 *   A download holds that one slot while it streams, so polls made through the same adapter wait for it.
 * - MEF has no cancel call: the adapter has no `cancel`, and `cancelOnAbort` does nothing for it.
 * - The query path is `/task?taskId=` as on the API page (the overview page writes `/task/?taskId=`).
 *
 * @module
 */
// The factory assembles the parts beside it: types.ts (the public types), options.ts, api.ts (MEF's
// routes, schemas and status words), client.ts (create and query), download.ts, tls.ts, checks.ts
// (the adapter's own inputs) and errors.ts.
import { defineAdapter } from '../../core/adapter.js';
import { checkId } from '../../internal/checks.js';
import { PROVIDER, TASK_ID } from './api.js';
import { createEdgeClient, queryTask, submitTask } from './client.js';
import { DownloadTurns, downloadArchive } from './download.js';
import { checkEdgeOptions } from './options.js';
import { ownAgent } from './tls.js';
import type { EdgeLogDump, EdgeLogDumpOptions, EdgeLogDumpResult } from './types.js';

export { EDGE_TASK_ID_PATTERN } from './api.js';
export { EDGE_DEFAULTS } from './options.js';
export type {
  EdgeCallOptions,
  EdgeDownloadResult,
  EdgeDownloadTask,
  EdgeLogDump,
  EdgeLogDumpOptions,
  EdgeLogDumpResult,
  EdgeSubmitInput,
  EdgeTlsOptions,
  PemInput,
} from './types.js';

/**
 * The edge log dump adapter for one MEF Center. Every option is checked here (a `TypeError` or
 * `RangeError` names the bad one), the TLS material included, so a bad certificate or key fails now
 * rather than at the first request.
 *
 * @example
 * const edge = edgeLogDump({ baseURL: 'https://10.10.10.10:30035', tls: { cert, key, ca } });
 * const taskId = await edge.submit({ edgeNodes: [2, 3] });
 * const done = await waitForTask(edge, taskId, { acceptPartial: true });
 * await edge.download(done, './edgeNodes.tar.gz');
 * edge.close();
 */
export function edgeLogDump(options: EdgeLogDumpOptions): EdgeLogDump {
  const settings = checkEdgeOptions(options);
  const agent = ownAgent(settings.baseURL, settings.tls, settings.callerAgent, options.axios !== undefined);
  const client = createEdgeClient(options, settings.requestTimeoutMs, settings.callerAgent ?? agent);
  const adapter = defineAdapter<string, EdgeLogDumpResult>({
    provider: PROVIDER,
    taskId: (ref) => checkId(ref, PROVIDER, TASK_ID),
    // `taskId` above has checked the ref before each poll: it is the id as it is.
    getStatus: (taskId, { signal }) => queryTask(client, taskId, signal),
  });
  const downloads = {
    client,
    getStatus: adapter.getStatus,
    turns: new DownloadTurns(),
    requestTimeoutMs: settings.requestTimeoutMs,
    downloadTimeoutMs: settings.downloadTimeoutMs,
    maxDownloadBytes: settings.maxDownloadBytes,
  };

  let closed = false;
  return {
    provider: adapter.provider,
    taskId: adapter.taskId,
    getStatus: adapter.getStatus,
    submit: (input, callOptions) => submitTask(client, input, callOptions),
    download: (task, destination, callOptions) => downloadArchive(downloads, task, destination, callOptions),
    pacerStats: () => client.pacerStats(),
    resultRequired: true,
    close() {
      if (closed) return;
      closed = true;
      client.close();
      // Only the agent made here: a caller's `httpsAgent` is the caller's to destroy.
      agent?.destroy();
    },
  };
}
