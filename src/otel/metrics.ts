/**
 * The metrics `instrument()` records: their names, units and attributes. Durations are in seconds, and
 * no metric carries a task id (one series per task would be unbounded).
 * @internal
 */
import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** Bucket bounds for a wait's duration, in s: from a quick task to a few hours. */
const WAIT_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
/** Bucket bounds for time queued for a pacing slot, in s: none to a rate window of a minute or more. */
const QUEUED_BUCKETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The instruments, made once per `instrument()` from its meter. */
export interface Instruments {
  /** `taskpoll.wait.duration`: one wait, start to end, in s (a resumed wait: this run); by provider and outcome. */
  readonly waitDuration: Histogram;
  /** `taskpoll.waits.active`: waits under way; by provider. */
  readonly waitsActive: UpDownCounter;
  /** `taskpoll.polls`: poll requests, retries included; by provider (and `error.type` when one failed). */
  readonly polls: Counter;
  /** `taskpoll.retries`: retries of failed polls; by provider and `error.type`. */
  readonly retries: Counter;
  /** `taskpoll.pacing.queued`: time a call queued for a pacing slot, in s; by provider and call kind. */
  readonly pacingQueued: Histogram;
}

/** Makes the instruments on `meter`. */
export function makeInstruments(meter: Meter): Instruments {
  return {
    waitDuration: meter.createHistogram('taskpoll.wait.duration', {
      description: 'Duration of a taskpoll wait, from its start to its end.',
      unit: 's',
      advice: { explicitBucketBoundaries: WAIT_BUCKETS },
    }),
    waitsActive: meter.createUpDownCounter('taskpoll.waits.active', {
      description: 'Number of taskpoll waits under way.',
      unit: '{wait}',
    }),
    polls: meter.createCounter('taskpoll.polls', {
      description: 'Number of poll requests, retries included.',
      unit: '{poll}',
    }),
    retries: meter.createCounter('taskpoll.retries', {
      description: 'Number of retries of failed poll requests.',
      unit: '{retry}',
    }),
    pacingQueued: meter.createHistogram('taskpoll.pacing.queued', {
      description: 'Time a request queued for a slot of its rate budget.',
      unit: 's',
      advice: { explicitBucketBoundaries: QUEUED_BUCKETS },
    }),
  };
}

/** The attributes of a provider's series. */
export function providerAttributes(provider: string, extra?: Attributes): Attributes {
  return { 'taskpoll.provider': provider, ...extra };
}
