/**
 * Task lifecycles shared by the four simulated providers: a task is queued for `queuedMs`, runs for
 * `durationMs` along a progress curve, then ends with its scripted outcome. Everything is a pure
 * function of the task's creation time and the simulated clock at the moment a request arrives.
 */
import type { TaskState } from '../core/status.js';
import { checkMs, checkNumber, checkObject, checkString, describe } from './check.js';
import type { Random } from './random.js';

/**
 * How a running task advances, as a function from the elapsed fraction of its running time (0..1) to
 * its completed fraction (0..1):
 * - `'linear'`: steady.
 * - `'ease-in'`: slow start, fast end (f²).
 * - `'ease-out'`: fast start, slow end.
 * - `'stall-then-jump'`: creeps up to 10 % for 90 % of the time, then jumps to done.
 * - a function: your own curve; results are clamped to 0..1 (NaN counts as 0).
 *
 * Providers show it where they can: MEF as `progress` (files received), DataArts as finished
 * sub-tasks, Explorer as finished tasks of a job. Guance reports no progress.
 */
export type ProgressCurve = 'linear' | 'ease-in' | 'ease-out' | 'stall-then-jump' | ((fraction: number) => number);

/** The named progress curves. */
export const PROGRESS_CURVES = ['linear', 'ease-in', 'ease-out', 'stall-then-jump'] as const;

/** A default duration: a fixed number of simulated ms, or `[min, max]` drawn with the seeded random. */
export type DurationRange = number | readonly [min: number, max: number];

/** What every task script has; each provider adds its own result fields. */
export interface TaskScriptBase<TOutcome extends string> {
  /** Simulated ms the task waits before it runs (shown where the provider has a queued state). */
  queuedMs?: number;
  /** Simulated ms the task runs before it ends. */
  durationMs?: number;
  /** How it ends. */
  outcome?: TOutcome;
  /** How its progress advances. @default 'linear' */
  progress?: ProgressCurve;
  /** The provider's message or reason text for a failed (or partial) end. */
  message?: string;
}

/**
 * What tasks that nobody scripted do. Ranges are drawn with the simulator's seeded random, so a run
 * with the same `seed` plays the same way.
 */
export interface TaskDefaults<TOutcome extends string> {
  /** Simulated ms queued. */
  queuedMs?: DurationRange;
  /** Simulated ms running. */
  durationMs?: DurationRange;
  /** The outcome, or weights to draw it by, e.g. `{ succeeded: 0.9, failed: 0.1 }`. @default 'succeeded' */
  outcome?: TOutcome | Partial<Record<TOutcome, number>>;
  /** The progress curve. @default 'linear' */
  progress?: ProgressCurve;
}

/** Defaults after checks. */
export interface ResolvedDefaults<TOutcome extends string> {
  queuedMs: DurationRange;
  durationMs: DurationRange;
  outcome: TOutcome | Partial<Record<TOutcome, number>>;
  progress: ProgressCurve;
}

/** The lifecycle part of a script after defaults and checks. */
export interface Lifecycle<TOutcome extends string> {
  createdAt: number;
  queuedMs: number;
  durationMs: number;
  outcome: TOutcome;
  curve: ProgressCurve;
  message: string | undefined;
}

/** Where a task is at one moment. */
export type Phase =
  | { kind: 'queued' }
  | {
      kind: 'running';
      /** elapsed fraction of the running time */
      fraction: number;
      /** completed fraction, from the curve */
      done: number;
    }
  | { kind: 'ended' };

/** The state of a simulated task as the simulator sees it, for test assertions (`sim.guance.task(id)` etc.). */
export interface SimulatedTaskView {
  /** The provider's task id (Explorer: the job id, as a string). */
  id: string;
  /** The normalized state the adapter should report right now. */
  state: TaskState;
  /** The provider's own word or code the simulator answers right now. */
  providerState: string;
  /** 0..100 where the provider reports progress. */
  progress?: number;
  /** When it was created (submitted), in simulated time. */
  createdAt: Date;
  /** When it starts (or started) running, in simulated time. */
  startedAt: Date;
  /** When it ends (or ended), in simulated time. */
  finishedAt: Date;
}

