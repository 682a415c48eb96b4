/**
 * The wait flags as `waitForTask` options, checked before any request: `run` submits a task, and a
 * flag refused only by the wait afterwards would leave that task running behind a usage error.
 *
 * The rules are the library's, not copied here: `pollTask` validates its options at once and sends
 * nothing until its iterator is read, so the options go through a `pollTask` of an adapter that is
 * never polled. Its messages name the options (`maxDelayMs`); the command's name the flags.
 *
 * `--timeout` is one deadline for the whole command (submit, job set-up, wait, download): it is
 * checked as the wait's `timeoutMs` would be, then passed to the wait as the `deadline` instant.
 *
 * @internal
 * @module
 */
import { defineAdapter, pollTask, WAIT_DEFAULTS, type WaitOptions } from '../index.js';
import { durationFlag, UsageError, type TaskCommand } from './args.js';
import { formatDuration } from './render.js';

/** The wait options a command line gives, the deadline included. */
export interface WaitPlan {
  /** The command's deadline, in epoch ms: its start plus `--timeout` (or the library's default timeout). */
  deadline: number;
  /** `--timeout` as typed, or the default, for messages. */
  timeoutText: string;
  /** The options of the wait, without `signal` and `onProgress`. */
  options: Pick<WaitOptions, 'deadline' | 'initialDelayMs' | 'maxDelayMs' | 'acceptPartial' | 'cancelOnAbort'>;
}

/** The flags that become wait options: flag, option, and the option's default (for messages). */
const DURATION_FLAGS = [
  { flag: '--timeout', option: 'timeoutMs', fallback: WAIT_DEFAULTS.timeoutMs },
  { flag: '--initial-delay', option: 'initialDelayMs', fallback: WAIT_DEFAULTS.initialDelayMs },
  { flag: '--max-delay', option: 'maxDelayMs', fallback: WAIT_DEFAULTS.maxDelayMs },
] as const;

/** An adapter never polled: `pollTask` with it checks options and sends nothing. */
const UNPOLLED = defineAdapter({
  provider: 'taskpoll-cli',
  getStatus: () => Promise.reject(new Error('never polled: it only checks options')),
});

/** Reads and checks the wait flags of `cmd`. `startedAt` is the command's start, in epoch ms. Throws {@link UsageError}. */
export function waitPlan(cmd: TaskCommand, startedAt: number): WaitPlan {
  const given = DURATION_FLAGS.map((d) => {
    const text = cmd.flags[d.flag.slice(2)];
    return { ...d, text: typeof text === 'string' ? text : undefined, ms: durationFlag(d.flag, text) };
  });
  const [timeout, initial, max] = given;
  const checked = {
    ...optional('timeoutMs', timeout?.ms),
    ...optional('initialDelayMs', initial?.ms),
    ...optional('maxDelayMs', max?.ms),
    acceptPartial: cmd.flags['accept-partial'] === true,
    cancelOnAbort: cmd.flags['cancel-on-interrupt'] === true,
  };
  try {
    // Never iterated: nothing is sent, no timer starts.
    void pollTask(UNPOLLED, 'options', checked);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(inFlagTerms(error, given));
    throw error;
  }
  const { timeoutMs, ...rest } = checked;
  const deadline = startedAt + (timeoutMs ?? WAIT_DEFAULTS.timeoutMs);
  return {
    deadline,
    timeoutText: timeout?.text ?? formatDuration(WAIT_DEFAULTS.timeoutMs),
    options: { ...rest, deadline },
  };
}

type Given = { flag: string; option: string; fallback: number; text: string | undefined; ms: number | undefined };

/**
 * The library's message with the flags for the options: `maxDelayMs (1000) must be >= initialDelayMs
 * (5000)` becomes `--max-delay (1s) must be ≥ --initial-delay (5s)`, a default shown as such; ranges
 * and values in ms become durations. Nothing but the names and numbers changes: the reason stays the library's.
 */
function inFlagTerms(error: Error, given: readonly Given[]): string {
  let message = error.message;
  const named = given.filter((g) => new RegExp(`\\b${g.option}\\b`).test(message));
  for (const g of named) {
    const shown = g.text ?? `${formatDuration(g.fallback)}, the default`;
    message = message
      .replace(new RegExp(`\\b${g.option} \\(\\d+\\)`, 'g'), `${g.flag} (${shown})`)
      .replace(new RegExp(`\\b${g.option}\\b`, 'g'), g.flag);
  }
  const only = named.length === 1 ? named[0] : undefined;
  if (only?.text !== undefined) message = message.replace(/, got [\d.]+$/, `, got ${only.text}`);
  return message
    .replace(/from (\d+) to (\d+)(?: or Infinity)? ms/, (_, a, b) => `from ${fmt(a)} to ${fmt(b)}`)
    .replace(' >= ', ' ≥ ');
}

function fmt(ms: string): string {
  return formatDuration(Number(ms));
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
