// OpenTelemetry: a span per wait and per poll, and metrics of every wait, from taskpoll/otel. Runs
// against the local simulator: npx tsx examples/otel.ts
import { pathToFileURL } from 'node:url';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { waitForTask } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { instrument } from 'taskpoll/otel';
import { startSimulator } from 'taskpoll/testing';

/** Your service's OpenTelemetry set-up (in-memory exporters here; an OTLP exporter in production). */
function setUpOpenTelemetry() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  // Once, at start-up. With no options, instrument() uses the global providers (what sdk-node registers).
  const otel = instrument({ tracerProvider, meterProvider });
  return { otel, spans, tracerProvider, exported, reader, meterProvider };
}

export async function main() {
  const { otel, spans, tracerProvider, exported, reader, meterProvider } = setUpOpenTelemetry();
  const sim = await startSimulator({ timeScale: 60 });
  const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: sim.guance.pacing });
  try {
    const now = Date.now();
    const taskId = await logmine.submit({ analysisField: 'message', timeRange: [now - 15 * 60_000, now] });
    await waitForTask(logmine, taskId, { initialDelayMs: 200 });
  } finally {
    otel.disable(); // at shutdown: no span or metric after it
    logmine.close();
    await sim.close();
  }

  await reader.forceFlush();
  const finished = spans.getFinishedSpans();
  for (const span of finished) {
    console.log(span.name, span.attributes['taskpoll.attempt'] ?? span.attributes['taskpoll.outcome']);
  }
  const metrics = exported.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  console.log(metrics.map((m) => `${m.descriptor.name} (${m.descriptor.unit})`).join(', '));
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  return { spans: finished, metrics: metrics.map((m) => m.descriptor.name) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
