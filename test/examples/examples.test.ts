import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { main as customAdapter } from '../../examples/custom-adapter.js';
import { main as demo } from '../../examples/demo.js';
import { main as dgcExample } from '../../examples/dgc.js';
import { main as edgeExample } from '../../examples/edge.js';
import { main as fleetBudgetExample } from '../../examples/fleet-budget.js';
import { main as fleetExample } from '../../examples/fleet.js';
import { main as manyExample } from '../../examples/many.js';
import { main as otelExample } from '../../examples/otel.js';
import { main as guanceExample } from '../../examples/guance.js';
import { main as loggingExample } from '../../examples/logging.js';
import { main as quickstart } from '../../examples/quickstart.js';
import { main as resumeExample } from '../../examples/resume.js';
import { main as testingExample } from '../../examples/testing-with-simulator.js';
import { main as workflowExample } from '../../examples/workflow.js';
import { hasOpenssl, makeTestPki } from '../helpers/mtls.js';
import { startRedis } from '../helpers/redis.js';

/**
 * Every example's main(), against the simulator (their default) and, where an example reads a real
 * endpoint from the environment, against a simulator named by those variables. The examples print
 * with console.log: the lines are collected (not shown) and checked for credentials.
 */
const root = resolve(import.meta.dirname, '../..');
const logged: string[] = [];
const originalLog = console.log;
const scratch = mkdtempSync(join(tmpdir(), 'taskpoll-examples-'));
const sims: Simulator[] = [];

