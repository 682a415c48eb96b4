import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED, ROUTE_IDS, startSimulator, type Simulator } from '../../src/testing/index.js';
import { raw } from './http.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Our kinds of handles (servers, sockets, timers), counted. */
function ourHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (/^(TCPServerWrap|TCPSocketWrap|TCPWRAP|Timeout|TLSWrap)$/.test(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('startSimulator', () => {
  it('listens on 127.0.0.1 with an ephemeral port and hands out ready credentials', async () => {
    sim = await startSimulator({ seed: 7 });
    for (const url of [sim.guance.baseURL, sim.edge.baseURL, sim.dgc.endpoint, sim.workflow.baseURL]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(sim.guance.apiKey).toMatch(/^tkn_[0-9a-f]{32}$/);
    expect(sim.dgc.projectId).toMatch(/^[0-9a-f]{32}$/);
    expect(sim.dgc.token).toMatch(/^MII/);
    expect(sim.dgc.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(sim.dgc.secretKey).toHaveLength(40);
    expect(sim.workflow.token.split('.')).toHaveLength(3);
    expect(sim.workflow.credentials).toEqual({
      username: 'root',
      password: 'nebula',
      graphAddress: '127.0.0.1',
      graphPort: 9669,
    });
    expect(sim.edge.tls).toBeUndefined();
    expect(sim.seed).toBe(7);
  });

  it('makes the same credentials and ids from the same seed', async () => {
    const a = await startSimulator({ seed: 42 });
    const b = await startSimulator({ seed: 42 });
    try {
      expect(a.guance.apiKey).toBe(b.guance.apiKey);
      expect(a.dgc.secretKey).toBe(b.dgc.secretKey);
      expect(a.guance.createTask()).toBe(b.guance.createTask());
      expect(a.edge.createTask([3])).toBe(b.edge.createTask([3]));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses bad options with a TypeError or RangeError that names them and never echoes a string', async () => {
    await expect(startSimulator({ nope: 1 } as never)).rejects.toThrow(/unknown option "nope"/);
    await expect(startSimulator({ timeScale: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ timeScale: 'fast' as never })).rejects.toThrow(/timeScale must be a number/);
    await expect(startSimulator({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(startSimulator({ seed: 1.5 })).rejects.toThrow(/seed/);
    await expect(startSimulator({ guance: { apiKey: 'has space secret' } })).rejects.toThrow(
      /guance.apiKey must be printable ASCII/,
    );
    await expect(startSimulator({ guance: { apiKey: 'has space secret' } })).rejects.not.toThrow(/secret/);
    await expect(startSimulator({ guance: { defaults: { durationMs: [5, 1] } } })).rejects.toThrow(
      /max \(1\) must be ≥ min \(5\)/,
    );
    await expect(startSimulator({ edge: { defaults: { outcome: 'maybe' as never } } })).rejects.toThrow(
      /edge.defaults.outcome must be one of/,
    );
    await expect(startSimulator({ dgc: { epochFormat: 'iso' as never } })).rejects.toThrow(/dgc.epochFormat/);
    await expect(startSimulator({ workflow: { graphPort: 0 } })).rejects.toThrow(/workflow.graphPort/);
    await expect(startSimulator({ edgeTls: { cert: 'x' } as never })).rejects.toThrow(/edgeTls.key/);
    await expect(startSimulator({ edgeTls: { cert: 'x', key: 'y' } })).rejects.toThrow(/edgeTls.ca is required/);
    await expect(startSimulator({ guance: { rateLimit: { limit: 0, intervalMs: 1 } } })).rejects.toThrow(
      /guance.rateLimit.limit/,
    );
  });

  it('checks scripts too', async () => {
    sim = await startSimulator({ seed: 1 });
    expect(() => sim!.guance.script({ outcome: 'partial' as never })).toThrow(
      /guance.script.outcome must be one of succeeded, failed/,
    );
    expect(() => sim!.guance.script({ durationMs: -1 })).toThrow(RangeError);
    expect(() => sim!.edge.script({ bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
    expect(() => sim!.dgc.script('no-such-task', {})).toThrow(/no task with that id/);
    expect(() => sim!.workflow.script({ tasks: [] })).toThrow(/non-empty array/);
    expect(() => sim!.guance.script({ progress: 'wobbly' as never })).toThrow(/progress must be one of/);
  });

  it('close() leaves no server, socket or timer behind, even with a hung request and a pending latency', async () => {
    const before = ourHandles();
    const local = await startSimulator({ seed: 1 });
    local.faults.add({ kind: 'hang', route: 'guance.queryTask' });
    local.faults.add({ kind: 'latency', latencyMs: 60_000, route: 'guance.sendTask' });
    const hung = raw(`${local.guance.baseURL}/api/v1/logmine/query_task?taskId=x`).catch((error: Error) => error);
    const slow = raw(`${local.guance.baseURL}/api/v1/logmine/send_task`, { method: 'POST', body: {} }).catch(
      (error: Error) => error,
    );
    await expect.poll(() => local.requests.length).toBe(2);
    expect(ourHandles()).not.toEqual(before);
    await local.close();
    expect(await hung).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
    const after = ourHandles();
    for (const kind of ['TCPServerWrap', 'TCPSocketWrap', 'TCPWRAP', 'TLSWrap'])
      expect(after[kind] ?? 0).toBe(before[kind] ?? 0);
    expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0); // the 60 s latency timer is gone
    expect(local.requests.map((r) => r.outcome)).toEqual(['hung', 'reset']);
    await local.close(); // idempotent
  });

  it('records every request with credentials redacted (headers and secret-looking body keys)', async () => {
    sim = await startSimulator({ seed: 3 });
    const { guance, dgc, workflow } = sim;
    await raw(`${guance.baseURL}/api/v1/logmine/query_task?taskId=t1`, { headers: { 'DF-API-KEY': guance.apiKey } });
    await raw(`${dgc.endpoint}/v1/${dgc.projectId}/system-tasks/abc`, {
      headers: { 'X-Auth-Token': dgc.token, 'X-Security-Token': 'temp-secret' },
    });
    await raw(`${workflow.baseURL}/api-open/v1/jobs/1`, {
      headers: { Cookie: `explorer_token=${workflow.token}; theme=dark` },
    });
    const basic = Buffer.from(JSON.stringify([workflow.credentials.username, workflow.credentials.password])).toString(
      'base64',
    );
    await raw(`${workflow.baseURL}/api-open/v1/connect`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${basic}` },
      body: { address: '127.0.0.1', port: 9669, password: 'body-secret' },
    });

    const all = JSON.stringify(sim.requests);
    for (const secret of [guance.apiKey, dgc.token, 'temp-secret', workflow.token, basic, 'body-secret'])
      expect(all).not.toContain(secret);
    const [g, d, w, c] = sim.requests;
    expect(g?.headers['df-api-key']).toBe(REDACTED);
    expect(d?.headers['x-auth-token']).toBe(REDACTED);
    expect(d?.headers['x-security-token']).toBe(REDACTED);
    expect(w?.headers.cookie).toBe(`explorer_token=${REDACTED}; theme=${REDACTED}`);
    expect(c?.headers.authorization).toBe(`Bearer ${REDACTED}`);
    expect(c?.body).toEqual({ address: '127.0.0.1', port: 9669, password: REDACTED });
    expect(g).toMatchObject({
      seq: 1,
      provider: 'guance',
      route: 'guance.queryTask',
      method: 'GET',
      query: { taskId: 't1' },
      status: 404,
      outcome: 'answered',
    });
    expect(typeof g?.time).toBe('number');
  });

  it('requestsFor filters by provider and route; reset() forgets requests, tasks and faults', async () => {
    sim = await startSimulator({ seed: 3 });
    const id = sim.guance.createTask({ durationMs: 0 });
    sim.faults.add({ kind: 'server-error', provider: 'edge' });
    await raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=${id}`, {
      headers: { 'DF-API-KEY': sim.guance.apiKey },
    });
    await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/task?taskId=dumpMultiNodesLog.1`);
    await raw(`${sim.guance.baseURL}/nowhere`);
    expect(sim.requestsFor('guance')).toHaveLength(1);
    expect(sim.requestsFor('guance', 'guance.sendTask')).toHaveLength(0);
    expect(sim.requestsFor('edge')[0]?.status).toBe(500);
    expect(sim.requests[2]).toMatchObject({ provider: undefined, route: undefined, status: 404 });
    expect(() => sim!.requestsFor('acme' as never)).toThrow(RangeError);

    sim.reset();
    expect(sim.requests).toEqual([]);
    expect(sim.faults.list()).toEqual([]);
    expect(sim.guance.task(id)).toBeUndefined();
    const again = await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/task?taskId=dumpMultiNodesLog.1`);
    expect(again.status).toBe(400);
    expect(sim.requests[0]?.seq).toBe(4);
  });

  it('serves exactly the route ids it lists', async () => {
    sim = await startSimulator({ seed: 1 });
    expect(new Set(ROUTE_IDS).size).toBe(13);
    expect(() => sim!.faults.add({ kind: 'hang', route: 'guance.nope' })).toThrow(/not a route id/);
    for (const route of ROUTE_IDS) expect(() => sim!.faults.add({ kind: 'hang', route })).not.toThrow();
  });

  it('answers a body over 1 MiB with 413', async () => {
    sim = await startSimulator({ seed: 1 });
    const answer = await raw(`${sim.guance.baseURL}/api/v1/logmine/send_task`, {
      method: 'POST',
      body: Buffer.alloc(1024 * 1024 + 1, 32),
    });
    expect(answer.status).toBe(413);
  });
});
