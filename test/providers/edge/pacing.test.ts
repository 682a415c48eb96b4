// Pacing and the transport against a real loopback server: the default spacing, a caller's pacing,
// connection resets.
import { describe, expect, it, vi } from 'vitest';
import { NetworkError, waitForTask } from '../../../src/index.js';
import { answer, json, turns, until, useLoopbackMef } from './loopback-setup.js';
import { ID, TASK_PATH } from './mef.js';

const mef = useLoopbackMef();
const { make } = mef;

describe('pacing and the transport (real loopback server)', () => {
  it("default pacing: one request at a time, spaced 100 ms apart plus the pacer's margin (10 a second, never a burst nginx refuses)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let active = 0;
    let most = 0;
    mef.routes = {
      [TASK_PATH]: (req, res) => {
        active += 1;
        most = Math.max(most, active);
        setImmediate(() => {
          active -= 1;
          json(answer('processing', { data: null }))(req, res);
        });
      },
    };
    const edge = make();
    const polls = Promise.all(
      Array.from({ length: 12 }, () => edge.getStatus(ID, { signal: new AbortController().signal })),
    );
    await until(() => mef.server.requests.length >= 1);
    await turns(50);
    expect(mef.server.requests).toHaveLength(1);
    // 100 ms plus the pacer's margin: 2 % of the window, as these answers take no (fake) time.
    await vi.advanceTimersByTimeAsync(101);
    await turns(50);
    expect(mef.server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => mef.server.requests.length >= 2);
    for (let i = 2; i < 12; i += 1) {
      await vi.advanceTimersByTimeAsync(102);
      await until(() => mef.server.requests.length >= i + 1);
    }
    expect(await polls).toHaveLength(12);
    expect(mef.server.requests).toHaveLength(12);
    expect(most).toBe(1);
  });

  it('pacing: { maxConcurrency: 3, intervalMs: 1 } lets three requests overlap (keys merge over the default)', async () => {
    // The merged budget is 3 at once and 1 start a millisecond (the default's requestsPerInterval: 1
    // stays). The server holds each answer until three requests are in flight (at most a real second),
    // so the overlap shows however fast loopback answers.
    let active = 0;
    let most = 0;
    const held: (() => void)[] = [];
    const answerAll = (): void => {
      for (const send of held.splice(0)) send();
    };
    mef.routes = {
      [TASK_PATH]: (req, res) => {
        active += 1;
        most = Math.max(most, active);
        let sent = false;
        const send = (): void => {
          if (sent) return;
          sent = true;
          active -= 1;
          json(answer('processing', { data: null }))(req, res);
        };
        held.push(send);
        if (active === 3) answerAll();
        else setTimeout(send, 1000);
      },
    };
    const edge = make({ pacing: { maxConcurrency: 3, intervalMs: 1 } });
    await Promise.all(Array.from({ length: 6 }, () => edge.getStatus(ID, { signal: new AbortController().signal })));
    expect(most).toBe(3);
  });

  it('the connection reset on every try → NetworkError ECONNRESET after the retries', async () => {
    mef.routes = { [TASK_PATH]: (req) => req.socket.destroy() };
    const edge = make();
    const error = await waitForTask(edge, ID, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ errno: 'ECONNRESET', transient: true });
    expect(mef.server.requests).toHaveLength(2);
  });
});