const BASE_KEYS = ['queuedMs', 'durationMs', 'outcome', 'progress', 'message'] as const;

/** The keys every script takes, for provider key checks. */
export const SCRIPT_BASE_KEYS: readonly string[] = BASE_KEYS;

/** Checks provider defaults. */
export function resolveDefaults<TOutcome extends string>(
  name: string,
  value: unknown,
  outcomes: readonly TOutcome[],
  fallback: { queuedMs: DurationRange; durationMs: DurationRange },
): ResolvedDefaults<TOutcome> {
  const given = checkObject<TaskDefaults<TOutcome>>(name, value, ['queuedMs', 'durationMs', 'outcome', 'progress']);
  return {
    queuedMs: checkRange(`${name}.queuedMs`, given.queuedMs, fallback.queuedMs),
    durationMs: checkRange(`${name}.durationMs`, given.durationMs, fallback.durationMs),
    outcome: checkOutcomeDefault(`${name}.outcome`, given.outcome, outcomes),
    progress: checkCurve(`${name}.progress`, given.progress, 'linear'),
  };
}

/** Checks the base fields of a script given by a test (provider keys are checked by the provider). */
export function checkScriptBase<TOutcome extends string>(
  name: string,
  script: TaskScriptBase<TOutcome>,
  outcomes: readonly TOutcome[],
): void {
  checkMs(`${name}.queuedMs`, script.queuedMs, 0);
  checkMs(`${name}.durationMs`, script.durationMs, 0);
  if (script.outcome !== undefined && !outcomes.includes(script.outcome)) {
    throw new RangeError(`${name}.outcome must be one of ${outcomes.join(', ')}, got ${describe(script.outcome)}`);
  }
  checkCurve(`${name}.progress`, script.progress, 'linear');
  checkString(`${name}.message`, script.message, '');
}

/** A script's lifecycle: what the script says, the rest drawn from the defaults. */
export function resolveLifecycle<TOutcome extends string>(
  script: TaskScriptBase<TOutcome>,
  defaults: ResolvedDefaults<TOutcome>,
  random: Random,
  createdAt: number,
): Lifecycle<TOutcome> {
  return {
    createdAt,
    queuedMs: script.queuedMs ?? draw(defaults.queuedMs, random),
    durationMs: script.durationMs ?? draw(defaults.durationMs, random),
    outcome: script.outcome ?? drawOutcome(defaults.outcome, random),
    curve: script.progress ?? defaults.progress,
    message: script.message,
  };
}

/** Applies a later script to a task's lifecycle (fields left out keep their value). */
export function patchLifecycle<TOutcome extends string>(
  life: Lifecycle<TOutcome>,
  script: TaskScriptBase<TOutcome>,
): void {
  if (script.queuedMs !== undefined) life.queuedMs = script.queuedMs;
  if (script.durationMs !== undefined) life.durationMs = script.durationMs;
  if (script.outcome !== undefined) life.outcome = script.outcome;
  if (script.progress !== undefined) life.curve = script.progress;
  if (script.message !== undefined) life.message = script.message;
}

/** When the task starts running, in simulated ms. */
export function startOf(life: Lifecycle<string>): number {
  return life.createdAt + life.queuedMs;
}

/** When the task ends, in simulated ms. */
export function endOf(life: Lifecycle<string>): number {
  return life.createdAt + life.queuedMs + life.durationMs;
}

/** Where the task is at simulated time `now`. */
export function phaseAt(life: Lifecycle<string>, now: number): Phase {
  const start = startOf(life);
  if (now < start) return { kind: 'queued' };
  if (now >= endOf(life)) return { kind: 'ended' };
  const fraction = life.durationMs === 0 ? 1 : (now - start) / life.durationMs;
  return { kind: 'running', fraction, done: curveAt(life.curve, fraction) };
}

