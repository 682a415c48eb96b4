/**
 * What one `instrument()` keeps per wait and per poll: their spans, and the waits under way by provider
 * (for the events that name a provider or a task but no wait).
 * @internal
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { isTaskPollError } from '../core/errors/index.js';
import type { WaitContext } from '../core/diagnostics.js';

/** A wait under way: its span and when it started (`performance.now()`, for its duration). */
export interface OpenWait {
  readonly context: WaitContext;
  readonly span: Span;
  readonly startedAt: number;
}

/**
 * The `error.type` of a failure: a `TaskPollError`'s code (`TASK_TIMEOUT`, `NETWORK_ERROR`, …), else the
 * error's class name; never its message, which may quote a provider's text.
 */
export function errorType(error: unknown): string {
  if (isTaskPollError(error)) return error.code;
  if (error instanceof Error && error.name) return error.name;
  return '_OTHER';
}

/** Marks `span` as failed with `error`: its `error.type` attributes and an ERROR status naming the code. */
export function failSpan(span: Span, error: unknown): string {
  const type = errorType(error);
  span.setAttributes({ 'error.type': type, 'taskpoll.error.code': type });
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  return type;
}

/** The waits under way, by provider. */
export class OpenWaits {
  private readonly byProvider = new Map<string, Set<OpenWait>>();
  private readonly byContext = new WeakMap<WaitContext, OpenWait>();

  add(wait: OpenWait): void {
    const { provider } = wait.context;
    const set = this.byProvider.get(provider) ?? new Set<OpenWait>();
    this.byProvider.set(provider, set.add(wait));
    this.byContext.set(wait.context, wait);
  }

  /** The open wait of `context`, removed (so a wait is finished once). */
  take(context: WaitContext): OpenWait | undefined {
    const wait = this.byContext.get(context);
    if (!wait) return undefined;
    this.byContext.delete(context);
    this.byProvider.get(wait.context.provider)?.delete(wait);
    return wait;
  }

  get(context: WaitContext): OpenWait | undefined {
    return this.byContext.get(context);
  }

  /** Adds an event to the open waits of `provider` (only those of `taskId`, when given). */
  addEvent(provider: string, taskId: string | undefined, name: string, attributes: Attributes): void {
    for (const wait of this.byProvider.get(provider) ?? []) {
      if (taskId === undefined || wait.context.taskId === taskId) wait.span.addEvent(name, attributes);
    }
  }

  /** Every open wait, removed. */
  drain(): OpenWait[] {
    const all = [...this.byProvider.values()].flatMap((set) => [...set]);
    for (const wait of all) this.take(wait.context);
    return all;
  }
}
