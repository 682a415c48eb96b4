import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { curveAt, stepsDone, timeAtDone, type Lifecycle } from '../../src/testing/lifecycle.js';
import { raw } from './http.js';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = undefined;
});

const TEN_MINUTES = 10 * 60_000;

async function guanceStatus(s: Simulator, taskId: string): Promise<string> {
  const answer = await raw(`${s.guance.baseURL}/api/v1/logmine/query_task?taskId=${taskId}`, { headers: { 'DF-API-KEY': s.guance.apiKey } });
  return answer.json().content.taskStatus;
}

describe('simulated time', () => {
  it('timeScale: a 10-minute task ends after 10 minutes / timeScale of real time', async () => {
    sim = await startSimulator({ seed: 1, timeScale: 6000 }); // 10 minutes → 100 ms
    const taskId = sim.guance.createTask({ durationMs: TEN_MINUTES });
    expect(await guanceStatus(sim, taskId)).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await guanceStatus(sim, taskId)).toBe('ok');
    expect(sim.clock.timeScale).toBe(6000);
    const view = sim.guance.task(taskId)!;
    expect(view.finishedAt.getTime() - view.startedAt.getTime()).toBe(TEN_MINUTES);
  });

  it('follows vitest fake timers: advancing the fake clock moves every task along', async () => {
    vi.useFakeTimers();
    sim = await startSimulator({ seed: 1 });
    const taskId = sim.guance.createTask({ durationMs: TEN_MINUTES });
    const jobId = sim.workflow.createJob('wf', { queuedMs: 60_000, durationMs: TEN_MINUTES });
    expect(await guanceStatus(sim, taskId)).toBe('running');
    expect(sim.workflow.task(String(jobId))?.state).toBe('queued');
    vi.advanceTimersByTime(TEN_MINUTES);
    expect(await guanceStatus(sim, taskId)).toBe('ok');
    expect(sim.workflow.task(String(jobId))?.state).toBe('running');
    vi.advanceTimersByTime(60_000);
    expect(sim.workflow.task(String(jobId))?.state).toBe('succeeded');
  });

  it('with timeScale and fake timers together', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    sim = await startSimulator({ seed: 1, timeScale: 60 });
    const taskId = sim.edge.createTask([1], { queuedMs: 0, durationMs: TEN_MINUTES });
    vi.advanceTimersByTime(9_999);
    expect(sim.edge.task(taskId)?.state).toBe('running');
    vi.advanceTimersByTime(1);
    expect(sim.edge.task(taskId)?.state).toBe('succeeded');
  });

  it('clock.advance jumps simulated time without waiting; reset() takes it back', async () => {
    sim = await startSimulator({ seed: 1 });
    const before = sim.clock.now();
    const taskId = sim.dgc.createTask({ durationMs: TEN_MINUTES });
    sim.clock.advance(TEN_MINUTES);
    expect(sim.clock.now() - before).toBeGreaterThanOrEqual(TEN_MINUTES);
    expect(sim.dgc.task(taskId)?.state).toBe('succeeded');
    expect(() => sim!.clock.advance(-1)).toThrow(RangeError);
    sim.reset();
    expect(sim.clock.now() - before).toBeLessThan(TEN_MINUTES);
  });

  it('recorded requests carry both clocks', async () => {
    sim = await startSimulator({ seed: 1, timeScale: 1000 });
    sim.clock.advance(5000);
    await raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=x`);
    const [record] = sim.requests;
    expect(record!.simTime - record!.time).toBeGreaterThanOrEqual(5000);
  });
});

describe('progress curves', () => {
  const life = (curve: Lifecycle<string>['curve']): Lifecycle<string> => ({
    createdAt: 1000,
    queuedMs: 100,
    durationMs: 1000,
    outcome: 'succeeded',
    curve,
    message: undefined,
  });

  it.each([
    ['linear', [0, 0.25, 0.5, 1]],
    ['ease-in', [0, 0.0625, 0.25, 1]],
    ['ease-out', [0, 0.4375, 0.75, 1]],
    ['stall-then-jump', [0, 0.1 * (0.25 / 0.9), 0.1 * (0.5 / 0.9), 1]],
  ] as const)('%s', (curve, expected) => {
    expect([0, 0.25, 0.5, 1].map((f) => curveAt(curve, f))).toEqual(expected.map((v) => expect.closeTo(v, 9)));
  });

  it('a custom curve is clamped to 0..1 and NaN counts as 0', () => {
    expect(curveAt(() => 2, 0.5)).toBe(1);
    expect(curveAt(() => -1, 0.5)).toBe(0);
    expect(curveAt(() => Number.NaN, 0.5)).toBe(0);
    expect(curveAt((f) => Math.sqrt(f), 0.25)).toBe(0.5);
  });

  it('timeAtDone inverts the curve onto simulated time', () => {
    expect(timeAtDone(life('linear'), 0.5)).toBe(1600);
    expect(timeAtDone(life('ease-in'), 0.25)).toBe(1600);
    expect(timeAtDone(life('stall-then-jump'), 0.5)).toBe(2000);
    expect(timeAtDone(life('linear'), 0)).toBe(1100);
  });

  it('stepsDone counts whole steps', () => {
    expect(stepsDone(0.5, 3)).toBe(1);
    expect(stepsDone(2 / 3, 3)).toBe(2);
    expect(stepsDone(1, 3)).toBe(3);
  });

  it('the curve shapes MEF progress', async () => {
    sim = await startSimulator({ seed: 1, edge: { rateLimit: false } });
    const linear = sim.edge.createTask([1, 2, 3, 4], { queuedMs: 0, durationMs: 900, progress: 'linear' });
    const stall = sim.edge.createTask([1, 2, 3, 4], { queuedMs: 0, durationMs: 900, progress: 'stall-then-jump' });
    sim.clock.advance(450);
    expect(sim.edge.task(linear)?.progress).toBe(25);
    expect(sim.edge.task(stall)?.progress).toBe(0);
  });
});
