import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { raw } from './http.js';

let sim: Simulator | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  sim = undefined;
});

const TEN_MINUTES = 10 * 60_000;

async function guanceStatus(s: Simulator, taskId: string): Promise<string> {
  const answer = await raw(`${s.guance.baseURL}/api/v1/logmine/query_task?taskId=${taskId}`, {
    headers: { 'DF-API-KEY': s.guance.apiKey },
  });
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
