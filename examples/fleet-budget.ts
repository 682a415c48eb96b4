/**
 * Fleet mode: one rate budget for every process that uses the same API key. Each replica of a service
 * makes its own adapter with `pacing: redisPacer(...)` on the same key, and together they stay inside
 * the provider's limit. Runs against the simulator and a local Redis:
 * REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/fleet-budget.ts
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { type Pacer, waitForAll } from 'taskpoll';
import { guanceLogmine } from 'taskpoll/guance';
import { budgetKey, redisPacer } from 'taskpoll/redis';
import { startSimulator } from 'taskpoll/testing';

// Guance allows 20 requests a minute per API key: one budget for every process using this key, named
// by a hash of the key (the key itself never reaches Redis). `timeScale` is 1 against the real service.
export function sharedBudget(redis: Redis, apiKey: string, timeScale = 1): Pacer {
  return redisPacer({ redis, key: budgetKey(apiKey), requestsPerInterval: 20, intervalMs: 60_000 / timeScale });
}

export async function main(redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'): Promise<number> {
  // The simulated Guance runs 600 times faster than real time: its minute is 100 ms here.
  const timeScale = 600;
  const sim = await startSimulator({ timeScale });
  const { baseURL, apiKey } = sim.guance;
  const redis = new Redis(redisUrl);
  const pacing = sharedBudget(redis, apiKey, timeScale);
  const logmine = guanceLogmine({ baseURL, apiKey, pacing });
  try {
    const now = Date.now();
    const input = { analysisField: 'message', timeRange: [now - 3_600_000, now] as [number, number] };
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => logmine.submit(input)));
    const done = await waitForAll(logmine, ids, { initialDelayMs: 50 });
    console.log(`${done.length} tasks done; requests sent: ${logmine.pacerStats()?.started}`);
    return done.length;
  } finally {
    // The adapter leaves a pacer it was given open: close it, then the Redis client (nothing stays open).
    logmine.close();
    pacing.close();
    await redis.quit();
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
