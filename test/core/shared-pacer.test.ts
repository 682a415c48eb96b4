import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { createPacer, DIAGNOSTIC_CHANNELS, type Pacer, type PacerRequest, waitForTask } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { startSimulator } from 'taskpoll/testing';

const input = () => ({ analysisField: 'message', timeRange: [Date.now() - 60_000, Date.now()] as [number, number] });

describe('pacing: a Pacer shared by adapters', () => {
  it('createPacer gives two adapters on one key one budget: 0 refusals where each paced alone would go over', async () => {
    const sim = await startSimulator({
      seed: 3,
      guance: { rateLimit: { limit: 4, intervalMs: 400 }, defaults: { durationMs: 0 } },
    });
    const pacer = createPacer({ requestsPerInterval: 4, intervalMs: 400 });
    const options = { baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer };
    const [a, b] = [guanceLogmine(options), guanceLogmine(options)];
    try {
      await Promise.all([
        ...Array.from({ length: 5 }, () => a.submit(input())),
        ...Array.from({ length: 5 }, () => b.submit(input())),
      ]);
      expect(sim.requestsFor('guance').filter((r) => r.status !== 200)).toEqual([]);
      expect(pacer.stats.started).toBe(10);
      // Closing one adapter leaves the pacer to the other.
      a.close();
      await expect(b.submit(input())).resolves.toMatch(/^logminetask/);
    } finally {
      a.close();
      b.close();
      pacer.close();
      await sim.close();
    }
  });

  it("a caller's Pacer is asked with what each request is for: calls, and polls with their wait's deadline in epoch ms", async () => {
    const sim = await startSimulator({ seed: 4, rateLimits: false, guance: { defaults: { durationMs: 0 } } });
    const inner = createPacer({});
    const asked: PacerRequest[] = [];
    const pacer: Pacer = {
      acquire: (signal, request) => {
        if (request) asked.push(request);
        return inner.acquire(signal, request);
      },
      pauseFor: (ms) => inner.pauseFor(ms),
      close: (reason) => inner.close(reason),
      get stats() {
        return inner.stats;
      },
    };
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer });
    try {
      const taskId = await logmine.submit(input());
      const before = Date.now();
      await waitForTask(logmine, taskId, { initialDelayMs: 0, timeoutMs: 60_000 });
      expect(asked[0]).toEqual({ kind: 'call', deadline: undefined });
      const poll = asked[1] as PacerRequest;
      expect(poll.kind).toBe('poll');
      expect(poll.deadline).toBeGreaterThanOrEqual(before + 59_000);
      expect(poll.deadline).toBeLessThanOrEqual(Date.now() + 60_000);
    } finally {
      logmine.close();
      pacer.close();
      await sim.close();
    }
  });

  it("a rate-limit answer pauses a shared pacer and is published once on taskpoll:pacing with the adapter's provider", async () => {
    const sim = await startSimulator({ seed: 6, rateLimits: false, guance: { defaults: { durationMs: 0 } } });
    const pacer = createPacer({});
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: pacer });
    const messages: unknown[] = [];
    const listener = (message: unknown) => messages.push(message);
    subscribe(DIAGNOSTIC_CHANNELS.pacing, listener);
    try {
      sim.faults.add({ kind: 'too-many-requests', retryAfterS: 1, route: 'guance.sendTask', count: 1 });
      await expect(logmine.submit(input())).rejects.toMatchObject({ retryAfterMs: 1000 });
      expect(pacer.stats.pausedUntil).toBeGreaterThan(Date.now());
      expect(messages.filter((m) => (m as { kind: string }).kind === 'pause')).toEqual([
        { kind: 'pause', provider: 'guance.logmine', pauseMs: 1000, until: expect.any(Number) },
      ]);
    } finally {
      unsubscribe(DIAGNOSTIC_CHANNELS.pacing, listener);
      logmine.close();
      pacer.close();
      await sim.close();
    }
  });
});
