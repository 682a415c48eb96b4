/**
 * `npm run bench -- fleet`: one Guance budget shared by 4 processes (issue 15). 4 processes × 50 waits
 * on one API key against the simulator's Guance limit (20 requests a minute, scaled in time), paced by
 * `redisPacer` on one key, against each process pacing itself to a quarter of the limit (what the FAQ
 * advised before). Refusals (goal 0) and budget use while demand exceeds the budget (goal ≥ 90 %).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startSimulator } from '../../src/testing/index.js';
import { startRedis } from '../../test/helpers/redis.js';
import { check, type SectionResult } from '../report.js';

const PROCESSES = 4;
const WAITS = 50;
/** Guance's 20 requests a minute, 120 times faster: 20 per 500 ms. */
const TIME_SCALE = 120;
const LIMIT = 20;
const INTERVAL_MS = 60_000 / TIME_SCALE;
/** Demand exceeds the budget while at least this many waits are unfinished (each polls every 20 ms). */
const BUSY_WAITS = 10;
const CHILD = resolve(import.meta.dirname, 'child.ts');
const ROOT = resolve(import.meta.dirname, '../..');

interface Row {
  mode: string;
  refusals: number;
  requests: number;
  use: number;
  busySeconds: number;
  failed: number;
}

function runChild(env: Record<string, string>): Promise<{ ends: number[]; failed: number; errors: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`child exited ${code}`))));
  });
}

async function scenario(mode: 'redis' | 'local', redisUrl: string): Promise<Row> {
  const sim = await startSimulator({
    seed: 15,
    timeScale: TIME_SCALE,
    guance: { rateLimit: { limit: LIMIT, intervalMs: 60_000 } },
    maxRecordedRequests: 100_000,
  });
  try {
    const env = {
      MODE: mode,
      REDIS_URL: redisUrl,
      BUDGET_KEY: `bench-${process.pid}-${Date.now()}`,
      LIMIT: String(LIMIT),
      INTERVAL_MS: String(INTERVAL_MS),
      PROCESSES: String(PROCESSES),
      WAITS: String(WAITS),
      BASE_URL: sim.guance.baseURL,
      API_KEY: sim.guance.apiKey,
    };
    const outs = await Promise.all(Array.from({ length: PROCESSES }, () => runChild(env)));
    const requests = sim.requestsFor('guance');
    const first = Math.min(...requests.map((r) => r.time));
    const ends = outs.flatMap((o) => o.ends).sort((a, b) => a - b);
    // Busy until fewer than BUSY_WAITS waits are left.
    const busyUntil = ends[ends.length - BUSY_WAITS] ?? Math.max(...requests.map((r) => r.time));
    const sent = requests.filter((r) => r.time < busyUntil && r.status !== 401).length;
    const slots = (LIMIT * (busyUntil - first)) / INTERVAL_MS;
    return {
      mode: mode === 'redis' ? '`redisPacer`, one key, 20 per window' : 'each process paced alone, 5 per window',
      refusals: requests.filter((r) => r.status === 401).length,
      requests: requests.length,
      use: sent / slots,
      busySeconds: (busyUntil - first) / 1000,
      failed: outs.reduce((sum, o) => sum + o.failed, 0),
    };
  } finally {
    await sim.close();
  }
}

export async function fleetSection(): Promise<SectionResult> {
  const started = performance.now();
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    rows.push(await scenario('redis', redis.url));
    rows.push(await scenario('local', redis.url));
  } finally {
    await redis.stop();
  }
  const shared = rows[0] as Row;
  const table = rows
    .map(
      (r) =>
        `| ${r.mode} | ${r.requests} | ${r.refusals} | ${(r.use * 100).toFixed(1)}% | ${r.busySeconds.toFixed(1)} s | ${r.failed} |`,
    )
    .join('\n');
  const md = `## Fleet mode: one budget shared by 4 processes

${PROCESSES} processes × ${WAITS} Guance waits (submit, then a poll every 20 ms) on one API key, against
the simulated Guance limit (20 requests a minute, ${TIME_SCALE}× faster: 20 per ${INTERVAL_MS} ms, counted at
arrival). Redis: a local redis-server 7.0 on loopback. "Use" counts the requests that arrived while
at least ${BUSY_WAITS} waits were unfinished (demand above the budget), over the window's slots in
that time. Section wall time: ${((performance.now() - started) / 1000).toFixed(1)} s.

| pacing | requests | refusals | use while busy | busy time | waits failed |
| --- | ---: | ---: | ---: | ---: | ---: |
${table}

Goals: 0 refusals ${check(shared.refusals === 0)}; use ≥ 90 % ${check(shared.use >= 0.9)}.
`;
  const summary = `fleet: redisPacer ${shared.refusals} refusals, ${(shared.use * 100).toFixed(1)}% use; per-process quarter ${(rows[1] as Row).refusals} refusals, ${((rows[1] as Row).use * 100).toFixed(1)}% use`;
  return { md, summary };
}
