/**
 * What a durable wait stores in its BullMQ job, and how it is checked when read back: job data is
 * input like any other (another process, or a hand edit, may have written it).
 *
 * @internal
 * @module
 */
import { normalizeWaitOptions } from '../core/options.js';
import { WAIT_DEFAULTS, type WaitOptions, type WaitSnapshot } from '../index.js';
import { describe } from '../internal/checks.js';
import { jsonProblem } from '../internal/json.js';

/**
 * The options of a durable wait: the JSON-safe part of `WaitOptions` (no callbacks, no signal: the
 * wait runs in a worker process), plus the job's id.
 */
export type DurableWaitOptions = Pick<
  WaitOptions,
  | 'timeoutMs'
  | 'deadline'
  | 'initialDelayMs'
  | 'maxDelayMs'
  | 'factor'
  | 'jitter'
  | 'progressAware'
  | 'requestTimeoutMs'
  | 'retry'
  | 'acceptPartial'
> & {
  /**
   * The job's id: adding a wait with an id the queue already holds returns that wait and starts no
   * second one, so a retried `add` is safe. A non-empty string without `:`; BullMQ's own id when left out.
   */
  jobId?: string;
};

/** The wait options kept in the job: every one but `timeoutMs` (turned into `deadline` at `add`). */
export type StoredWaitOptions = Omit<DurableWaitOptions, 'jobId' | 'timeoutMs' | 'deadline'> & {
  /** The wait's deadline in epoch ms, fixed when the wait was added; `null` for none. */
  deadline: number | null;
};

/** A durable wait's job data. */
export interface WaitJobData {
  /** The adapter's `provider`: the worker polls with its adapter of that name. */
  provider: string;
  /** The task ref, JSON-safe. */
  ref: unknown;
  /** The wait's options. */
  options: StoredWaitOptions;
  /** The wait after its last poll; absent before the first. */
  snapshot?: WaitSnapshot;
  /** How the wait ended in error, as data (see `rebuildError`); absent otherwise. */
  error?: Record<string, unknown>;
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'timeoutMs',
  'deadline',
  'initialDelayMs',
  'maxDelayMs',
  'factor',
  'jitter',
  'progressAware',
  'requestTimeoutMs',
  'retry',
  'acceptPartial',
  'jobId',
]);

/**
 * Checks what `add` was given, before anything is written: a `TypeError` or `RangeError` naming the
 * bad argument, with the library's own option rules (those `pollTask` applies).
 */
export function jobDataOf(provider: unknown, ref: unknown, options: unknown, now: number): WaitJobData {
  if (typeof provider !== 'string' || provider.trim() === '') {
    throw new TypeError(`provider must be a non-empty string, got ${describe(provider)}`);
  }
  const problem = jsonProblem(ref, 'ref');
  if (problem !== undefined) throw new TypeError(`${problem}: a durable wait's ref must be JSON-safe`);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const given = (options ?? {}) as DurableWaitOptions;
  for (const key of Object.keys(given)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(
        `options.${key.slice(0, 40)} is not an option of a durable wait (callbacks and signals stay in-process)`,
      );
    }
  }
  const { jobId, ...waitOptions } = given;
  if (jobId !== undefined && (typeof jobId !== 'string' || jobId === '' || jobId.includes(':'))) {
    throw new TypeError(`jobId must be a non-empty string without ":", got ${describe(jobId)}`);
  }
  const retryProblem = jsonProblem(waitOptions.retry ?? null, 'options.retry');
  if (retryProblem !== undefined) throw new TypeError(retryProblem);
  normalizeWaitOptions(waitOptions);
  const { timeoutMs, deadline, ...rest } = waitOptions;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const fixed = at ?? (timeoutMs === Number.POSITIVE_INFINITY ? null : now + (timeoutMs ?? WAIT_DEFAULTS.timeoutMs));
  return { provider, ref, options: { ...rest, deadline: fixed } };
}

/**
 * Checks job data read back from Redis before a poll: its shape here, its snapshot and options by the
 * core's rules when the worker resumes it. Throws `TypeError` naming what is wrong.
 */
export function checkJobData(value: unknown): WaitJobData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`durable wait job data must be an object, got ${describe(value)}`);
  }
  const data = value as Record<string, unknown>;
  if (typeof data['provider'] !== 'string' || data['provider'] === '') {
    throw new TypeError(
      `durable wait job data: provider must be a non-empty string, got ${describe(data['provider'])}`,
    );
  }
  const options = data['options'];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`durable wait job data: options must be an object, got ${describe(options)}`);
  }
  const deadline = (options as Record<string, unknown>)['deadline'];
  if (deadline !== null && !Number.isFinite(deadline)) {
    throw new TypeError(`durable wait job data: options.deadline must be epoch ms or null, got ${describe(deadline)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) || key === 'jobId' || key === 'timeoutMs') {
      throw new TypeError(`durable wait job data: unknown option "${key.slice(0, 40)}"`);
    }
  }
  return data as unknown as WaitJobData;
}
