/**
 * The task book each simulated provider keeps: its tasks by id and the scripts queued for the next
 * tasks to be submitted.
 */
import { describe } from './check.js';
import type { SimulatedTaskView } from './lifecycle.js';

/** How a test scripts a provider's tasks and looks at them. */
export interface ScriptableProvider<TScript, TView = SimulatedTaskView> {
  /**
   * Scripts the next task submitted to this provider (scripts queue up: the first call applies to the
   * next task, the second to the one after). Fields left out are drawn from the defaults.
   */
  script(script: TScript): void;
  /** Changes an existing task's script (fields left out keep their value; times still count from its creation). */
  script(taskId: string, script: TScript): void;
  /** The task as the simulator sees it now, or `undefined` for an unknown id. */
  task(taskId: string): TView | undefined;
  /** Every task, oldest first. */
  tasks(): TView[];
}

/** The tasks of one provider and its queue of scripts. */
export class TaskBook<TScript extends object, TTask> {
  readonly #tasks = new Map<string, TTask>();
  #queue: TScript[] = [];

  constructor(
    private readonly name: string,
    private readonly check: (name: string, script: unknown) => TScript,
    private readonly patch: (task: TTask, script: TScript) => void,
  ) {}

  /** `script(s)` queues for the next task; `script(id, s)` patches a task. */
  script(first: unknown, second?: unknown): void {
    if (typeof first === 'string') {
      const task = this.#tasks.get(first);
      if (task === undefined) throw new RangeError(`${this.name}.script: no task with that id`);
      this.patch(task, this.check(`${this.name}.script`, second ?? {}));
      return;
    }
    if (second !== undefined)
      throw new TypeError(`${this.name}.script(taskId, script) needs a string task id first, got ${describe(first)}`);
    this.#queue.push(this.check(`${this.name}.script`, first));
  }

  /** The next queued script, or an empty one. */
  next(): TScript {
    return this.#queue.shift() ?? ({} as TScript);
  }

  /** Files a new task under its id. */
  add(id: string, task: TTask): void {
    this.#tasks.set(id, task);
  }

  /** The task with that id, or `undefined`. */
  get(id: string): TTask | undefined {
    return this.#tasks.get(id);
  }

  /** Every task, oldest first. */
  all(): TTask[] {
    return [...this.#tasks.values()];
  }

  /** How many tasks it holds. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Forgets the oldest task. */
  dropOldest(): void {
    const first = this.#tasks.keys().next();
    if (!first.done) this.#tasks.delete(first.value);
  }

  /** Forgets every task and queued script. */
  reset(): void {
    this.#tasks.clear();
    this.#queue = [];
  }

  /** The `script` / `task` / `tasks` part of a provider handle, with tasks seen through `view`. */
  scriptable<TView>(view: (task: TTask) => TView): ScriptableProvider<TScript, TView> {
    return {
      script: (first: unknown, second?: unknown) => this.script(first, second),
      task: (id: string) => {
        const task = typeof id === 'string' ? this.#tasks.get(id) : undefined;
        return task === undefined ? undefined : view(task);
      },
      tasks: () => this.all().map(view),
    };
  }
}

/** Parses a JSON request body; `{ ok: false }` when it is empty or not JSON. */
export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** True for a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 3339 in UTC with nanoseconds, trailing zeros trimmed, as Go's `RFC3339Nano` writes it (MEF). */
export function rfc3339Nano(ms: number, extraNanos: number): string {
  const iso = new Date(ms).toISOString(); // 2023-08-23T17:06:56.280Z
  const fraction = `${iso.slice(20, 23)}${String(Math.floor(extraNanos) % 1_000_000).padStart(6, '0')}`.replace(
    /0+$/,
    '',
  );
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** ISO 8601 at a fixed offset without fractions, e.g. `2022-07-12T10:33:35+08:00` (Explorer task times). */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
