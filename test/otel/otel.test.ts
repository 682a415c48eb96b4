import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { defineAdapter, isTaskAbortedError, pollTask, type WaitSnapshot, waitForTask } from '../../src/index.js';
import { api, clock, errorBody, named, PROVIDER, QUERY, statusBody, TASK_ID, useOtel } from './harness.js';

const sdk = useOtel();
const WAIT_SPAN = `taskpoll.wait ${PROVIDER}`;
const POLL_SPAN = `taskpoll.poll ${PROVIDER}`;
const JSON_TYPE = { 'content-type': 'application/json' };

/** query_task answers with each of `answers` in turn: a status word, or `[httpStatus, body, headers]`. */
function script(...answers: (string | 'unavailable' | [number, unknown, Record<string, string>?])[]) {
  const scope = api();
  for (const answer of answers) {
    const route = scope.get(QUERY).query(true);
    if (answer === 'unavailable') route.reply(503, 'Service Unavailable', { 'content-type': 'text/plain' });
    else if (typeof answer === 'string') route.reply(200, statusBody(answer), JSON_TYPE);
    else route.reply(answer[0], answer[1] as Record<string, unknown>, { ...JSON_TYPE, ...answer[2] });
  }
  return scope;
}

const FAST = { initialDelayMs: 1000, jitter: 0, retry: { minDelayMs: 500 } } as const;

