/**
 * A pacing budget larger than the agent's sockets: the surplus waits in the pacer (where it is not
 * request time, and leaves when the pacer counts it), not in the agent's queue. Found by the chaos run:
 * 200 requests granted at once left in bunches seconds later and reached the server inside its next
 * window.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/internal/http/client.js';

let server: Server;
let url: string;
let inFlight = 0;
let peak = 0;
beforeAll(async () => {
  server = createServer((_req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      res.end('{}');
    }, 400);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('pacing and the agent: never more in flight than the agent has sockets', () => {
  it('150 requests allowed at once, answers in 400 ms, a 1 s request limit: 64 go, the rest wait in the pacer, and all succeed', async () => {
    const client = createHttpClient({
      provider: 'p',
      baseURL: url,
      requestTimeoutMs: 1000,
      pacing: { requestsPerInterval: 1000, intervalMs: 1000 },
    });
    try {
      const all = Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => client.request({ method: 'GET', path: `/r/${i}` })),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(client.pacer?.stats.inFlight).toBe(64);
      expect(client.pacer?.stats.waiting).toBe(150 - 64);
      const results = await all;
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .map((r) => String((r as PromiseRejectedResult).reason))
          .slice(0, 3),
      ).toEqual([]);
      expect(peak).toBeLessThanOrEqual(64);
    } finally {
      client.close();
    }
  });
});
