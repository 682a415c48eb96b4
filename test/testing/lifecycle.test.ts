import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { curveAt, stepsDone, timeAtDone, type Lifecycle } from '../../src/testing/lifecycle.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
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
