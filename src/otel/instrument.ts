import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import {
  type Attributes,
  context,
  isSpanContextValid,
  type Link,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  trace,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import pkg from '../../package.json' with { type: 'json' };
import {
  type CancelMessage,
  DIAGNOSTIC_CHANNELS,
  type PacingMessage,
  type PollContext,
  type RetryMessage,
  type WaitContext,
} from '../core/diagnostics.js';
import { describe, rejectUnknownKeys } from '../internal/checks.js';
import { type Instruments, makeInstruments, providerAttributes } from './metrics.js';
import { errorType, failSpan, OpenWaits } from './spans.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

/** What {@link instrument} records with. */
export interface InstrumentOptions {
  /**
   * Where the spans go.
   * @default trace.getTracerProvider() — the global one from `@opentelemetry/api`
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the metrics go.
   * @default metrics.getMeterProvider() — the global one from `@opentelemetry/api`
   */
  meterProvider?: MeterProvider;
}

/** The handle {@link instrument} returns. */
export interface Instrumentation {
  /**
   * Stops recording: unsubscribes from every channel, so no span starts and no metric is recorded
   * after it. Spans still open end at once (with no outcome), and the waits under way leave
   * `taskpoll.waits.active`. Calling it again does nothing.
   */
  disable(): void;
}

/** The instrumentation scope name of the tracer and the meter. */
const SCOPE = 'taskpoll';
const KNOWN = new Set(['tracerProvider', 'meterProvider']);

/**
 * Turns taskpoll's diagnostics channels into OpenTelemetry traces and metrics: one INTERNAL span per
 * wait (`taskpoll.wait <provider>`, a child of the span active where the wait was called), one child
 * span per poll request (`taskpoll.poll <provider>`), and the metrics `taskpoll.wait.duration`,
 * `taskpoll.waits.active`, `taskpoll.polls`, `taskpoll.retries` and `taskpoll.pacing.queued`.
 * A wait resumed from a snapshot links to the span of the wait that took it.
 *
 * Bad options are a `TypeError`. Each call subscribes once more: call it once per process.
 *
 * @example
 * ```ts
 * import { instrument } from 'taskpoll/otel';
 * const otel = instrument(); // the global tracer and meter providers
 * // … waits are traced and measured …
 * otel.disable();
 * ```
 */
export function instrument(options: InstrumentOptions = {}): Instrumentation {
  const { tracerProvider, meterProvider } = checkInstrumentOptions(options);
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE, pkg.version);
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE, pkg.version);
  return new Subscriber(tracer, makeInstruments(meter)).subscribe();
}

function checkInstrumentOptions(options: unknown): InstrumentOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`instrument options must be an object, got ${describe(options)}`);
  }
  rejectUnknownKeys(options, 'instrument', KNOWN);
  const { tracerProvider, meterProvider } = options as Record<string, unknown>;
  checkProvider('tracerProvider', tracerProvider, 'getTracer');
  checkProvider('meterProvider', meterProvider, 'getMeter');
  return options as InstrumentOptions;
}

function checkProvider(name: string, value: unknown, method: string): void {
  if (value === undefined) return;
  const fn = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[method] : undefined;
  if (typeof fn !== 'function') {
    throw new TypeError(`instrument option "${name}" must have a ${method}() method, got ${describe(value)}`);
  }
}

/** The handlers of a `TracingChannel`, as `subscribe` and `unsubscribe` take them. */
interface TracingHandlers<C> {
  start(ctx: C): void;
  end(ctx: C): void;
  asyncStart(ctx: C): void;
  asyncEnd(ctx: C): void;
  error(ctx: C): void;
}

