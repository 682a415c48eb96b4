import nock from 'nock';
import { defineAdapter, type TaskState } from '../../src/index.js';
import type { NockClock } from '../helpers/nock-clock.js';

/** How a scripted task behaves: `running` (with `progress` rising) for `polls` polls, then `end`. */
export interface TaskScript {
  /** Non-terminal answers before the terminal one. @default 0 */
  polls?: number;
  /** The terminal state; `'never'` runs for ever. @default 'succeeded' */
  end?: TaskState | 'never';
  /** Answer `queued` for this many of the first polls. @default 0 */
  queuedPolls?: number;
}

/** One request the task server saw. */
export interface Seen {
  kind: 'poll' | 'cancel';
  id: string;
  at: number;
}

/**
 * A task API played by nock at `base`: `GET /tasks/:id` answers each task's script, one step per
 * poll; `POST /tasks/:id/cancel` is recorded. It also tracks which tasks the server sees as watched:
 * from their first poll until a terminal answer or a cancel, and the most it ever saw at once.
 */
export function taskServer(base: string, scripts: Record<string, TaskScript> | ((id: string) => TaskScript)) {
  const seen: Seen[] = [];
  const polls = new Map<string, number>();
  const watched = new Set<string>();
  let maxWatched = 0;
  const script = (id: string): TaskScript => (typeof scripts === 'function' ? scripts(id) : (scripts[id] ?? {}));
  nock(base)
    .persist()
    .get(/^\/tasks\/[^/]+$/)
    .reply((uri) => {
      const id = decodeURIComponent(uri.split('/')[2] ?? '');
      seen.push({ kind: 'poll', id, at: Date.now() });
      const done = polls.get(id) ?? 0;
      polls.set(id, done + 1);
      const { polls: total = 0, end = 'succeeded', queuedPolls = 0 } = script(id);
      if (done < total || end === 'never') {
        watched.add(id);
        maxWatched = Math.max(maxWatched, watched.size);
        const state = done < queuedPolls ? 'queued' : 'running';
        return [200, { state, progress: total > 0 ? Math.min(99, Math.round((100 * done) / total)) : 0 }];
      }
      watched.delete(id);
      return [200, { state: end, result: { id, polls: done + 1 } }];
    })
    .post(/^\/tasks\/[^/]+\/cancel$/)
    .reply((uri) => {
      const id = decodeURIComponent(uri.split('/')[2] ?? '');
      seen.push({ kind: 'cancel', id, at: Date.now() });
      watched.delete(id);
      return [204];
    });
  return {
    seen,
    /** The most tasks the server saw being watched at once. */
    maxWatched: () => maxWatched,
    /** The ids polled, in order of their first poll. */
    polled: () => [...new Set(seen.filter((s) => s.kind === 'poll').map((s) => s.id))],
  };
}

/** An adapter over the task server, its requests counted by `clock` (so fake time moves only between them). */
export function taskAdapter(base: string, clock: NockClock, provider = 'test.tasks') {
  const http = clock.axios();
  return defineAdapter<string, { id: string; polls: number }>({
    provider,
    resultRequired: true,
    async getStatus(id, { signal }) {
      const { data } = await http.get<{ state: TaskState; progress?: number; result?: { id: string; polls: number } }>(
        `${base}/tasks/${encodeURIComponent(id)}`,
        { signal },
      );
      return { state: data.state, providerState: data.state, progress: data.progress, result: data.result };
    },
    async cancel(id, { signal }) {
      await http.post(`${base}/tasks/${encodeURIComponent(id)}/cancel`, undefined, { signal });
    },
  });
}

/** Polling that keeps the tests short: every 1 s, no jitter. */
export const EVERY_SECOND = {
  initialDelayMs: 1000,
  maxDelayMs: 1000,
  factor: 1,
  jitter: 0,
  progressAware: false,
} as const;
