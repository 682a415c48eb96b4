/**
 * Progress on stderr. On a terminal, one live line per wait, redrawn in place (state, a progress bar
 * where the provider reports progress, time elapsed, time to the next poll); elsewhere (a pipe, a CI
 * log, `TERM=dumb`) one plain line per state change. The first line comes with the first status, so
 * a caller sees the wait has begun. Colour only on a live line, and never with `NO_COLOR`.
 *
 * @internal
 * @module
 */
import * as util from 'node:util';
import type { ProgressInfo, TaskState, TaskStatus } from '../index.js';
import type { Env } from './config.js';

/** How progress is shown. */
export type ProgressMode = 'live' | 'plain' | 'quiet';

/** The stream progress goes to: `process.stderr`, or a stand-in. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
}

/** Live on a terminal, unless `CI` is set or `TERM=dumb`; plain otherwise; nothing with `--quiet`. */
export function progressMode(stream: ProgressStream, env: Env, quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  if (stream.isTTY !== true || (env['CI'] ?? '') !== '' || env['TERM'] === 'dumb') return 'plain';
  return 'live';
}

type Style = 'green' | 'red' | 'yellow' | 'cyan' | 'gray';
const STATE_STYLE: Record<TaskState, Style> = {
  queued: 'gray',
  running: 'cyan',
  cancelling: 'yellow',
  succeeded: 'green',
  partial: 'yellow',
  failed: 'red',
  cancelled: 'red',
  unknown: 'yellow',
};

/**
 * `util.styleText` is there from Node 20.12 (`engines` allows any 20): without it, no colour. Its
 * stream option (Node 22) makes it check stderr rather than stdout, which may be a pipe to `jq`.
 */
type StyleText = (format: Style, text: string, options?: { stream?: unknown }) => string;
const styleText = (util as { styleText?: StyleText }).styleText;

/** `1h02m`, `3m05s`, `4.2s`, `350ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
}

const BAR_WIDTH = 20;

function bar(progress: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, progress)) / 100) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.round(progress)}%`;
}

/** What the wait command tells the renderer. */
export interface Progress {
  /** The wait's `onProgress`. */
  onStatus(status: TaskStatus, info: ProgressInfo): void;
  /** A line of its own (a submitted task's id, a note before the end). */
  note(line: string): void;
  /** Ends the live line. */
  end(): void;
}

/** A renderer for one wait, in `mode`, on `stream`. */
export function createProgress(stream: ProgressStream, mode: ProgressMode, env: Env): Progress {
  const color = mode === 'live' && (env['NO_COLOR'] ?? '') === '' && styleText !== undefined;
  const paint = (style: Style, text: string) => (color && styleText ? styleText(style, text, { stream }) : text);
  let last: { status: TaskStatus; info: ProgressInfo; at: number } | undefined;
  let lastState: string | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let drawn = false;

  const line = (): string => {
    if (!last) return '';
    const { status, info, at } = last;
    const since = performance.now() - at;
    const parts = [paint(STATE_STYLE[status.state], status.state.padEnd(10)), `(${status.providerState})`];
    if (status.progress !== undefined) parts.push(bar(status.progress));
    parts.push(`elapsed ${formatDuration(info.elapsedMs + since)}`);
    if (info.nextDelayMs !== undefined) parts.push(`next poll in ${formatDuration(info.nextDelayMs - since)}`);
    return `${status.taskId} ${parts.join('  ')}`;
  };
  const redraw = () => {
    stream.write(`\r\x1b[2K${line()}`);
    drawn = true;
  };
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };

  return {
    onStatus(status, info) {
      if (mode === 'quiet') return;
      last = { status, info, at: performance.now() };
      if (mode === 'plain') {
        if (status.state !== lastState) {
          const progress = status.progress === undefined ? '' : ` ${Math.round(status.progress)}%`;
          stream.write(
            `${status.taskId} ${status.state} (${status.providerState})${progress} after ${formatDuration(info.elapsedMs)}\n`,
          );
        }
        lastState = status.state;
        return;
      }
      redraw();
      // The elapsed time and the countdown move between polls too; the timer does not keep the process up.
      ticker ??= setInterval(redraw, 1000).unref();
    },
    note(text) {
      if (mode === 'quiet') return;
      clear();
      stream.write(`${text}\n`);
      if (last && mode === 'live') redraw();
    },
    end() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
