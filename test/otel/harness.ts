import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { type GuanceLogmine, type GuanceLogmineOptions, guanceLogmine } from '../../src/providers/guance/index.js';
import { instrument, type Instrumentation } from '../../src/otel/index.js';
import { nockClock } from '../helpers/nock-clock.js';

/**
 * What the taskpoll/otel tests share: the OpenTelemetry SDK with its in-memory span exporter and a
 * metric reader collected on demand, `instrument()` over them, and Guance's logmine API scripted with
 * nock in fake time (test/helpers/nock-clock.ts).
 */

export const API_KEY = 'df-canary-7f3e91c2b4a85d60';
export const BASE = 'https://openapi.guance.com';
export const QUERY = '/api/v1/logmine/query_task';
export const TASK_ID = 'logminetaskchcbedk24lokg5cqfdb0';
export const PROVIDER = 'guance.logmine';

/** A query_task answer with `taskStatus` set to `word`. */
export function statusBody(word: string): Record<string, unknown> {
  return {
    code: 200,
    content: { data: [], docCount: 0, taskStatus: word },
    errorCode: '',
    message: '',
    success: true,
    traceId: '1',
  };
}

/** A Guance error envelope. */
export function errorBody(code: number, errorCode: string, message = ''): Record<string, unknown> {
  return { code, content: null, errorCode, message, success: false, traceId: '2' };
}

/** The API, answering only requests that carry the key. */
export const api = () => nock(BASE, { reqheaders: { 'DF-API-KEY': API_KEY } });

/** A metric reader the tests collect from when they choose. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export const clock = nockClock();

/** The SDK, `instrument()` over it, and the set-up; call once at the top of a test file. */
export function useOtel() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const adapters: GuanceLogmine[] = [];
  let reader = new TestReader();
  let otel: Instrumentation | undefined;
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    nock.disableNetConnect();
  });
  afterAll(() => {
    context.disable();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    exporter.reset();
    reader = new TestReader();
    otel = instrument({ tracerProvider, meterProvider: new MeterProvider({ readers: [reader] }) });
  });
  afterEach(() => {
    otel?.disable();
    for (const adapter of adapters.splice(0)) adapter.close();
    clock.reset();
    nock.cleanAll();
    vi.useRealTimers();
  });

  return {
    tracerProvider,
    /** The handle of this test's `instrument()`. */
    get otel(): Instrumentation {
      return otel as Instrumentation;
    },
    /** A logmine adapter over nock, closed after the test. */
    logmine(options: Partial<GuanceLogmineOptions> = {}): GuanceLogmine {
      const adapter = guanceLogmine({ apiKey: API_KEY, axios: clock.axios(), ...options });
      adapters.push(adapter);
      return adapter;
    },
    /** The spans ended so far. */
    spans(): ReadableSpan[] {
      return exporter.getFinishedSpans();
    },
    /** The metrics recorded so far, by name. */
    async metrics(): Promise<Metrics> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return new Metrics(resourceMetrics);
    },
  };
}

/** Collected metrics, read by name. */
export class Metrics {
  constructor(private readonly collected: ResourceMetrics) {}

  /** The metric's data points (none when it was never recorded). */
  points(name: string): DataPoint<number | Histogram>[] {
    const metric = this.collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  }

  /** The metric's unit. */
  unit(name: string): string | undefined {
    return this.collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)?.descriptor
      .unit;
  }

  /** Its points as `{ attributes, value }` (a histogram's value: its count and sum). */
  values(name: string): { attributes: Record<string, unknown>; value: unknown }[] {
    return this.points(name).map((p) => ({
      attributes: { ...p.attributes },
      value: typeof p.value === 'number' ? p.value : { count: p.value.count, sum: p.value.sum },
    }));
  }
}

/** The spans named `name`. */
export const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
