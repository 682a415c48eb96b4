import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineAdapter, waitForTask } from '../../src/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Intervals are measured on the monotonic clock (`performance.now()`): a wall clock stepped by NTP or a
 * restored VM neither holds an adapter's requests nor ends a wait. `vi.setSystemTime` steps `Date`
 * only, as such a step does; fake `performance` moves only with the timers.
 */

const ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
const HOUR = 3_600_000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server.handle((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: '00000000',
        msg: 'success',
        data: {
          taskId: ID,
          status: 'processing',
          progress: 10,
          reason: '',
          createdAt: null,
          startedAt: null,
          finishedAt: null,
          data: null,
        },
      }),
    );
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('a stepped wall clock', () => {
  it("stepped back 10 minutes does not hold an adapter's paced requests (edge: 1 request per 100 ms)", async () => {
    const edge = edgeLogDump({ baseURL: server.url });
    try {
      await edge.getStatus(ID, { signal: new AbortController().signal });
      vi.setSystemTime(Date.now() - 10 * 60_000);
      let sent = false;
      const second = edge.getStatus(ID, { signal: new AbortController().signal });
      void second.then(
        () => (sent = true),
        () => (sent = true),
      );
      await turns();
      // One window (100 ms) plus the pacer's least margin (2 % of it).
      await vi.advanceTimersByTimeAsync(102);
      for (let i = 0; i < 200 && !sent; i += 1) await turns(1);
      expect(server.requests).toHaveLength(2);
      await second;
      expect(edge.pacerStats()?.pausedUntil).toBeUndefined();
    } finally {
      edge.close();
    }
  });

  it('stepped forward 1 hour between polls does not end a 30-minute wait', async () => {
    let polls = 0;
    const adapter = defineAdapter({
      provider: 'clock.test',
      async getStatus() {
        polls += 1;
        if (polls < 4) {
          vi.setSystemTime(Date.now() + HOUR);
          return { state: 'running' as const, providerState: 'running' };
        }
        return { state: 'succeeded' as const, providerState: 'done', result: polls };
      },
    });
    let settled = false;
    const wait = waitForTask(adapter, 'task-1', {
      timeoutMs: 30 * 60_000,
      initialDelayMs: 1000,
      maxDelayMs: 1000,
      jitter: 0,
    });
    void wait.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 20 && !settled; i += 1) await vi.advanceTimersByTimeAsync(1000);
    const done = await wait;
    expect(done.state).toBe('succeeded');
    expect(done.result).toBe(4);
  });
});
