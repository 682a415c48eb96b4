import axios from 'axios';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { turns, until } from '../helpers/loopback.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RUNNING } from '../providers/guance/harness.js';

/**
 * The pacer's margin, through a real adapter on loopback in fake time: a request's slot is used
 * again one window plus the time the request took to be answered after it started (at least 2 % of
 * the window, at most 25 %), so a budget given as the provider's exact limit holds where the provider
 * counts requests: on arrival.
 */
let server: TestServer;
/** The server's answer delay (fake ms) in the current test. */
let answerDelayMs = 0;
let replied = 0;
beforeAll(async () => {
  server = await startTestServer();
  server.handle((_req, res) => {
    setTimeout(() => {
      replied += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(RUNNING);
    }, answerDelayMs);
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  server.requests.length = 0;
  replied = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the margin past each window', () => {
  it.each([
    ['answered at once: the least margin, 2 % of the window', 0, [0, 1020, 2040]],
    ['answered after 50 ms: that long', 50, [0, 1050, 2100]],
    ['answered after 100 ms: that long', 100, [0, 1100, 2200]],
    ['answered after 400 ms: at most 25 % of the window', 400, [0, 1250, 2500]],
    ['still in flight when the window ends: 25 % of the window', 1500, [0, 1250, 2500]],
  ])('1 request per 1000 ms, %s', async (_name, delay, expected) => {
    answerDelayMs = delay;
    // Counts answers read, to move fake time only once real I/O is done.
    let got = 0;
    const instance = axios.create({ proxy: false });
    instance.interceptors.response.use((response) => {
      got += 1;
      return response;
    });
    const logmine = guanceLogmine({
      apiKey: 'df-key',
      baseURL: server.url,
      axios: instance,
      requestTimeoutMs: 60_000,
      pacing: { requestsPerInterval: 1, intervalMs: 1000 },
    });
    const t0 = Date.now();
    const arrivals: number[] = [];
    const calls = Promise.all(
      [1, 2, 3].map((i) => logmine.getStatus(`task-${i}`, { signal: new AbortController().signal })),
    );
    await until(() => server.requests.length === 1);
    while (got < 3) {
      await until(() => (logmine.pacerStats()?.started ?? 0) === server.requests.length && replied === got);
      await turns(2);
      while (arrivals.length < server.requests.length) arrivals.push(Date.now() - t0);
      if (got < 3) await vi.advanceTimersToNextTimerAsync();
    }
    expect((await calls).map((s) => s.state)).toEqual(['running', 'running', 'running']);
    expect(arrivals).toEqual(expected);
    logmine.close();
  });
});