describe('taskpoll/otel: spans', () => {
  it('a wait with a retry: one INTERNAL wait span, a child span per poll request, the retry as an event', async () => {
    script('unavailable', 'running', 'ok');
    const done = await clock.settle(waitForTask(sdk.logmine(), TASK_ID, FAST));
    expect(done.state).toBe('succeeded');
    const spans = sdk.spans();
    const [wait] = named(spans, WAIT_SPAN);
    const polls = named(spans, POLL_SPAN);
    expect(spans).toHaveLength(4); // no span for the sleeps
    expect(wait?.kind).toBe(SpanKind.INTERNAL);
    expect(wait?.attributes).toMatchObject({
      'taskpoll.provider': PROVIDER,
      'taskpoll.task.id': TASK_ID,
      'taskpoll.outcome': 'succeeded',
      'taskpoll.state': 'succeeded',
      'taskpoll.attempts': 2,
    });
    expect(wait?.status.code).toBe(SpanStatusCode.UNSET);
    expect(polls.map((p) => [p.attributes['taskpoll.attempt'], p.attributes['taskpoll.retry']])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    for (const poll of polls) {
      expect(poll.parentSpanContext?.spanId).toBe(wait?.spanContext().spanId);
      expect(poll.spanContext().traceId).toBe(wait?.spanContext().traceId);
    }
    expect(polls[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'HTTP_ERROR' });
    expect(polls[0]?.attributes['error.type']).toBe('HTTP_ERROR');
    expect(polls.map((p) => p.attributes['taskpoll.state'])).toEqual([undefined, 'running', 'succeeded']);
    const retry = wait?.events.find((e) => e.name === 'taskpoll.retry');
    expect(retry?.attributes).toMatchObject({
      'taskpoll.attempt': 1,
      'taskpoll.retry': 1,
      'error.type': 'HTTP_ERROR',
      'taskpoll.retry_after': false,
    });
  });

  it('the wait span is a child of the span active where waitForTask was called', async () => {
    script('ok');
    const tracer = sdk.tracerProvider.getTracer('test');
    await clock.settle(
      tracer.startActiveSpan('caller', (span) => waitForTask(sdk.logmine(), TASK_ID).finally(() => span.end())),
    );
    const [caller] = named(sdk.spans(), 'caller');
    const [wait] = named(sdk.spans(), WAIT_SPAN);
    const [poll] = named(sdk.spans(), POLL_SPAN);
    expect(wait?.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId);
    expect(wait?.spanContext().traceId).toBe(caller?.spanContext().traceId);
    expect(poll?.parentSpanContext?.spanId).toBe(wait?.spanContext().spanId);
  });

  it('a rate-limit answer: the poll fails with its code, the pause is an event, the retry waits it out', async () => {
    script([401, errorBody(401, 'ft.TriggerApiAkCurrentLimiting', 'too many requests'), { 'Retry-After': '7' }], 'ok');
    await clock.settle(waitForTask(sdk.logmine(), TASK_ID, FAST));
    const [wait] = named(sdk.spans(), WAIT_SPAN);
    const polls = named(sdk.spans(), POLL_SPAN);
    expect(polls.map((p) => p.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(polls[0]?.attributes['error.type']).toBe('PROVIDER_ERROR');
    const events = Object.fromEntries(wait?.events.map((e) => [e.name, e.attributes]) ?? []);
    expect(events['taskpoll.retry']).toMatchObject({ 'taskpoll.retry_after': true, 'taskpoll.delay_ms': 7000 });
    expect(events['taskpoll.pacing.pause']).toMatchObject({ 'taskpoll.pause_ms': 7000 });
    expect(wait?.attributes['taskpoll.outcome']).toBe('succeeded');
  });

  it('a timeout: the wait span ends with status ERROR and the code, outcome timeout', async () => {
    script('running', 'running', 'running', 'running', 'running');
    const error = await clock.failure(
      waitForTask(sdk.logmine(), TASK_ID, { ...FAST, maxDelayMs: 1000, timeoutMs: 2500 }),
    );
    expect(error).toMatchObject({ code: 'TASK_TIMEOUT' });
    const [wait] = named(sdk.spans(), WAIT_SPAN);
    expect(wait?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TASK_TIMEOUT' });
    expect(wait?.attributes).toMatchObject({
      'taskpoll.outcome': 'timeout',
      'error.type': 'TASK_TIMEOUT',
      'taskpoll.error.code': 'TASK_TIMEOUT',
    });
    expect(named(sdk.spans(), POLL_SPAN).length).toBeGreaterThanOrEqual(2);
  });

  it('an abort: status ERROR, outcome aborted; a wait resumed from its snapshot links to its span', async () => {
    script('running', 'running', 'ok');
    const logmine = sdk.logmine();
    const controller = new AbortController();
    const onProgress = (_: unknown, info: { attempt: number }) => {
      if (info.attempt === 1) controller.abort();
    };
    const error = await clock.failure(
      waitForTask(logmine, TASK_ID, { ...FAST, signal: controller.signal, onProgress }),
    );
    expect(isTaskAbortedError(error)).toBe(true);
    const [first] = named(sdk.spans(), WAIT_SPAN);
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TASK_ABORTED' });
    expect(first?.attributes['taskpoll.outcome']).toBe('aborted');
    const snapshot = (error as { snapshot: WaitSnapshot }).snapshot;
    const { traceId, spanId } = first?.spanContext() ?? {};
    expect(JSON.stringify(snapshot)).toContain(`00-${traceId}-${spanId}-01`);

    const resumed = JSON.parse(JSON.stringify(snapshot)) as WaitSnapshot; // as stored and read back
    await clock.settle(waitForTask(logmine, TASK_ID, { ...FAST, resumeFrom: resumed }));
    const second = named(sdk.spans(), WAIT_SPAN)[1];
    expect(second?.spanContext().traceId).not.toBe(traceId); // a new trace, linked to the first
    expect(second?.links).toHaveLength(1);
    expect(second?.links[0]?.context).toMatchObject({ traceId, spanId, isRemote: true });
    expect(second?.attributes['taskpoll.resumed.attempts']).toBe(1);
  });
});

describe('taskpoll/otel: pollTask and remote cancels', () => {
  it('a pollTask loop left early: one wait span, outcome stopped, not an error', async () => {
    script('running', 'running');
    const tracer = sdk.tracerProvider.getTracer('test');
    const loop = async () => {
      for await (const status of pollTask(sdk.logmine(), TASK_ID, FAST)) if (status.state === 'running') break;
    };
    await clock.settle(tracer.startActiveSpan('caller', (span) => loop().finally(() => span.end())));
    const [caller] = named(sdk.spans(), 'caller');
    const waits = named(sdk.spans(), WAIT_SPAN);
    expect(waits).toHaveLength(1);
    expect(waits[0]?.attributes['taskpoll.outcome']).toBe('stopped');
    expect(waits[0]?.status.code).toBe(SpanStatusCode.UNSET);
    expect(waits[0]?.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId);
    expect(named(sdk.spans(), POLL_SPAN)[0]?.parentSpanContext?.spanId).toBe(waits[0]?.spanContext().spanId);
  });

  it('an abort with cancelOnAbort: the remote cancel is an event on the wait span', async () => {
    const controller = new AbortController();
    const adapter = defineAdapter({
      provider: 'jobs.local',
      async getStatus() {
        controller.abort();
        return { state: 'running' as const, providerState: 'RUNNING' };
      },
      async cancel() {},
    });
    await clock.failure(waitForTask(adapter, 'job-1', { signal: controller.signal, cancelOnAbort: true }));
    const [wait] = named(sdk.spans(), 'taskpoll.wait jobs.local');
    expect(wait?.events.find((e) => e.name === 'taskpoll.cancel')?.attributes).toMatchObject({
      'taskpoll.cancel.ok': true,
    });
    expect(wait?.attributes['taskpoll.outcome']).toBe('aborted');
  });
});

describe('taskpoll/otel: metrics', () => {
  it('wait duration, polls, retries, waits in flight: in seconds, by provider, no task id', async () => {
    script('unavailable', 'running', 'ok');
    const wait = waitForTask(sdk.logmine(), TASK_ID, FAST);
    await Promise.resolve();
    expect((await sdk.metrics()).values('taskpoll.waits.active')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER }, value: 1 },
    ]);
    await clock.settle(wait);
    const metrics = await sdk.metrics();
    expect(metrics.unit('taskpoll.wait.duration')).toBe('s');
    expect(metrics.unit('taskpoll.polls')).toBe('{poll}');
    expect(metrics.values('taskpoll.waits.active')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER }, value: 0 },
    ]);
    const [duration] = metrics.values('taskpoll.wait.duration');
    expect(duration?.attributes).toEqual({ 'taskpoll.provider': PROVIDER, 'taskpoll.outcome': 'succeeded' });
    // In seconds: the first poll at once, its retry 0.5 s later, the next poll 1 s after that (fake
    // time, plus the pacer's margin).
    expect(duration?.value).toMatchObject({ count: 1 });
    const sum = (duration?.value as { sum: number } | undefined)?.sum;
    expect(sum).toBeGreaterThanOrEqual(1.5);
    expect(sum).toBeLessThan(2);
    expect(metrics.values('taskpoll.polls')).toEqual(
      expect.arrayContaining([
        { attributes: { 'taskpoll.provider': PROVIDER }, value: 2 },
        { attributes: { 'taskpoll.provider': PROVIDER, 'error.type': 'HTTP_ERROR' }, value: 1 },
      ]),
    );
    expect(metrics.values('taskpoll.retries')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER, 'error.type': 'HTTP_ERROR' }, value: 1 },
    ]);
    const all = JSON.stringify(
      ['taskpoll.wait.duration', 'taskpoll.polls', 'taskpoll.retries'].map((n) => metrics.values(n)),
    );
    expect(all).not.toContain(TASK_ID);
  });

  it('a timeout and a rate-limit pause: the duration by outcome, the time queued for pacing by call kind', async () => {
    script(
      [401, errorBody(401, 'ft.TriggerApiAkCurrentLimiting'), { 'Retry-After': '7' }],
      'running',
      'running',
      'running',
    );
    // A budget of one request per 3 s: the polls 1 s apart queue for their slots.
    const logmine = sdk.logmine({ pacing: { requestsPerInterval: 1, intervalMs: 3000 } });
    await clock.failure(waitForTask(logmine, TASK_ID, { ...FAST, maxDelayMs: 1000, timeoutMs: 9500 }));
    const metrics = await sdk.metrics();
    expect(metrics.values('taskpoll.wait.duration')).toEqual([
      {
        attributes: { 'taskpoll.provider': PROVIDER, 'taskpoll.outcome': 'timeout', 'error.type': 'TASK_TIMEOUT' },
        value: { count: 1, sum: expect.any(Number) },
      },
    ]);
    // In seconds, ended by the 9.5 s deadline.
    const sum = (metrics.values('taskpoll.wait.duration')[0]?.value as { sum: number } | undefined)?.sum;
    expect(sum).toBeGreaterThan(5);
    expect(sum).toBeLessThanOrEqual(9.5);
    expect(metrics.values('taskpoll.retries')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER, 'error.type': 'PROVIDER_ERROR' }, value: 1 },
    ]);
    expect(metrics.unit('taskpoll.pacing.queued')).toBe('s');
    const [queued] = metrics.values('taskpoll.pacing.queued');
    expect(queued?.attributes).toEqual({ 'taskpoll.provider': PROVIDER, 'taskpoll.call': 'poll' });
    expect((queued?.value as { count: number } | undefined)?.count).toBeGreaterThanOrEqual(1);
  });
});