beforeAll(() => {
  console.log = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
});
afterAll(async () => {
  console.log = originalLog;
  await Promise.all(sims.map((sim) => sim.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/** A simulator standing in for a real endpoint; its tasks end at once unless scripted otherwise. */
async function endpoint(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const sim = await startSimulator({ seed: 11, ...options });
  sims.push(sim);
  return sim;
}

const printed = (secret: string) => logged.some((line) => line.includes(secret));

// Not concurrently with the other examples: instrument() sees every wait of the process.
describe('the OpenTelemetry example', () => {
  it('otel: a wait span with its poll spans as children, and the metrics', async () => {
    const { spans, metrics } = await otelExample();
    const wait = spans.find((s) => s.name === 'taskpoll.wait guance.logmine');
    expect(wait?.attributes['taskpoll.outcome']).toBe('succeeded');
    const polls = spans.filter((s) => s.spanContext().traceId === wait?.spanContext().traceId && s !== wait);
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) expect(poll.parentSpanContext?.spanId).toBe(wait?.spanContext().spanId);
    expect(metrics).toEqual(expect.arrayContaining(['taskpoll.wait.duration', 'taskpoll.polls']));
  });
});

describe.concurrent('examples against the simulator (their default)', () => {
  it('quickstart: typed clusters', async () => {
    const result = await quickstart();
    expect(result.clusters.length).toBeGreaterThan(0);
    expect(result.docCount).toBe(result.clusters.reduce((sum, c) => sum + c.count, 0));
    expect(result.clusters[0]).toEqual({
      count: expect.any(Number),
      docIds: expect.any(Array),
      message: expect.any(String),
    });
  });

  it('fleet-budget: waits paced by a Redis budget (a real redis-server)', async () => {
    const redis = await startRedis();
    try {
      expect(await fleetBudgetExample(redis.url)).toBe(5);
    } finally {
      await redis.stop();
    }
  });

  it('fleet: durable waits on BullMQ, a worker and a producer (a real redis-server)', async () => {
    const redis = await startRedis();
    try {
      expect((await fleetExample(redis.url)).sort()).toEqual(['failed', 'succeeded', 'succeeded']);
    } finally {
      await redis.stop();
    }
  });

  it('guance: submit → running → ok, clusters', async () => {
    const result = await guanceExample({});
    expect(result.source).toBe('simulator');
    expect(result.clusters.length).toBeGreaterThan(0);
  });

  it('edge: waiting → processing → succeed, the archive downloaded', async () => {
    const out = mkdtempSync(join(scratch, 'edge-'));
    const result = await edgeExample({ EDGE_OUT: out });
    expect(result).toMatchObject({
      source: 'simulator',
      state: 'succeeded',
      fileName: 'edgeNodes.tar.gz',
      path: join(out, 'edgeNodes.tar.gz'),
    });
    expect(statSync(result.path).size).toBe(result.bytes);
  });

  it('dgc: RUNNING → SUCCESSFUL with its three job subtasks', async () => {
    const result = await dgcExample({});
    expect(result).toMatchObject({
      source: 'simulator',
      state: 'succeeded',
      name: 'Import jobs from path [obs://demo-bucket/jobs.zip].',
    });
    expect(result.subtasks.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('workflow: the PageRank task of a three-task job, rows typed [string, number]', async () => {
    const result = await workflowExample({});
    expect(result).toMatchObject({ source: 'simulator', task: 'PageRank' });
    expect(result.rows.length).toBeGreaterThan(0);
    for (const [vid, rank] of result.rows) {
      expect(typeof vid).toBe('string');
      expect(typeof rank).toBe('number');
    }
  });

  it('custom-adapter: typed result, TaskNotFoundError from the adapter, abort with remote cancel, timeout', async () => {
    const result = await customAdapter();
    expect(result.url).toMatch(/^https:\/\/files\.example\/\d+\.csv$/);
    expect(result.missing).toBe('TaskNotFoundError: export no-such-export does not exist');
    expect(result.aborted).toMatch(/^TaskAbortedError: /);
    expect(result.cancelled).toBe('cancelled');
    expect(result.late).toMatch(/^TaskTimeoutError: .*within 300 ms/);
  });

  it('many: a group in input order, endings in completion order, the first of a race', async () => {
    const result = await manyExample({ timeScale: 600 });
    expect(result.done).toEqual(result.taskIds);
    const [slow, failing, middle] = result.more;
    expect(result.order).toEqual([failing, middle, slow]);
    expect(result.first).toBe(result.racers[1]);
  });

  it('resume: the snapshot stored after 2 polls, the wait continued from it after a "restart"', async () => {
    const { snapshot, done } = await resumeExample();
    expect(snapshot).toMatchObject({ version: 1, provider: 'guance.logmine', attempts: 2 });
    expect(snapshot.deadline).toBe(snapshot.startedAt + 10 * 60_000);
    expect(done.state).toBe('succeeded');
    expect(printed('after the restart, poll 3: ')).toBe(true); // polls counted on from the snapshot
    expect(printed('after the restart, poll 1: ')).toBe(false);
  });

  it('testing-with-simulator: its node:assert scenarios pass', async () => {
    await expect(testingExample()).resolves.toMatchObject({ passed: 3 });
  });
});

describe.concurrent('examples against "real" endpoints named by environment variables (simulators here)', () => {
  it('logging: one JSON line per poll, retry (code, delay), pause and ending; the key never printed', async () => {
    const sim = await endpoint({ seed: 3, timeScale: 600 });
    const { taskId, state, lines } = await loggingExample(sim);
    expect(state).toBe('succeeded');
    // Other examples run at the same time: their waits (and their adapters' pauses, which name no task)
    // are logged too, so only this task's lines count, and the pause is looked for among all.
    // A poll may also queue for a pacing slot (a `queued` line) or not, as the timing falls.
    const ours = lines.filter((line) => line.taskId === taskId && line.event !== 'queued');
    expect(ours.map((line) => line.event)).toEqual(['poll', 'retry', 'poll', 'poll', 'end']);
    expect(lines.some((line) => line.event === 'pause' && line.pauseMs === 1000)).toBe(true);
    expect(ours[0]).toMatchObject({ attempt: 1, retry: 0, code: 'HTTP_ERROR' });
    expect(ours[1]).toMatchObject({ retry: 1, code: 'HTTP_ERROR', delayMs: 1000, retryAfter: true });
    expect(ours.at(-1)).toMatchObject({ outcome: 'succeeded', attempts: 2 });
    expect(printed(`"taskId":"${taskId}"`)).toBe(true);
    expect(printed(sim.guance.apiKey)).toBe(false);
  });

  it('guance: GUANCE_API_KEY + GUANCE_BASE_URL; the key is sent, never printed', async () => {
    const sim = await endpoint();
    const clusters = [{ count: 2, docids: ['L_1', 'L_2'], message: '{"level":"error","msg":"boom"}' }];
    sim.guance.script({ durationMs: 0, clusters });
    const result = await guanceExample({
      GUANCE_API_KEY: sim.guance.apiKey,
      GUANCE_BASE_URL: sim.guance.baseURL,
      GUANCE_FIELD: 'content',
    });
    expect(result).toMatchObject({
      source: 'guance',
      docCount: 2,
      clusters: [{ count: 2, docIds: ['L_1', 'L_2'], message: clusters[0]!.message }],
    });
    expect(sim.requestsFor('guance', 'guance.sendTask')[0]).toMatchObject({
      body: { analysisField: 'content' },
      headers: { 'df-api-key': '[REDACTED]' },
    });
    expect(printed(sim.guance.apiKey)).toBe(false);
  });

  it('edge: EDGE_BASE_URL + EDGE_NODES over plain HTTP (no EDGE_CERT)', async () => {
    const sim = await endpoint();
    sim.edge.script({ queuedMs: 0, durationMs: 0 });
    const out = mkdtempSync(join(scratch, 'edge-http-'));
    const result = await edgeExample({ EDGE_BASE_URL: sim.edge.baseURL, EDGE_NODES: '4,9', EDGE_OUT: out });
    expect(result).toMatchObject({ source: 'mef', state: 'succeeded' });
    expect(sim.requestsFor('edge', 'edge.createTask')[0]?.body).toMatchObject({ edgeNodes: [4, 9] });
    await expect(edgeExample({ EDGE_BASE_URL: sim.edge.baseURL })).rejects.toThrow(/EDGE_NODES/);
  });

  it.skipIf(!hasOpenssl())('edge: EDGE_CERT, EDGE_KEY, EDGE_CA file paths: mutual TLS', async () => {
    const pki = makeTestPki();
    try {
      const sim = await endpoint({
        edgeTls: { cert: pki.server.cert, key: pki.server.key, ca: pki.platformCa, serverCa: pki.mefCa },
      });
      sim.edge.script({ queuedMs: 0, durationMs: 0 });
      const dir = mkdtempSync(join(scratch, 'edge-tls-'));
      const file = (name: string, pem: string) => {
        writeFileSync(join(dir, name), pem);
        return join(dir, name);
      };
      const result = await edgeExample({
        EDGE_BASE_URL: sim.edge.baseURL,
        EDGE_CERT: file('client.crt', pki.client.cert),
        EDGE_KEY: file('client.key', pki.client.key),
        EDGE_CA: file('mef-ca.crt', pki.mefCa),
        EDGE_NODES: '2',
        EDGE_OUT: dir,
      });
      expect(sim.edge.baseURL).toMatch(/^https:/);
      expect(result).toMatchObject({ source: 'mef', state: 'succeeded', path: join(dir, 'edgeNodes.tar.gz') });
      expect(result.bytes).toBeGreaterThan(0);
    } finally {
      pki.dispose();
    }
  });

  it('dgc: DGC_ENDPOINT + DGC_PROJECT_ID + DGC_AK/DGC_SK (signed) or DGC_TOKEN; secrets never printed', async () => {
    const sim = await endpoint();
    const base = {
      DGC_ENDPOINT: sim.dgc.endpoint,
      DGC_PROJECT_ID: sim.dgc.projectId,
      DGC_IMPORT_PATH: 'obs://bucket/etl.zip',
    };
    sim.dgc.script({ durationMs: 0, subtasks: ['Import job [etl].'] });
    const signed = await dgcExample({ ...base, DGC_AK: sim.dgc.accessKey, DGC_SK: sim.dgc.secretKey });
    expect(signed).toMatchObject({
      source: 'dgc',
      state: 'succeeded',
      name: 'Import jobs from path [obs://bucket/etl.zip].',
    });
    expect(signed.subtasks.map((s) => s.name)).toEqual(['Import job [etl].']);
    expect(sim.requestsFor('dgc', 'dgc.importJobs')[0]?.headers.authorization).toBe('SDK-HMAC-SHA256 [REDACTED]');

    sim.dgc.script({ durationMs: 0 });
    await expect(dgcExample({ ...base, DGC_TOKEN: sim.dgc.token })).resolves.toMatchObject({ state: 'succeeded' });
    await expect(dgcExample(base)).rejects.toThrow(/DGC_TOKEN, or DGC_AK and DGC_SK/);
    expect(printed(sim.dgc.secretKey) || printed(sim.dgc.token)).toBe(false);
  });

  it('workflow: WORKFLOW_BASE_URL + an account (or WORKFLOW_TOKEN) + WORKFLOW_ID + WORKFLOW_TASK; rows typed', async () => {
    const sim = await endpoint();
    const { username, password, graphAddress, graphPort } = sim.workflow.credentials;
    const base = { WORKFLOW_BASE_URL: sim.workflow.baseURL, WORKFLOW_ID: '77', WORKFLOW_TASK: 'PageRank' };
    sim.workflow.script({
      queuedMs: 0,
      durationMs: 0,
      tasks: [
        'BFS',
        {
          name: 'PageRank',
          rows: [
            ['player100', '0.25'],
            ['team204', '0.75'],
          ],
        },
      ],
    });
    const account = {
      WORKFLOW_USERNAME: username,
      WORKFLOW_PASSWORD: password,
      WORKFLOW_GRAPH_ADDRESS: graphAddress,
      WORKFLOW_GRAPH_PORT: String(graphPort),
    };
    const result = await workflowExample({ ...base, ...account });
    expect(result).toMatchObject({
      source: 'explorer',
      task: 'PageRank',
      rows: [
        ['player100', 0.25],
        ['team204', 0.75],
      ],
    });
    expect(sim.requestsFor('workflow', 'workflow.createJob')[0]?.path).toBe('/api-open/v1/workflows/77/jobs');

    sim.workflow.script({ queuedMs: 0, durationMs: 0, tasks: ['Query'] });
    await expect(
      workflowExample({ ...base, WORKFLOW_TOKEN: sim.workflow.token, WORKFLOW_TASK: 'Nope' }),
    ).rejects.toThrow(/has no task Nope \(it has: Query\)/);
    expect(printed(password) || printed(sim.workflow.token)).toBe(false);
  });
});

describe.concurrent('the demo', () => {
  function capture() {
    let text = '';
    const write = (chunk: string): void => {
      text += chunk;
    };
    return { out: { write }, text: () => text };
  }

  it('plain lines (not a TTY): progress lines, typed results, the summary line', async () => {
    const { out, text } = capture();
    const report = await demo({ out, tty: false, timeScale: 600 });
    expect(report).toMatchObject({ succeeded: 4, failed: 0, clusters: 4, subtasks: 4 });
    expect(report.summary).toMatch(/^4 tasks, 4 succeeded, \d+ polls, \d+\.\d s$/);
    expect(report.archiveBytes).toBeGreaterThan(0);
    expect(typeof report.rows?.[0]?.[1]).toBe('number');
    const lines = text().split('\n');
    expect(lines.at(-2)).toBe(report.summary);
    expect(text()).not.toContain('\x1b[');
    for (const label of ['Guance logmine', 'MEF log dump', 'DataArts import', 'Explorer PageRank']) {
      expect(lines.filter((line) => new RegExp(`${label} +✓ succeeded`).test(line))).toHaveLength(1);
    }
    expect(text()).toContain('4 clusters over 1661 log lines; biggest: 1289 × GET /api/v1/health 200 1.2ms');
    expect(text()).toContain('4 of 4 jobs imported: orders_daily, orders_hourly, refunds, clean_up');
  });

  it('on a TTY: one line per task, redrawn in place', async () => {
    const { out, text } = capture();
    const report = await demo({ out: { ...out, isTTY: true, columns: 100 }, timeScale: 600 });
    expect(report.failed).toBe(0);
    expect(text()).toContain('\x1b[4F'); // back up over the four lines
    expect(text()).toContain('\x1b[2K✓ Explorer PageRank');
    expect(text().trimEnd().endsWith(report.summary)).toBe(true);
  });

  it('npm run demo (node --import tsx examples/demo.ts): exits 0 within 30 s, summary last', async () => {
    const began = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'examples/demo.ts'],
          { cwd: root, timeout: 30_000 },
          (_error, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
        );
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^4 tasks, 4 succeeded, \d+ polls, \d+\.\d s$/);
    expect(Date.now() - began).toBeLessThan(30_000);
  }, 35_000);
});
