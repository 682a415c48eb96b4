import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { raw } from './http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ seed: 9, rateLimits: false });
});
afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

const guanceQuery = (taskId = 'x') =>
  raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=${taskId}`, {
    headers: { 'DF-API-KEY': sim.guance.apiKey },
  });

describe('simulator faults', () => {
  it('latency: the answer comes latencyMs late, on the caller clock (fake timers advance it)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    sim.faults.add({ kind: 'latency', latencyMs: 10 * 60_000, count: 1 });
    let answered = false;
    const pending = guanceQuery().then((answer) => {
      answered = true;
      return answer;
    });
    await vi.waitFor(() => expect(sim.requests[0]?.outcome).toBe('pending'));
    await vi.advanceTimersByTimeAsync(10 * 60_000 - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(404);
    expect(sim.requests[0]).toMatchObject({ faults: ['latency'], outcome: 'answered', status: 404 });
  });

  it('latency adds up and combines with one other fault', async () => {
    sim.faults.add({ kind: 'latency', latencyMs: 30 });
    sim.faults.add({ kind: 'latency', latencyMs: 30 });
    sim.faults.add({ kind: 'server-error', status: 503 });
    const started = Date.now();
    const answer = await guanceQuery();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(answer.status).toBe(503);
    expect(sim.requests[0]?.faults).toEqual(['latency', 'latency', 'server-error']);
  });

  it('hang: no answer ever; the client times out and the record says hung', async () => {
    sim.faults.add({ kind: 'hang', provider: 'guance', count: 1 });
    const url = `${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=x`;
    await expect(raw(url, { timeoutMs: 100 })).rejects.toThrow('timeout');
    expect(sim.requests[0]).toMatchObject({ outcome: 'hung', status: undefined, faults: ['hang'] });
    expect((await guanceQuery()).status).toBe(404);
  });

  it('server-error for the next N requests, then normal answers; fired and remaining are counted', async () => {
    const fault = sim.faults.add({ kind: 'server-error', count: 2, status: 502, body: '{"error":"upstream"}' });
    const first = await guanceQuery();
    expect(first.status).toBe(502);
    expect(first.headers['content-type']).toMatch(/json/);
    expect(first.json()).toEqual({ error: 'upstream' });
    expect(fault).toMatchObject({ fired: 1, remaining: 1, active: true });
    expect((await guanceQuery()).status).toBe(502);
    expect(fault).toMatchObject({ fired: 2, remaining: 0, active: false });
    expect((await guanceQuery()).status).toBe(404);
    expect(sim.faults.list()).toEqual([]);
  });

  it('too-many-requests: 429 with Retry-After', async () => {
    sim.faults.add({ kind: 'too-many-requests', retryAfterS: 7 });
    const answer = await guanceQuery();
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('7');
    expect(answer.text).toContain('429 Too Many Requests');
  });

  it('reset: the connection is destroyed without an answer', async () => {
    sim.faults.add({ kind: 'reset', count: 1 });
    await expect(guanceQuery()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.requests[0]).toMatchObject({ outcome: 'reset', status: undefined, faults: ['reset'] });
    expect((await guanceQuery()).status).toBe(404);
  });

  it('malformed-json: the provider did the work, the JSON answer is cut in half', async () => {
    sim.faults.add({ kind: 'malformed-json', route: 'guance.sendTask' });
    const answer = await raw(`${sim.guance.baseURL}/api/v1/logmine/send_task`, {
      method: 'POST',
      headers: { 'DF-API-KEY': sim.guance.apiKey },
      body: { analysisField: 'message' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect(answer.text.startsWith('{"code":200')).toBe(true);
    expect(() => answer.json()).toThrow(SyntaxError);
    expect(sim.guance.tasks()).toHaveLength(1);
  });

  it('html-page: a gateway error page', async () => {
    sim.faults.add({ kind: 'html-page', status: 504 });
    const answer = await guanceQuery();
    expect(answer.status).toBe(504);
    expect(answer.headers['content-type']).toBe('text/html');
    expect(answer.text).toMatch(/<title>504 Gateway Timeout<\/title>/);
  });

  it('unknown-status: each provider’s status word replaced on its status route only', async () => {
    sim.faults.add({ kind: 'unknown-status' });
    const g = sim.guance.createTask();
    expect((await guanceQuery(g)).json().content.taskStatus).toBe('rebalancing');

    const e = sim.edge.createTask([1]);
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/task?taskId=${e}`)).json().data.status).toBe(
      'suspended',
    );

    const d = sim.dgc.createTask();
    const dgc = await raw(`${sim.dgc.endpoint}/v1/${sim.dgc.projectId}/system-tasks/${d}`, {
      headers: { 'X-Auth-Token': sim.dgc.token },
    });
    expect(dgc.json().status).toBe('PAUSED');

    const w = sim.workflow.createJob('wf', { tasks: ['a', 'b'] });
    const job = (
      await raw(`${sim.workflow.baseURL}/api-open/v1/jobs/${w}`, {
        headers: { Cookie: `explorer_token=${sim.workflow.token}` },
      })
    ).json();
    expect(job.data.status).toBe(9);
    expect(job.data.tasks.map((t: { status: number }) => t.status)).toEqual([9, 9]);

    // Not a status route: untouched, and not counted.
    const created = await raw(`${sim.guance.baseURL}/api/v1/logmine/send_task`, {
      method: 'POST',
      headers: { 'DF-API-KEY': sim.guance.apiKey },
      body: { analysisField: 'message' },
    });
    expect(created.json().success).toBe(true);
    expect(sim.faults.list()[0]?.fired).toBe(4);
  });

  it('unknown-status with a chosen word', async () => {
    sim.faults.add({ kind: 'unknown-status', statusWord: 'QUEUED_AGAIN', provider: 'dgc' });
    const d = sim.dgc.createTask();
    const answer = await raw(`${sim.dgc.endpoint}/v1/${sim.dgc.projectId}/system-tasks/${d}`, {
      headers: { 'X-Auth-Token': sim.dgc.token },
    });
    expect(answer.json().status).toBe('QUEUED_AGAIN');
  });

  it('matches by provider, route id, path, RegExp and method', async () => {
    sim.faults.add({ kind: 'server-error', status: 501, provider: 'edge' });
    sim.faults.add({ kind: 'server-error', status: 502, route: '/api-open/v1/jobs' });
    sim.faults.add({ kind: 'server-error', status: 503, route: /system-tasks\/boom$/ });
    sim.faults.add({ kind: 'server-error', status: 504, route: 'guance.sendTask', method: 'post' });
    expect((await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/task?taskId=x`)).status).toBe(501);
    expect((await raw(`${sim.workflow.baseURL}/api-open/v1/jobs/12`)).status).toBe(502);
    expect((await raw(`${sim.workflow.baseURL}/api-open/v1/connect`, { method: 'POST' })).status).toBe(401);
    expect((await raw(`${sim.dgc.endpoint}/v1/p/system-tasks/boom`)).status).toBe(503);
    expect((await raw(`${sim.dgc.endpoint}/v1/p/system-tasks/fine`)).status).toBe(401);
    expect((await raw(`${sim.guance.baseURL}/api/v1/logmine/send_task`, { method: 'POST' })).status).toBe(504);
    expect((await guanceQuery()).status).toBe(404);
  });

  it('probability rolls with the seed: the same seed gives the same pattern', async () => {
    const pattern = async (s: Simulator) => {
      s.faults.add({ kind: 'server-error', probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i += 1) statuses.push((await raw(`${s.guance.baseURL}/api/v1/x`)).status);
      return statuses.map((status) => (status === 500 ? 'F' : '.')).join('');
    };
    const other = await startSimulator({ seed: 9 });
    try {
      const a = await pattern(sim);
      expect(a).toMatch(/F/);
      expect(a).toMatch(/\./);
      expect(await pattern(other)).toBe(a);
    } finally {
      await other.close();
    }
  });

  it('remove() and clear() stop faults', async () => {
    const fault = sim.faults.add({ kind: 'server-error' });
    expect((await guanceQuery()).status).toBe(500);
    fault.remove();
    fault.remove();
    expect(fault.active).toBe(false);
    expect((await guanceQuery()).status).toBe(404);
    sim.faults.add({ kind: 'server-error' });
    sim.faults.add({ kind: 'html-page' });
    sim.faults.clear();
    expect((await guanceQuery()).status).toBe(404);
  });

  it('refuses bad specs with clear errors', () => {
    const add = (spec: unknown) => () => sim.faults.add(spec as never);
    expect(add(undefined)).toThrow(/needs a spec/);
    expect(add({})).toThrow(/fault.kind is required/);
    expect(add({ kind: 'explode' })).toThrow(/fault.kind must be one of/);
    expect(add({ kind: 'hang', probability: 2 })).toThrow(RangeError);
    expect(add({ kind: 'hang', count: 0 })).toThrow(/fault.count/);
    expect(add({ kind: 'hang', provider: 'aws' })).toThrow(/fault.provider/);
    expect(add({ kind: 'hang', retryAfterS: 1 })).toThrow(/only applies to too-many-requests/);
    expect(add({ kind: 'server-error', status: 404 })).toThrow(/500 to 599/);
    expect(add({ kind: 'hang', route: 42 })).toThrow(/route id, a path or a RegExp/);
    expect(add({ kind: 'latency', latencyMs: -1 })).toThrow(RangeError);
    expect(add({ kind: 'unknown-status', statusWord: '' })).toThrow(/statusWord/);
  });
});
