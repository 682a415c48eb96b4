/**
 * Your own adapter, for any API that starts a job and reports on it: `defineAdapter` gives it the same
 * poller, typed result, errors, progress, abort and deadline as the built-in providers.
 *
 * The API here is a stand-in this example starts itself (at the bottom of the file):
 *   GET /exports/:id     → { state: 'pending' | 'running' | 'done' | 'cancelled', percent, url? }, 404 when unknown
 *   DELETE /exports/:id  → cancels the export
 *
 *   npx tsx examples/custom-adapter.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { defineAdapter, HttpError, TaskNotFoundError, waitForTask, type TaskPollError } from 'taskpoll';
import { z } from 'zod';

const exportSchema = z.object({
  state: z.enum(['pending', 'running', 'done', 'cancelled']),
  percent: z.number().min(0).max(100),
  url: z.string().optional(),
});
const STATES = { pending: 'queued', running: 'running', done: 'succeeded', cancelled: 'cancelled' } as const;

/** Refs are export ids (strings); the result is typed `{ url: string }`. */
export function exportsAdapter(baseURL: string) {
  const call = async (id: string, method: string, signal: AbortSignal) => {
    const response = await fetch(`${baseURL}/exports/${encodeURIComponent(id)}`, { method, signal });
    if (response.status === 404) throw new TaskNotFoundError(`export ${id} does not exist`); // at once, never retried
    // 5xx may pass: `transient: true` lets the poller retry it.
    if (!response.ok)
      throw new HttpError(`HTTP ${response.status}`, {
        httpStatus: response.status,
        transient: response.status >= 500,
      });
    return response;
  };
  return defineAdapter<string, { url: string }>({
    provider: 'acme.export',
    resultRequired: true, // a 'done' export without its url is an AdapterError, not `result: undefined`
    async getStatus(id, { signal }) {
      const job = exportSchema.parse(await (await call(id, 'GET', signal)).json());
      const report = { state: STATES[job.state], providerState: job.state, progress: job.percent, raw: job };
      return job.url ? { ...report, result: { url: job.url } } : report;
    },
    async cancel(id, { signal }) {
      await call(id, 'DELETE', signal);
    },
  });
}

/** How a wait ended: 'succeeded', or the error's name and message. */
const ending = (wait: Promise<unknown>) =>
  wait.then(
    () => 'succeeded',
    (error: TaskPollError) => `${error.name}: ${error.message}`,
  );

export async function main() {
  const api = await startExportApi();
  const acme = exportsAdapter(api.baseURL);
  try {
    // 1. Wait with progress; the result is typed.
    const done = await waitForTask(acme, api.start(2000), {
      initialDelayMs: 200,
      timeoutMs: 10_000,
      onProgress: (status, { attempt }) => console.log(`poll ${attempt}: ${status.state} ${status.progress ?? 0}%`),
    });
    console.log(`export ready at ${done.result.url}`); // done.result: { url: string }

    // 2. An unknown id: TaskNotFoundError, thrown by the adapter, ends the wait at once (no retries).
    const missing = await ending(waitForTask(acme, 'no-such-export'));
    console.log(missing);

    // 3. Give up on a long export: abort (here 300 ms in), and have the adapter cancel it on the server.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the user closed the page')), 300);
    const slow = api.start(60_000);
    const aborted = await ending(waitForTask(acme, slow, { signal: controller.signal, cancelOnAbort: true }));
    console.log(`${aborted}; the export is now ${api.stateOf(slow)}`);

    // 4. Or a deadline: TaskTimeoutError after timeoutMs.
    const late = await ending(waitForTask(acme, api.start(60_000), { timeoutMs: 300 }));
    console.log(late);

    return { url: done.result.url, missing, aborted, cancelled: api.stateOf(slow), late };
  } finally {
    await api.close();
  }
}

// --- The stand-in API: exports that take `durationMs` to finish ----------------------------------

async function startExportApi() {
  const jobs = new Map<string, { startedAt: number; durationMs: number; cancelled: boolean }>();
  const view = (job: { startedAt: number; durationMs: number; cancelled: boolean }) => {
    const percent = Math.min(100, Math.round(((Date.now() - job.startedAt) / job.durationMs) * 100));
    if (job.cancelled) return { state: 'cancelled', percent };
    if (percent >= 100) return { state: 'done', percent, url: `https://files.example/${job.startedAt}.csv` };
    return { state: percent === 0 ? 'pending' : 'running', percent };
  };
  const server = createServer((request, response) => {
    const job = jobs.get(decodeURIComponent(request.url?.split('/')[2] ?? ''));
    if (job && request.method === 'DELETE') job.cancelled = true;
    response.writeHead(job ? 200 : 404, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(job ? view(job) : { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    start(durationMs: number) {
      const id = `exp-${jobs.size + 1}`;
      jobs.set(id, { startedAt: Date.now(), durationMs, cancelled: false });
      return id;
    },
    stateOf: (id: string) => {
      const job = jobs.get(id);
      if (!job) throw new Error(`no job ${id}`);
      return view(job).state;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