describe('taskpoll/otel: instrument() and disable()', () => {
  it('after disable(), no span and no metric point; a wait under way ends its span and leaves waits.active', async () => {
    script('running', 'running', 'ok');
    const logmine = sdk.logmine();
    const onProgress = () => sdk.otel.disable();
    await clock.settle(waitForTask(logmine, TASK_ID, { ...FAST, onProgress }));
    const spans = sdk.spans();
    expect(named(spans, POLL_SPAN)).toHaveLength(1); // the polls after it have none
    const [wait] = named(spans, WAIT_SPAN);
    expect(wait?.attributes['taskpoll.outcome']).toBeUndefined(); // ended by disable(), not by the wait
    expect((await sdk.metrics()).values('taskpoll.waits.active')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER }, value: 0 },
    ]);
    sdk.otel.disable(); // again: nothing to do
    script('ok');
    await clock.settle(waitForTask(logmine, TASK_ID, FAST));
    expect(sdk.spans()).toHaveLength(spans.length);
    expect((await sdk.metrics()).values('taskpoll.polls')).toEqual([
      { attributes: { 'taskpoll.provider': PROVIDER }, value: 1 },
    ]);
  });

  it('uses the global providers when given none', async () => {
    sdk.otel.disable();
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    const { instrument } = await import('../../src/otel/index.js');
    const otel = instrument();
    try {
      script('ok');
      await clock.settle(waitForTask(sdk.logmine(), TASK_ID, FAST));
      expect(named(sdk.spans(), WAIT_SPAN)).toHaveLength(1);
    } finally {
      otel.disable();
      trace.disable();
    }
  });

  it('bad options are a TypeError, before anything is subscribed', async () => {
    const { instrument } = await import('../../src/otel/index.js');
    expect(() => instrument(null as never)).toThrow(new TypeError('instrument options must be an object, got null'));
    expect(() => instrument({ tracerProvide: {} } as never)).toThrow(
      /Unknown instrument option "tracerProvide".*tracerProvider/,
    );
    expect(() => instrument({ tracerProvider: {} as never })).toThrow(
      new TypeError('instrument option "tracerProvider" must have a getTracer() method, got an object'),
    );
    expect(() => instrument({ meterProvider: 'x' as never })).toThrow(
      new TypeError('instrument option "meterProvider" must have a getMeter() method, got a string of length 1'),
    );
  });
});
