/**
 * The public types of `taskpoll/edge`: the factory's options and mutual TLS material, the calls'
 * inputs and results, and the adapter itself. The entry (`index.ts`) re-exports them; they live apart
 * so that an integrator reads what the adapter takes and gives without the code that does it.
 */
import type { Agent as HttpsAgent } from 'node:https';
import type { Writable } from 'node:stream';
import type { TaskAdapter } from '../../core/adapter.js';
import type { TaskStatus } from '../../core/status.js';
import type { Pacer, PacerStats, PacingOptions, TransportOptions } from '../../core/transport.js';

/** A PEM text, as a string or the bytes of one. */
export type PemInput = string | Buffer;

/**
 * Mutual TLS material for MEF Center, as the certificate exchange (`run.sh exchangeca`) gives it
 * (https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefug_0027.html).
 * Every value is checked when the adapter is made; none is ever put in an error message.
 */
export interface EdgeTlsOptions {
  /**
   * The client certificate (PEM; may be followed by its intermediates). It must chain to the root CA
   * imported into MEF.
   */
  cert: PemInput;
  /** The client certificate's private key (PEM). */
  key: PemInput;
  /**
   * MEF's root CA (PEM), as exported by `run.sh exchangeca -export_path`. The server certificate must
   * chain to it; the system's CAs are not trusted for this connection.
   */
  ca: PemInput | readonly PemInput[];
  /** The passphrase of an encrypted `key`. */
  passphrase?: string;
}

/** Options of {@link edgeLogDump}. */
export interface EdgeLogDumpOptions extends TransportOptions {
  /**
   * MEF Center's address, `https://{ip}:{port}` (MEF's examples use port 30035). `http://` is accepted
   * only without `tls` and `httpsAgent`, and then nothing is encrypted: for a local simulator or a
   * TLS-terminating sidecar only.
   */
  baseURL: string;
  /**
   * The adapter's request budget, shared by all its calls and waits; `false` turns pacing off.
   * A {@link Pacer} is used as it is, to share one budget with other adapters (it stays open when
   * this adapter closes).
   * @default { maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 100 }
   * (MEF: serial calls, 10 requests a second, evenly spaced)
   */
  pacing?: PacingOptions | false | Pacer;
  /** Mutual TLS material. Needs an `https://` baseURL. Leave out when you pass `httpsAgent`. */
  tls?: EdgeTlsOptions;
  /**
   * Your own `https.Agent` (e.g. with a key in an HSM engine, or `servername` when the server
   * certificate names a host other than the baseURL's). Not together with `tls`. One with
   * `rejectUnauthorized: false` is refused. Its settings are yours: set `rejectUnauthorized: true`
   * explicitly if the process may run with `NODE_TLS_REJECT_UNAUTHORIZED=0`. It is not destroyed by `close()`.
   */
  httpsAgent?: HttpsAgent;
  /**
   * Time limit of a whole download (status check, answer and body), in ms. The answer's headers must
   * still arrive within `requestTimeoutMs`. Neither limit runs while the download's requests wait for
   * a pacing slot (behind other calls and waits of the adapter).
   * @default 7_200_000 (2 hours, MEF's own limit)
   */
  downloadTimeoutMs?: number;
  /**
   * Largest archive a download accepts, in bytes; a bigger one fails with a `ResponseValidationError`
   * and leaves no file behind.
   * @default Infinity
   */
  maxDownloadBytes?: number;
}

/** The typed result of a finished log dump task. */
export interface EdgeLogDumpResult {
  /**
   * The archive's name as MEF reports it in `data.data.fileName`. MEF's name is fixed; when a finished
   * task does not report one, this is `'edgeNodes.tar.gz'`.
   */
  fileName: string;
}

/** What {@link EdgeLogDump.submit} takes. */
export interface EdgeSubmitInput {
  /** MEF node ids to collect logs from: 1 to 100 unique whole numbers, each from 1 to 2^32−1. */
  edgeNodes: readonly number[];
}

/** Options of the calls made outside a wait (`submit`, `download`). */
export interface EdgeCallOptions {
  /** Aborting it stops the call; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What a finished {@link EdgeLogDump.download} tells. */
export interface EdgeDownloadResult {
  /** The task the archive was downloaded for. */
  taskId: string;
  /** Bytes written. */
  bytes: number;
  /** The absolute path written, when the destination was a path. */
  path?: string;
}

/** The task a download is for: its id (its status is checked first) or a finished status you already have. */
export type EdgeDownloadTask = string | TaskStatus<EdgeLogDumpResult>;

/** The edge log dump adapter: use it with `waitForTask` / `pollTask`, plus the calls around the wait. */
export interface EdgeLogDump extends TaskAdapter<string, EdgeLogDumpResult> {
  /**
   * Starts a log dump task (`POST /edgemanager/v1/logmgmt/dump/task`) and resolves with its task id.
   * The node list is checked before any request (`TypeError` / `RangeError`). Not retried: a transient
   * failure (429, 5xx, network) rejects with an error whose `transient` is true. MEF runs one dump at
   * a time, and starting one deletes the previous archive.
   */
  submit(input: EdgeSubmitInput, options?: EdgeCallOptions): Promise<string>;
  /**
   * Streams the collected archive (`GET /edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz`) to a
   * file path or a Writable. Allowed after `succeed` or `partiallyFailed`:
   * - with a task id, the task's status is read first;
   * - with a status (what `waitForTask` resolved with), no extra request is made.
   * A `failed` task rejects with `TaskFailedError`, an unfinished one with a `RangeError`, both before
   * the download starts.
   *
   * A path is written through a temporary file in the same directory, renamed into place on success
   * (replacing an existing file) and deleted on any failure or abort: no partial file is left behind.
   * A Writable is ended on success and destroyed when the transfer fails midway (it may then hold part
   * of the archive); when the download fails before any byte (status, HTTP error) it is left untouched.
   * Local file errors (ENOENT, EACCES, ENOSPC) reject as they are.
   *
   * MEF serves one archive (the latest task's) to one download at a time: this adapter runs its
   * downloads one after the other. The archive stays available for a day after the task ends.
   */
  download(
    task: EdgeDownloadTask,
    destination: string | Writable,
    options?: EdgeCallOptions,
  ): Promise<EdgeDownloadResult>;
  /**
   * What the adapter's pacer is doing (calls waiting, in flight, a server-asked pause); `undefined` with
   * `pacing: false`.
   */
  pacerStats(): PacerStats | undefined;
  /**
   * Frees the adapter's keep-alive sockets and ends the adapter: calls waiting for a pacing slot, and
   * every later call, reject at once with a `NetworkError` that says the adapter was closed. Idempotent.
   */
  close(): void;
}
