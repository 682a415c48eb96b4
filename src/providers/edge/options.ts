/**
 * The factory's options: their defaults ({@link EDGE_DEFAULTS}, public) and the one function that
 * checks them and settles each value. Internal to `taskpoll/edge` but for `EDGE_DEFAULTS`.
 *
 * The defaults follow MEF's documented limits: "only supports serial calls" (the API introduction,
 * https://www.hiascend.com/document/detail/en/mindx-edge/600/mef/mefug/mefug_0040.html) and the
 * `nginx-manager` gateway's configuration in the `Ascend/MEF` repository (`limit_req` 10 requests a
 * second per client with a burst of 5, `proxy_send_timeout 7200` on the download route).
 */
import type { Agent as HttpsAgent } from 'node:https';
import type { PacingOptions } from '../../core/transport.js';
import { checkOptions, durationOption, numberOption } from '../../internal/checks.js';
import { checkBaseURL } from '../../internal/http/url.js';
import { PROVIDER } from './api.js';
import { checkCallerAgent } from './tls.js';
import type { EdgeLogDumpOptions, EdgeTlsOptions } from './types.js';

/** The defaults of {@link EdgeLogDumpOptions}. */
export const EDGE_DEFAULTS = {
  /**
   * MEF: "only supports serial calls", and nginx allows 10 requests a second per client with a burst
   * of 5 (`limit_req ... burst=5 nodelay`): ten requests in the first 100 ms of a second would be
   * refused past the sixth, so requests are spaced evenly, one per 100 ms.
   */
  pacing: {
    /** One request at a time: MEF only supports serial calls. */
    maxConcurrency: 1,
    /** One request started per interval… */
    requestsPerInterval: 1,
    /** …of 100 ms: 10 a second, evenly spaced, never a burst nginx refuses. */
    intervalMs: 100,
  },
  /** MEF: a download must finish within 2 h (`proxy_send_timeout 7200`). */
  downloadTimeoutMs: 7_200_000,
  /** No size limit on the archive. */
  maxDownloadBytes: Number.POSITIVE_INFINITY,
} as const satisfies { pacing: PacingOptions; downloadTimeoutMs: number; maxDownloadBytes: number };

/** Every option the factory knows; any other key is refused, with a did-you-mean. */
const OPTION_KEYS = new Set([
  'baseURL',
  'tls',
  'httpsAgent',
  'axios',
  'requestTimeoutMs',
  'pacing',
  'downloadTimeoutMs',
  'maxDownloadBytes',
]);

/** The options the factory acts on, checked and settled (the transport's own are checked by the HTTP client). */
export interface EdgeSettings {
  /** The checked base URL. */
  baseURL: URL;
  /** The mutual TLS material, not read yet (the agent that uses it checks it). */
  tls: EdgeTlsOptions | undefined;
  /** The caller's own agent, checked. */
  callerAgent: HttpsAgent | undefined;
  /** Time limit of one request outside a wait, in ms. */
  requestTimeoutMs: number;
  /** Time limit of a whole download, in ms. */
  downloadTimeoutMs: number;
  /** Largest archive a download accepts, in bytes. */
  maxDownloadBytes: number;
}

/**
 * Checks the factory's options in a fixed order (known keys, baseURL, how TLS is given, the limits), so
 * that of several bad options the same one is always reported; throws a `TypeError` or `RangeError`.
 */
export function checkEdgeOptions(options: EdgeLogDumpOptions): EdgeSettings {
  checkOptions(options, PROVIDER, OPTION_KEYS);
  const baseURL = checkBaseURL(options.baseURL, `${PROVIDER}: baseURL`);
  const { tls, httpsAgent: callerAgent } = options;
  if (tls !== undefined && callerAgent !== undefined) {
    throw new TypeError(`${PROVIDER}: give either tls or httpsAgent, not both`);
  }
  if ((tls !== undefined || callerAgent !== undefined) && baseURL.protocol !== 'https:') {
    throw new TypeError(
      `${PROVIDER}: baseURL must use https when ${tls !== undefined ? 'tls' : 'httpsAgent'} is given`,
    );
  }
  if (callerAgent !== undefined) checkCallerAgent(callerAgent);
  const requestTimeoutMs = durationOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, { min: 1 });
  const downloadTimeoutMs = durationOption(
    'downloadTimeoutMs',
    options.downloadTimeoutMs,
    EDGE_DEFAULTS.downloadTimeoutMs,
    { min: 1 },
  );
  const maxDownloadBytes =
    options.maxDownloadBytes === Number.POSITIVE_INFINITY
      ? options.maxDownloadBytes
      : numberOption(
          'maxDownloadBytes',
          options.maxDownloadBytes,
          EDGE_DEFAULTS.maxDownloadBytes,
          1,
          Number.MAX_SAFE_INTEGER,
        );
  return { baseURL, tls, callerAgent, requestTimeoutMs, downloadTimeoutMs, maxDownloadBytes };
}
