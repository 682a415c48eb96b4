/**
 * A Guance-like `query_task` endpoint in a child process that counts requests on ARRIVAL, as the
 * provider does: at most `limit` accepted requests in any `intervalMs` (a sliding window); one more is
 * refused with Guance's rate-limit answer (HTTP 401 `ft.TriggerApiAkCurrentLimiting`). It knows when
 * each task ends, and answers `running` before that, the finished task after. In its own process, as a
 * provider is, it takes no event-loop turns from the client: an arrival is counted when the request
 * reaches it, not when the client's loop gets round to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/guance/${name}`, import.meta.url)), 'utf8');
const REFUSED = JSON.stringify({
  code: 401,
  content: null,
  errorCode: 'ft.TriggerApiAkCurrentLimiting',
  message: 'rate limit',
  success: false,
  traceId: 'bench',
});

export const API_KEY = 'bench-key-0123456789';

const CHILD = `
const { createServer } = require('node:http');
const { limit, intervalMs, running, done, refused } = JSON.parse(process.env.ARRIVAL_SERVER);
const endAt = new Map();
const counts = { arrived: 0, refused: 0 };
const accepted = [];
const server = createServer((req, res) => {
  const now = performance.now();
  counts.arrived += 1;
  while (accepted.length > 0 && accepted[0] <= now - intervalMs) accepted.shift();
  if (accepted.length >= limit) {
    counts.refused += 1;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(refused);
    return;
  }
  accepted.push(now);
  const taskId = new URL(req.url, 'http://x').searchParams.get('taskId') || '';
  const end = endAt.has(taskId) ? endAt.get(taskId) : Infinity;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(now >= end ? done : running);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m.ends) {
    const now = performance.now();
    for (const [id, inMs] of m.ends) endAt.set(id, now + inMs);
    process.send({ ready: true });
    return;
  }
  server.closeAllConnections();
  server.close(() => process.send({ counts }, () => process.exit(0)));
});
`;

/** The server of one scenario run. */
export interface ArrivalServer {
  readonly baseURL: string;
  /** Sets when tasks end, in ms from now, by task id. */
  setEnds(ends: ReadonlyMap<string, number>): Promise<void>;
  /** Stops the server; resolves with the requests it received, and refused for the rate limit. */
  close(): Promise<{ arrived: number; refused: number }>;
}

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
  });
}

export async function startArrivalServer(limit: number, intervalMs: number): Promise<ArrivalServer> {
  const config = {
    limit,
    intervalMs,
    running: fixture('query_task.running.json'),
    done: fixture('query_task.seed-000.json'),
    refused: REFUSED,
  };
  const child = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '', ARRIVAL_SERVER: JSON.stringify(config) },
  });
  const { port } = await next<{ port: number }>(child);
  return {
    baseURL: `http://127.0.0.1:${port}`,
    async setEnds(ends) {
      const ready = next<{ ready: true }>(child);
      child.send({ ends: [...ends] });
      await ready;
    },
    async close() {
      const answer = next<{ counts: { arrived: number; refused: number } }>(child);
      child.send('close');
      return (await answer).counts;
    },
  };
}
