/**
 * One process of the shared-budget benchmark: `WAITS` Guance submits and waits at once, paced either
 * by `redisPacer` on the shared key (`MODE=redis`) or by its own in-process share of the budget
 * (`MODE=local`: the limit divided by the number of processes). Prints when each wait ended.
 */
import { Redis } from 'ioredis';
import { waitForTask } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { redisPacer } from 'taskpoll/redis';

const env = (name: string): string => process.env[name] ?? '';
const limit = Number(env('LIMIT'));
const intervalMs = Number(env('INTERVAL_MS'));
const processes = Number(env('PROCESSES'));
const redis = env('MODE') === 'redis' ? new Redis(env('REDIS_URL')) : undefined;
const pacing = redis
  ? redisPacer({ redis, key: env('BUDGET_KEY'), requestsPerInterval: limit, intervalMs })
  : { requestsPerInterval: Math.floor(limit / processes), intervalMs };
const logmine = guanceLogmine({ baseURL: env('BASE_URL'), apiKey: env('API_KEY'), pacing });

async function oneWait(): Promise<number> {
  const now = Date.now();
  const taskId = await logmine.submit({ analysisField: 'message', timeRange: [now - 60_000, now] });
  // Polls as often as the budget lets: demand stays above the budget while waits remain.
  await waitForTask(logmine, taskId, { initialDelayMs: 20, maxDelayMs: 20, timeoutMs: 600_000 });
  return Date.now();
}

const results = await Promise.allSettled(Array.from({ length: Number(env('WAITS')) }, oneWait));
const ends = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
logmine.close();
if (typeof pacing === 'object' && 'close' in pacing) pacing.close();
await redis?.quit();
process.stdout.write(JSON.stringify({ ends, errors: errors.slice(0, 3), failed: errors.length }));