/** One `instrument()`: its spans under way and its channel handlers. */
class Subscriber {
  private readonly waits = new OpenWaits();
  private readonly polls = new Map<PollContext, Span>();
  private readonly waitChannel = tracingChannel<unknown, WaitContext>(DIAGNOSTIC_CHANNELS.wait);
  private readonly pollChannel = tracingChannel<unknown, PollContext>(DIAGNOSTIC_CHANNELS.poll);
  private readonly plain: [string, (message: unknown) => void][] = [
    [DIAGNOSTIC_CHANNELS.retry, (m) => this.onRetry(m as RetryMessage)],
    [DIAGNOSTIC_CHANNELS.pacing, (m) => this.onPacing(m as PacingMessage)],
    [DIAGNOSTIC_CHANNELS.cancel, (m) => this.onCancel(m as CancelMessage)],
  ];
  private readonly waitHandlers: TracingHandlers<WaitContext>;
  private readonly pollHandlers: TracingHandlers<PollContext>;

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: Instruments,
  ) {
    this.waitHandlers = settledHandlers(
      (ctx) => this.startWait(ctx),
      (ctx, failed) => this.endWait(ctx, failed),
    );
    this.pollHandlers = settledHandlers(
      (ctx) => this.startPoll(ctx),
      (ctx, failed) => this.endPoll(ctx, failed),
    );
  }

  subscribe(): Instrumentation {
    this.waitChannel.subscribe(this.waitHandlers);
    this.pollChannel.subscribe(this.pollHandlers);
    for (const [name, fn] of this.plain) subscribe(name, fn);
    let enabled = true;
    return {
      disable: () => {
        if (!enabled) return;
        enabled = false;
        this.unsubscribe();
      },
    };
  }

  private unsubscribe(): void {
    this.waitChannel.unsubscribe(this.waitHandlers);
    this.pollChannel.unsubscribe(this.pollHandlers);
    for (const [name, fn] of this.plain) unsubscribe(name, fn);
    for (const span of this.polls.values()) span.end();
    this.polls.clear();
    for (const wait of this.waits.drain()) {
      wait.span.end();
      this.metrics.waitsActive.add(-1, providerAttributes(wait.context.provider));
    }
  }

  private startWait(ctx: WaitContext): void {
    const { provider, taskId, resumedFrom } = ctx;
    const attributes: Attributes = { 'taskpoll.provider': provider, 'taskpoll.task.id': taskId };
    const links: Link[] = [];
    if (resumedFrom) {
      attributes['taskpoll.resumed.attempts'] = resumedFrom.attempts;
      const linked = parseTraceparent(resumedFrom.traceparent);
      if (linked) links.push({ context: linked, attributes: { 'taskpoll.link': 'resumed' } });
    }
    const span = this.tracer.startSpan(
      `taskpoll.wait ${provider}`,
      { kind: SpanKind.INTERNAL, attributes, links },
      context.active(),
    );
    const spanContext = span.spanContext();
    if (ctx.traceparent === undefined && isSpanContextValid(spanContext)) {
      ctx.traceparent = formatTraceparent(spanContext);
    }
    this.waits.add({ context: ctx, span, startedAt: performance.now() });
    this.metrics.waitsActive.add(1, providerAttributes(provider));
  }

  private endWait(ctx: WaitContext, failed: boolean): void {
    const wait = this.waits.take(ctx);
    if (!wait) return;
    const { span } = wait;
    const outcome = ctx.outcome ?? (failed ? 'error' : 'succeeded');
    span.setAttribute('taskpoll.outcome', outcome);
    if (ctx.attempts !== undefined) span.setAttribute('taskpoll.attempts', ctx.attempts);
    if (ctx.elapsedMs !== undefined) span.setAttribute('taskpoll.elapsed_ms', ctx.elapsedMs);
    if (ctx.queuedMs !== undefined) span.setAttribute('taskpoll.queued_ms', ctx.queuedMs);
    if (ctx.state !== undefined) span.setAttribute('taskpoll.state', ctx.state);
    const measured = providerAttributes(ctx.provider, { 'taskpoll.outcome': outcome });
    if (failed) measured['error.type'] = failSpan(span, ctx.error);
    span.end();
    this.metrics.waitDuration.record((performance.now() - wait.startedAt) / 1000, measured);
    this.metrics.waitsActive.add(-1, providerAttributes(ctx.provider));
  }

  private startPoll(ctx: PollContext): void {
    const parent = this.waits.get(ctx.wait)?.span;
    const active = context.active();
    const span = this.tracer.startSpan(
      `taskpoll.poll ${ctx.provider}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'taskpoll.provider': ctx.provider,
          'taskpoll.task.id': ctx.taskId,
          'taskpoll.attempt': ctx.attempt,
          'taskpoll.retry': ctx.retry,
        },
      },
      parent ? trace.setSpan(active, parent) : active,
    );
    this.polls.set(ctx, span);
  }

  private endPoll(ctx: PollContext, failed: boolean): void {
    const span = this.polls.get(ctx);
    if (!span) return;
    this.polls.delete(ctx);
    const counted = providerAttributes(ctx.provider);
    if (failed) counted['error.type'] = failSpan(span, ctx.error);
    else {
      const state = (ctx.result as { state?: unknown } | undefined)?.state;
      if (typeof state === 'string') span.setAttribute('taskpoll.state', state);
    }
    span.end();
    this.metrics.polls.add(1, counted);
  }

  private onRetry(message: RetryMessage): void {
    const type = errorType(message.error);
    this.waits.get(message.wait)?.span.addEvent('taskpoll.retry', {
      'taskpoll.attempt': message.attempt,
      'taskpoll.retry': message.retry,
      'error.type': type,
      'taskpoll.delay_ms': message.delayMs,
      'taskpoll.retry_after': message.retryAfter,
    });
    this.metrics.retries.add(1, providerAttributes(message.provider, { 'error.type': type }));
  }

  private onPacing(message: PacingMessage): void {
    if (message.kind === 'pause') {
      this.waits.addEvent(message.provider, undefined, 'taskpoll.pacing.pause', {
        'taskpoll.pause_ms': message.pauseMs,
        'taskpoll.until': new Date(message.until).toISOString(),
      });
      return;
    }
    const { provider, taskId, call, queuedMs } = message;
    this.metrics.pacingQueued.record(queuedMs / 1000, providerAttributes(provider, { 'taskpoll.call': call }));
    if (taskId !== undefined && queuedMs > 0) {
      this.waits.addEvent(provider, taskId, 'taskpoll.pacing.queued', {
        'taskpoll.call': call,
        'taskpoll.queued_ms': queuedMs,
      });
    }
  }

  private onCancel(message: CancelMessage): void {
    const attributes: Attributes = { 'taskpoll.cancel.ok': message.ok, 'taskpoll.duration_ms': message.durationMs };
    if (message.error) attributes['error.type'] = errorType(message.error);
    // A cancel can settle after its wait has ended: its span then takes no more events.
    const span = this.waits.get(message.wait)?.span;
    if (span?.isRecording()) span.addEvent('taskpoll.cancel', attributes);
  }
}

/**
 * A `TracingChannel`'s handlers for spans that end when the traced call settles: at `asyncEnd` for a
 * promise, or at `end` when the call threw before returning one (its `error` then came first).
 */
function settledHandlers<C extends object>(
  start: (ctx: C) => void,
  finish: (ctx: C, failed: boolean) => void,
): TracingHandlers<C> {
  const failed = new WeakSet<C>();
  return {
    start,
    end: (ctx) => {
      if (failed.has(ctx)) finish(ctx, true);
    },
    asyncStart: () => {},
    asyncEnd: (ctx) => finish(ctx, failed.has(ctx)),
    error: (ctx) => {
      failed.add(ctx);
    },
  };
}
