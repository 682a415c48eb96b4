/**
 * A minimal HTTP server in a child process: it answers Guance's `query_task` with a fixed "running"
 * envelope until a task id has been polled `pollsPerTask` times, then with a fixed "ok" envelope.
 * Nothing else (no recording, no faults, no rate limit). In its own process it takes no CPU time,
 * heap or event-loop turns from the client being measured, and `process.cpuUsage()` in the client
 * counts the client alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The running server. */
export interface FixedServer {
  /** `http://127.0.0.1:<port>`. */
  baseURL: string;
  close(): Promise<void>;
}

const RUNNING = JSON.stringify({
  code: 200,
  content: { data: [], docCount: 0, taskStatus: 'running' },
  errorCode: '',
  message: '',
  success: true,
  traceId: '7164728347723716608',
});
const OK = JSON.stringify({
  code: 200,
  content: {
    data: [
      {
        count: 2,
        docids: ['L_1683535329738_chcbbp44c5rvac7jvckg', 'L_1683535329738_chcbbp44c5rvac7jvcl0'],
        message: 'GET /api/v1/health 200 1.2ms',
      },
    ],
    docCount: 2,
    taskStatus: 'ok',
  },
  errorCode: '',
  message: '',
  success: true,
  traceId: '7164728347723716609',
});

const CHILD = `
const { createServer } = require('node:http');
const { pollsPerTask, running, ok } = JSON.parse(process.env.FIXED_SERVER);
const counts = new Map();
const server = createServer((req, res) => {
  const at = req.url.indexOf('taskId=');
  const id = at < 0 ? '' : req.url.slice(at + 7);
  const n = (counts.get(id) || 0) + 1;
  if (n >= pollsPerTask) counts.delete(id); else counts.set(id, n);
  const body = n >= pollsPerTask ? ok : running;
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

/** Starts the server; each task id answers "running" `pollsPerTask − 1` times, then "ok" (and is forgotten). */
export async function startFixedServer(pollsPerTask: number): Promise<FixedServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '', FIXED_SERVER: JSON.stringify({ pollsPerTask, running: RUNNING, ok: OK }) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fixed server exited with ${code}`)));
  });
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
}
