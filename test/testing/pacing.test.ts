import { afterEach, describe, expect, it, vi } from 'vitest';
import { TaskTimeoutError, waitForTask } from '../../src/index.js';
import { guanceLogmine, type GuanceLogmine } from '../../src/providers/guance/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { nockClock } from '../helpers/nock-clock.js';

/**
 * `sim.<provider>.pacing`: the client pacing that fits the simulator's rate limits at its `timeScale`
 * (the limits count on simulated time). Waits in fake time, moved only while no request is in flight
 * (nock-clock.ts works for any server reached through its axios instance).
 */

const clock = nockClock();
let sim: Simulator | undefined;
const adapters: GuanceLogmine[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const adapter of adapters.splice(0)) adapter.close();
  clock.reset();
  await sim?.close();
  sim = undefined;
});

const useFakeTime = () =>
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });

/** A Guance adapter on the simulator, counted by the clock; `pacing` left out keeps Guance's default. */
function logmineFor(s: Simulator, pacing?: ReturnType<() => Simulator['guance']['pacing']>): GuanceLogmine {
  const adapter = guanceLogmine({
    baseURL: s.guance.baseURL,
    apiKey: s.guance.apiKey,
    axios: clock.axios(),
    ...(pacing === undefined ? {} : { pacing }),
  });
  adapters.push(adapter);
  return adapter;
}

/** Submits `count` tasks, then waits for each with `timeoutMs`; every outcome, in order. */
async function submitAndWait(logmine: GuanceLogmine, count: number, timeoutMs: number) {
  const ids = await clock.settle(
    Promise.all(Array.from({ length: count }, () => logmine.submit({ analysisField: 'message' }))),
  );
  return clock.settle(Promise.allSettled(ids.map((id) => waitForTask(logmine, id, { timeoutMs }))));
}

/** Guance's rate-limit refusals the simulator answered. */
const refusals = (s: Simulator) => s.requestsFor('guance').filter((r) => r.status === 401);

describe('sim.<provider>.pacing fits the timeScale', () => {
  it('at timeScale 1 it is the providers’ own default budget; at 600 the same rate 600 times faster, spread evenly, with a margin', async () => {
    sim = await startSimulator({ seed: 1 });
    expect(sim.guance.pacing).toEqual({ requestsPerInterval: 20, intervalMs: 60_000 });
    expect(sim.edge.pacing).toEqual({ requestsPerInterval: 1, intervalMs: 100 });
    expect(sim.dgc.pacing).toBe(false); // the simulated DLF throttles nothing unless told to
    await sim.close();
    sim = await startSimulator({ seed: 1, timeScale: 600, dgc: { rateLimit: { limit: 120, intervalMs: 60_000 } } });
    // 20 a minute is 20 per 100 ms at 600×: with the margin, one request per 10 ms.
    expect(sim.guance.pacing).toEqual({ requestsPerInterval: 1, intervalMs: 10 });
    // MEF's 10 a second is one per 1/6 ms at 600×: three per ms, half nginx's burst of 5 (+1).
    expect(sim.edge.pacing).toEqual({ requestsPerInterval: 3, intervalMs: 1 });
    expect(sim.dgc.pacing).toEqual({ requestsPerInterval: 1, intervalMs: 200 / 120 });
  });

  it('follows the limit: false when it is off, the new one after setRateLimit', async () => {
    sim = await startSimulator({ seed: 1, timeScale: 60, rateLimits: false });
    expect(sim.guance.pacing).toBe(false);
    expect(sim.edge.pacing).toBe(false);
    sim.guance.setRateLimit({ limit: 5, intervalMs: 6000 });
    expect(sim.guance.pacing).toEqual({ requestsPerInterval: 1, intervalMs: 40 });
    sim.edge.setRateLimit({ ratePerSecond: 1, burst: 0 });
    expect(sim.edge.pacing).toEqual({ requestsPerInterval: 1, intervalMs: 17 });
  });
});

describe('Guance at timeScale 600', () => {
  it('50 submits and waits with pacing: sim.guance.pacing all succeed within seconds, with no rate-limit refusal', async () => {
    useFakeTime();
    sim = await startSimulator({ seed: 600, timeScale: 600 });
    const startedAt = Date.now();
    const outcomes = await submitAndWait(logmineFor(sim, sim.guance.pacing), 50, 15_000);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.state : o.reason))).toEqual(
      Array(50).fill('succeeded'),
    );
    expect(refusals(sim)).toEqual([]);
    // Simulated minutes of tasks, and a budget of 20 requests per simulated minute, in seconds of the clock.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('with the default pacing (meant for real time) 20 submits spend the budget: every wait times out with its polls queued, and the error says so', async () => {
    useFakeTime();
    sim = await startSimulator({ seed: 601, timeScale: 600 });
    const outcomes = await submitAndWait(logmineFor(sim), 20, 15_000);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as TaskTimeoutError;
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(error).toMatchObject({ attempts: 1, lastStatus: undefined, queuedMs: error.elapsedMs });
      expect(error.message).toMatch(/no poll answered\)\. It spent \d+ of its \d+ ms queued .*`pacing`/);
    }
    expect(sim.requestsFor('guance', 'guance.queryTask')).toEqual([]);
    expect(refusals(sim)).toEqual([]);
  });
});
