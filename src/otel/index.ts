/**
 * taskpoll/otel: OpenTelemetry traces and metrics for taskpoll's waits.
 *
 * {@link instrument} subscribes to taskpoll's diagnostics channels (`DIAGNOSTIC_CHANNELS` in
 * `taskpoll`) and records spans and metrics with the tracer and meter providers it is given, or the
 * global ones. `@opentelemetry/api` (^1.9) is an optional peer dependency: install it to use this entry
 * point; the other entry points never load it.
 *
 * Spans: one INTERNAL span per wait, `taskpoll.wait <provider>`, a child of the span active where the
 * wait was called; one child span per poll request, `taskpoll.poll <provider>`; none for the sleeps
 * between polls. Their attributes are under `taskpoll.` (`taskpoll.provider`, `taskpoll.task.id`,
 * `taskpoll.attempts`, `taskpoll.outcome`, `taskpoll.state`, `taskpoll.elapsed_ms`,
 * `taskpoll.queued_ms`, `taskpoll.attempt` and `taskpoll.retry` on a poll), plus `error.type` (the
 * error's code) and an ERROR status on a wait or poll that failed. Retries, rate-limit pauses, time
 * queued for pacing and remote cancels are events on the wait's span. A wait's snapshots carry its
 * span's `traceparent`; a wait resumed from one links to that span. HTTP client spans come from the
 * http/undici instrumentation, not from here.
 *
 * Metrics (durations in seconds; no task id among the attributes):
 * - `taskpoll.wait.duration` (histogram, `s`): a wait from its start in this process to its end (a
 *   resumed wait's span has its whole `taskpoll.elapsed_ms`), by `taskpoll.provider`, `taskpoll.outcome`,
 *   and `error.type` when the wait failed;
 * - `taskpoll.waits.active` (up-down counter, `{wait}`): by `taskpoll.provider`;
 * - `taskpoll.polls` (counter, `{poll}`): poll requests, retries included, by `taskpoll.provider`, and
 *   `error.type` when the request failed;
 * - `taskpoll.retries` (counter, `{retry}`): by `taskpoll.provider` and `error.type`;
 * - `taskpoll.pacing.queued` (histogram, `s`): time a request queued for a pacing slot, by
 *   `taskpoll.provider` and `taskpoll.call` (`poll`, `cancel` or `call`).
 *
 * @module
 */
export { instrument } from './instrument.js';
export type { InstrumentOptions, Instrumentation } from './instrument.js';
