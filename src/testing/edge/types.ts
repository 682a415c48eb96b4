/**
 * What a test writes and reads about the simulated MEF Center: scripts, options and the `sim.edge`
 * handle.
 */
import type { PacingOptions } from '../../core/transport.js';
import type { ScriptableProvider } from '../book.js';
import type { TaskDefaults, TaskScriptBase } from '../lifecycle.js';
import type { BurstLimit } from '../ratelimit.js';
import type { EdgeClientTls } from './tls.js';

/** How a dump task can end: `succeed`, `partiallyFailed` or `failed`. */
export type EdgeOutcome = 'succeeded' | 'partial' | 'failed';

/** A script for one dump task. */
export interface EdgeTaskScript extends TaskScriptBase<EdgeOutcome> {
  /** A failed task first shows `aborting` for this many simulated ms (MEF's timeout path). @default 0 */
  abortingMs?: number;
  /** Nodes whose collection fails. @default the last node for `partial`, every node for `failed` */
  failedNodeIds?: number[];
  /**
   * The entries of the downloadable `edgeNodes.tar.gz` (name → content); one `<SN>.tar.gz` per
   * collected node when left out.
   */
  files?: Record<string, string | Uint8Array>;
}

/** Options of the MEF simulator (`startSimulator({ edge })`). */
export interface EdgeSimulatorOptions {
  /** What unscripted tasks do. @default { queuedMs: [0, 2000], durationMs: [10000, 60000], outcome: 'succeeded' } */
  defaults?: TaskDefaults<EdgeOutcome>;
  /**
   * nginx's per-client limit, in simulated time (with a `timeScale`, that many times faster); `false`
   * turns it off. @default { ratePerSecond: 10, burst: 5 }
   */
  rateLimit?: BurstLimit | false;
  /** The node ids MEF knows; others get `40051002 node (x) not found`. @default every id is known */
  nodeIds?: number[];
}

/** `sim.edge`: where the simulated MEF Center is and how to drive it. */
export interface EdgeSimulator extends ScriptableProvider<EdgeTaskScript> {
  /** Pass as `baseURL` to `edgeLogDump` (`https://…` when `edgeTls` is set). */
  readonly baseURL: string;
  /** With `edgeTls` and its `clientCert`/`clientKey`: `{ ca, cert, key }`, ready for `edgeLogDump({ tls })`. */
  readonly tls?: EdgeClientTls;
  /**
   * Pass as `pacing` to `edgeLogDump`: the request rate that fits the simulated nginx limit at the
   * simulator's `timeScale` (one request per 100 ms at `timeScale: 1`, MEF's own default). Only the
   * rate: the adapter keeps its default `maxConcurrency` (MEF's serial calls). The default pacing,
   * meant for real time, would hold a test's requests back `timeScale` times longer than the simulated
   * MEF does. `false` when the limit is off. It follows `setRateLimit`.
   */
  readonly pacing: PacingOptions | false;
  /** Creates a task without a request (as if another client had) and returns its id. */
  createTask(edgeNodes?: number[], script?: EdgeTaskScript): string;
  /** Changes the per-client limit at run time; `false` turns it off. Resets its counts. */
  setRateLimit(limit: BurstLimit | false): void;
}
