import nock from 'nock';
import { edgeLogDump, type EdgeLogDump, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import { nockClock } from '../../helpers/nock-clock.js';
import { useNockHarness } from '../../helpers/nock-harness.js';
import { ID, TASK_PATH } from './mef.js';

/** The MEF Center the nock-scripted tests talk to. */
export const BASE = 'https://mef.test:30035';

/** A nock interceptor for the status query of task `id`. */
export const query = (id = ID) => nock(BASE).get(TASK_PATH).query({ taskId: id });

/** A fresh signal for direct `getStatus` calls. */
export const signal = () => new AbortController().signal;

/**
 * The set-up of the nock-scripted edge tests (the shared nock harness and settle helper): no real
 * network, fake time, adapters on the counting transport and closed after each test. Call once at the
 * top level of a test file.
 */
export function useMefNock() {
  const clock = nockClock();
  const harness = useNockHarness(new Date('2026-01-01T00:00:00Z'), () => clock.reset());
  return {
    /** Waits for `promise`, moving fake time while no request is in flight. */
    settle: clock.settle,
    /** The error `promise` rejects with, settled the same way. */
    failure: clock.failure,
    /** An adapter for {@link BASE} on the counting transport, closed after the test. */
    make(options: Partial<EdgeLogDumpOptions> = {}): EdgeLogDump {
      return harness.track(edgeLogDump({ baseURL: BASE, axios: clock.axios(), ...options }));
    },
  };
}
