import { inspect } from 'node:util';

/** The `code` of every error taskpoll throws, one per error class. */
export type TaskPollErrorCode =
  | 'TASK_FAILED'
  | 'TASK_TIMEOUT'
  | 'TASK_ABORTED'
  | 'TASK_NOT_FOUND'
  | 'AUTHENTICATION_FAILED'
  | 'PROVIDER_ERROR'
  | 'RESPONSE_VALIDATION_FAILED'
  | 'NETWORK_ERROR'
  | 'HTTP_ERROR'
  | 'ADAPTER_ERROR'
  | 'CALLBACK_FAILED';

/** What every taskpoll error is constructed with. */
export interface TaskPollErrorOptions {
  /** The adapter's provider name, e.g. `'guance.logmine'`. */
  provider?: string | undefined;
  /** The task the error is about, when there is one. */
  taskId?: string | undefined;
  /** The underlying failure (never a raw HTTP client error: those carry request headers). */
  cause?: unknown;
  /**
   * True when retrying the same request may succeed (network failure, 5xx, 429, a provider's
   * rate-limit code). The poller retries these inside its retry budget.
   * @default false
   */
  transient?: boolean | undefined;
  /** How long the server asked us to wait before trying again (from `Retry-After` or similar), in ms. */
  retryAfterMs?: number | undefined;
}

/**
 * The base class of every error taskpoll throws. Narrow with `error.code` or the `is…` guards.
 *
 * taskpoll never puts a credential in messages, fields, `toJSON()` or `util.inspect()` output; the
 * provider text they quote has every credential of at least 16 characters masked (src/internal/redact.ts).
 */
export abstract class TaskPollError extends Error {
  /** Discriminant: one value per subclass. */
  abstract readonly code: TaskPollErrorCode;
  /** The adapter's provider name, when known. */
  readonly provider: string | undefined;
  /** The task the error is about, when known. */
  readonly taskId: string | undefined;
  /** True when the same request may succeed if tried again. */
  readonly transient: boolean;
  /** How long the server asked us to wait before trying again, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: TaskPollErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.provider = options.provider;
    this.taskId = options.taskId;
    this.transient = options.transient ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain, credential-free object for logs. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value !== undefined && key !== 'cause') out[key] = value;
    }
    if (this.cause !== undefined) out['cause'] = describeCause(this.cause);
    return out;
  }

  /** Keeps `util.inspect` (and so `console.log`) output to the same safe fields. */
  [inspect.custom](depth: number, options: { stylize?: unknown }, inspectFn: typeof inspect = inspect): string {
    const fields = this.toJSON();
    delete fields['name'];
    delete fields['message'];
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspectFn(fields, { ...options, depth })}`;
  }
}

function describeCause(cause: unknown): unknown {
  if (cause instanceof TaskPollError) return cause.toJSON();
  // Errors, and error-shaped objects (errors from another realm, or test runners' serialized clones).
  if (
    cause instanceof Error ||
    (typeof cause === 'object' && cause !== null && typeof (cause as Error).message === 'string')
  ) {
    const { name, message, code } = cause as { name?: unknown; message: string; code?: unknown };
    const out: Record<string, unknown> = { name: typeof name === 'string' ? name : 'Error', message };
    if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
    return out;
  }
  if (cause === null || ['string', 'number', 'boolean'].includes(typeof cause)) return cause;
  // Never String() an object: a null-prototype one throws (toJSON must not), a custom toString may print anything.
  return typeof cause === 'object' || typeof cause === 'function'
    ? Object.prototype.toString.call(cause)
    : String(cause);
}
