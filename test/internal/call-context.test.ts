import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkAbort } from '../../src/internal/abort.js';
import { attachCallContext, callContextOf, QueueMeter } from '../../src/internal/call-context.js';
import { createHttpClient } from '../../src/internal/http/client.js';
import { startTestServer } from '../helpers/server.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('call context', () => {
  it('links made from a signal carry its context; other signals carry none', () => {
    const wait = linkAbort([]);
    const context = { kind: 'poll' as const, deadline: 1234, queue: new QueueMeter() };
    attachCallContext(wait.signal, context);
    const poll = linkAbort([wait.signal], { ms: 1000, reason: () => new Error('late') }, true);
    const request = linkAbort([undefined, new AbortController().signal, poll.signal]);
    expect(callContextOf(poll.signal)).toBe(context);
    expect(callContextOf(request.signal)).toBe(context);
    expect(callContextOf(new AbortController().signal)).toBeUndefined();
    expect(callContextOf(undefined)).toBeUndefined();
    poll.dispose();
    request.dispose();
    wait.dispose();
  });

  it("a reused controller's signal drops the context of the link it served before", () => {
    const wait = linkAbort([]);
    attachCallContext(wait.signal, { kind: 'poll', deadline: 1, queue: new QueueMeter() });
    const first = linkAbort([wait.signal]);
    first.dispose();
    const reused = linkAbort([], undefined, false, first.reusableController());
    expect(reused.signal).toBe(first.signal);
    expect(callContextOf(reused.signal)).toBeUndefined();
  });

  it('the queue meter counts overlapping queue waits once, and one under way', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const meter = new QueueMeter();
    const endA = meter.begin();
    vi.advanceTimersByTime(100);
    const endB = meter.begin();
    vi.advanceTimersByTime(50);
    endA();
    endA(); // ending twice changes nothing
    expect(meter.queued).toBe(true);
    vi.advanceTimersByTime(25);
    expect(meter.queuedMs()).toBe(175); // the wait under way counts
    endB();
    vi.advanceTimersByTime(1000);
    expect(meter.queued).toBe(false);
    expect(meter.queuedMs()).toBe(175);
  });

  it('the HTTP client counts the time a request queued for a pacing slot on its context', async () => {
    const server = await startTestServer();
    let answerFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      answerFirst = resolve;
    });
    server.handle((req, res) => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      };
      if (req.url === '/a') void firstHeld.then(answer);
      else answer();
    });
    // One request at a time: the second queues until the first is answered.
    const client = createHttpClient({ provider: 'test.http', baseURL: server.url, pacing: { maxConcurrency: 1 } });
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const meter = new QueueMeter();
      const wait = linkAbort([]);
      attachCallContext(wait.signal, { kind: 'poll', deadline: Number.POSITIVE_INFINITY, queue: meter });
      const first = client.request({ method: 'GET', path: '/a', signal: wait.signal });
      const second = client.request({ method: 'GET', path: '/b', signal: wait.signal });
      await vi.waitFor(() => expect(server.requests.length).toBe(1));
      expect(meter.queued).toBe(true);
      const before = meter.queuedMs(); // waitFor moves fake time too
      vi.advanceTimersByTime(500);
      expect(meter.queuedMs()).toBe(before + 500);
      answerFirst();
      await Promise.all([first, second]);
      expect(meter.queued).toBe(false);
      expect(meter.queuedMs()).toBe(before + 500);
      wait.dispose();
    } finally {
      client.close();
      await server.close();
    }
  });
});
