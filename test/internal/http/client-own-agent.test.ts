import http, { type ServerResponse } from 'node:http';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../../../src/index.js';
import { createHttpClient } from '../../../src/internal/http/client.js';
import type { HttpClient } from '../../../src/internal/http/types.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** The own agent's sockets (src/internal/http/client.ts). */
const SOCKETS = 64;

let server: TestServer | undefined;
let client: HttpClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

/** A server that holds every request until `release()`, counting how many are open at once. */
async function holdingServer() {
  server = await startTestServer();
  const held: ServerResponse[] = [];
  let open = 0;
  let peak = 0;
  let holding = true;
  const answer = (res: ServerResponse) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"ok":true}');
  };
  server.handle((_req, res) => {
    open += 1;
    peak = Math.max(peak, open);
    res.on('finish', () => (open -= 1));
    if (holding) held.push(res);
    else answer(res);
  });
  return {
    url: server.url,
    held,
    peak: () => peak,
    release: () => held.splice(0).forEach(answer),
    /** Answers the held requests and every later one at once. */
    stopHolding: () => {
      holding = false;
      held.splice(0).forEach(answer);
    },
    waitForHeld: async (count: number) => {
      while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
}

describe('own agent without pacing: requests past its sockets wait in the client', () => {
  it('80 at once: 64 on the wire, the other 16 not yet handed to axios/Node, all answered', async () => {
    const srv = await holdingServer();
    client = createHttpClient({ provider: 'test.gate', baseURL: srv.url, pacing: false });
    const built = vi.spyOn(http, 'request');
    const all = Promise.all(
      Array.from({ length: 80 }, (_, i) => (client as HttpClient).request({ method: 'GET', path: `/r/${i}` })),
    );
    await srv.waitForHeld(SOCKETS);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(srv.held).toHaveLength(SOCKETS);
    expect(built).toHaveBeenCalledTimes(SOCKETS);
    const release = setInterval(srv.release, 5);
    const answers = await all.finally(() => clearInterval(release));
    expect(answers.map((a) => a.status)).toEqual(Array(80).fill(200));
    expect(srv.peak()).toBe(SOCKETS);
    // In order: the first 64 paths, then the 16 that waited.
    expect(server?.requests.slice(SOCKETS).map((r) => r.url)).toEqual(
      Array.from({ length: 16 }, (_, i) => `/r/${SOCKETS + i}`),
    );
  });

  it("time spent waiting for a socket still counts against the client's time limit", async () => {
    const srv = await holdingServer();
    client = createHttpClient({ provider: 'test.gate', baseURL: srv.url, pacing: false, requestTimeoutMs: 5000 });
    const first = Array.from({ length: SOCKETS }, (_, i) =>
      (client as HttpClient).request({ method: 'GET', path: `/hold/${i}` }),
    );
    await srv.waitForHeld(SOCKETS);
    const started = Date.now();
    const queued = (client as HttpClient).request({ method: 'GET', path: '/queued', timeoutMs: 150 });
    await expect(queued).rejects.toBeInstanceOf(NetworkError);
    await expect(queued).rejects.toMatchObject({
      timedOut: true,
      message: expect.stringMatching(/GET \/queued to 127\.0\.0\.1:\d+ got no answer within 150 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    srv.release();
    await Promise.all(first);
    expect(server?.requests.map((r) => r.url)).not.toContain('/queued');
  });

  it("a caller's abort while waiting for a socket rejects with its reason; the request never goes out", async () => {
    const srv = await holdingServer();
    client = createHttpClient({ provider: 'test.gate', baseURL: srv.url, pacing: false });
    const first = Array.from({ length: SOCKETS }, (_, i) =>
      (client as HttpClient).request({ method: 'GET', path: `/hold/${i}` }),
    );
    await srv.waitForHeld(SOCKETS);
    const controller = new AbortController();
    const queued = (client as HttpClient).request({ method: 'GET', path: '/queued', signal: controller.signal });
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    srv.stopHolding();
    await Promise.all(first);
    const after = await (client as HttpClient).request({ method: 'GET', path: '/after' });
    expect(after.status).toBe(200);
    expect(server?.requests.map((r) => r.url)).not.toContain('/queued');
  });
});

describe("own axios: a finished request's AbortController serves the next one", () => {
  /** The signals the client's own axios instance was given, in order. */
  function spySignals(): AbortSignal[] {
    const signals: AbortSignal[] = [];
    const create = axios.create.bind(axios);
    vi.spyOn(axios, 'create').mockImplementation((config) => {
      const instance: AxiosInstance = create(config);
      const request = instance.request.bind(instance);
      instance.request = ((cfg: AxiosRequestConfig) => {
        signals.push(cfg.signal as AbortSignal);
        return request(cfg);
      }) as AxiosInstance['request'];
      return instance;
    });
    return signals;
  }

  it('sequential requests reuse one; a request that timed out never lends its (aborted) one', async () => {
    const signals = spySignals();
    server = await startTestServer();
    server.handle((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 300);
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
    client = createHttpClient({ provider: 'test.reuse', baseURL: server.url, pacing: false });
    for (let i = 0; i < 3; i += 1) await client.request({ method: 'GET', path: `/fast/${i}` });
    expect(new Set(signals).size).toBe(1);
    await expect(client.request({ method: 'GET', path: '/slow', timeoutMs: 50 })).rejects.toMatchObject({
      timedOut: true,
    });
    const slow = signals[3] as AbortSignal;
    expect(slow).toBe(signals[0]);
    expect(slow.aborted).toBe(true);
    await client.request({ method: 'GET', path: '/after' });
    const after = signals[4] as AbortSignal;
    expect(after).not.toBe(slow);
    expect(after.aborted).toBe(false);
  });

  it('concurrent requests each get their own; a caller-given axios instance gets a fresh one every time', async () => {
    const signals = spySignals();
    server = await startTestServer();
    server.handle((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
    client = createHttpClient({ provider: 'test.reuse', baseURL: server.url, pacing: false });
    await Promise.all([0, 1, 2].map((i) => (client as HttpClient).request({ method: 'GET', path: `/c/${i}` })));
    expect(new Set(signals).size).toBe(3);
    client.close();
    const seen: AbortSignal[] = [];
    const own = axios.create();
    own.interceptors.request.use((cfg) => {
      seen.push(cfg.signal as AbortSignal);
      return cfg;
    });
    client = createHttpClient({ provider: 'test.reuse', baseURL: server.url, pacing: false, axios: own });
    for (let i = 0; i < 3; i += 1) await client.request({ method: 'GET', path: `/own/${i}` });
    expect(new Set(seen).size).toBe(3);
  });
});