/** The completed fraction (0..1) a curve gives at an elapsed fraction. */
export function curveAt(curve: ProgressCurve, fraction: number): number {
  const f = Math.min(1, Math.max(0, fraction));
  let value: number;
  switch (curve) {
    case 'linear':
      value = f;
      break;
    case 'ease-in':
      value = f * f;
      break;
    case 'ease-out':
      value = 1 - (1 - f) * (1 - f);
      break;
    case 'stall-then-jump':
      value = f < 0.9 ? (0.1 * f) / 0.9 : 1;
      break;
    default:
      value = curve(f);
  }
  return Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
}

/**
 * The simulated time at which the completed fraction first reaches `target` (0..1), found by
 * bisection over the running time (exact for monotone curves; a fair answer for others).
 */
export function timeAtDone(life: Lifecycle<string>, target: number): number {
  const start = startOf(life);
  if (target <= 0) return start;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i += 1) {
    const mid = (lo + hi) / 2;
    if (curveAt(life.curve, mid) >= target - 1e-12) hi = mid;
    else lo = mid;
  }
  return Math.round(start + hi * life.durationMs);
}

/** How many of `count` steps are done at a completed fraction. */
export function stepsDone(done: number, count: number): number {
  return Math.min(count, Math.floor(done * count + 1e-9));
}

function draw(range: DurationRange, random: Random): number {
  if (typeof range === 'number') return range;
  const [min, max] = range;
  return Math.round(min + random.next() * (max - min));
}

function drawOutcome<TOutcome extends string>(
  value: TOutcome | Partial<Record<TOutcome, number>>,
  random: Random,
): TOutcome {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value) as [TOutcome, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [outcome, weight] of entries) {
    roll -= weight;
    if (roll < 0) return outcome;
  }
  return (entries[entries.length - 1] as [TOutcome, number])[0];
}

function checkRange(name: string, value: unknown, fallback: DurationRange): DurationRange {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return checkMs(name, value, 0);
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`${name} must be a number of ms or a [min, max] pair, got ${describe(value)}`);
  }
  const min = checkMs(`${name}[0]`, value[0], 0);
  const max = checkMs(`${name}[1]`, value[1], 0);
  if (max < min) throw new RangeError(`${name}: max (${max}) must be ≥ min (${min})`);
  return [min, max];
}

function checkOutcomeDefault<TOutcome extends string>(
  name: string,
  value: unknown,
  outcomes: readonly TOutcome[],
): TOutcome | Partial<Record<TOutcome, number>> {
  if (value === undefined) return outcomes[0] as TOutcome;
  if (typeof value === 'string') {
    if (!(outcomes as readonly string[]).includes(value)) {
      throw new RangeError(`${name} must be one of ${outcomes.join(', ')}, got ${describe(value)}`);
    }
    return value as TOutcome;
  }
  const weights = checkObject<Record<TOutcome, number>>(name, value, outcomes);
  let total = 0;
  for (const [key, weight] of Object.entries(weights)) {
    total += checkNumber(`${name}.${key}`, weight, 0, 0, Number.MAX_SAFE_INTEGER);
  }
  if (total <= 0) throw new RangeError(`${name}: the weights must add up to more than 0`);
  return weights;
}

function checkCurve(name: string, value: unknown, fallback: ProgressCurve): ProgressCurve {
  if (value === undefined) return fallback;
  if (typeof value === 'function') return value as ProgressCurve;
  if (!(PROGRESS_CURVES as readonly unknown[]).includes(value)) {
    throw new RangeError(`${name} must be one of ${PROGRESS_CURVES.join(', ')} or a function, got ${describe(value)}`);
  }
  return value as ProgressCurve;
}
