import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient } from '../../src/internal/http/client.js';
import { defineAdapter, waitForTask } from '../../src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"state":"succeeded"}');
  });
});
afterAll(async () => {
  await server.close();
});

describe('time spent queued for a pacing slot is not request time', () => {
  it('12 waits through a 3-per-250 ms budget all succeed with requestTimeoutMs far below their queueing time', async () => {
    const http = createHttpClient({
      provider: 'paced',
      baseURL: server.url,
      pacing: { requestsPerInterval: 3, intervalMs: 250 },
    });
    const adapter = defineAdapter({
      provider: 'paced',
      async getStatus(id: string, { signal }) {
        const { body } = await http.requestJson(
          { method: 'GET', path: `/t/${id}`, signal },
          z.object({ state: z.literal('succeeded') }),
        );
        return { state: body.state, providerState: body.state };
      },
    });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => waitForTask(adapter, `t${i}`, { requestTimeoutMs: 100, retry: false })),
    );
    expect(results.every((r) => r.state === 'succeeded')).toBe(true);
    // 12 requests at 3 per 250 ms: the last group starts after 3 windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(http.pacer?.stats.started).toBe(12);
    http.close();
  });

  it('one caller signal shared by 500 waits gets one listener, and it is removed afterwards', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added += 1;
      add(...args);
    }) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed += 1;
      remove(...args);
    }) as typeof remove;
    const adapter = defineAdapter({
      provider: 'many',
      async getStatus() {
        return { state: 'succeeded' as const, providerState: 'ok' };
      },
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => waitForTask(adapter, `t${i}`, { signal: controller.signal })),
    );
    await new Promise((r) => setTimeout(r, 10));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(added).toBeGreaterThanOrEqual(1);
    expect(added).toBe(removed);
  });
});
