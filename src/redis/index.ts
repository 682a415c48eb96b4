/**
 * `taskpoll/redis`: one request budget shared by every process that uses the same Redis key, as a
 * {@link Pacer} for the factories' `pacing` option. Needs `ioredis` (an optional peer dependency,
 * `^5.4.0 || ^6.0.0`); the main `taskpoll` entry never loads it.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Pacer } from '../core/transport.js';
import { describe, durationOption, numberOption, rejectUnknownKeys } from '../internal/checks.js';
import { RedisPacer } from './pacer.js';
import { budgetKeys, type ScriptClient } from './scripts.js';

/** Options of {@link redisPacer}. */
export interface RedisPacerOptions {
  /**
   * Your ioredis client (`new Redis(url)`, or a `Cluster`). The pacer runs its scripts on it and opens
   * no connection of its own: once you close the adapters and `quit()` it, nothing stays open.
   */
  redis: Redis | Cluster;
  /**
   * The budget's name: every pacer given the same `key` on the same Redis spends one budget. Use a
   * name of your own (`'guance-prod'`) or {@link budgetKey} of the credential; never the credential
   * itself (the key is stored in Redis as it is). 1 to 200 printable characters, no spaces or braces.
   */
  key: string;
  /**
   * At most this many requests reach the provider in any window of `intervalMs`, counted over every
   * process together: the provider's documented limit as it is. Each slot keeps the same margin past
   * its window as the in-process pacer's (see `PacingOptions.requestsPerInterval`).
   */
  requestsPerInterval: number;
  /** The window of `requestsPerInterval`, in ms. */
  intervalMs: number;
  /**
   * At most this many requests of **this process's** pacer in flight at once (not a fleet-wide count).
   * @default no limit
   */
  maxConcurrency?: number;
  /**
   * How long one call to Redis may take before the request waiting on it fails with a `NetworkError`.
   * @default 2000
   */
  redisTimeoutMs?: number;
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'redis',
  'key',
  'requestsPerInterval',
  'intervalMs',
  'maxConcurrency',
  'redisTimeoutMs',
]);

/** What a budget's name may hold: printable ASCII, no space and no braces (they delimit the key's hash tag). */
const KEY_PATTERN = /^[\x21-\x7a|~]{1,200}$/;

/**
 * A {@link Pacer} whose budget lives in Redis and is shared by every process (and every adapter) that
 * uses the same `key`: together they never send more than `requestsPerInterval` in any `intervalMs`,
 * counted on Redis's clock. Give it as `pacing` to any factory.
 *
 * - A call that finds no slot sleeps until the next slot Redis says frees (no polling of Redis in
 *   between); within this process, calls and cancels go first, then polls by deadline, as with the
 *   in-process pacer. Across processes, whoever asks first after a slot frees gets it.
 * - A rate-limit answer seen by one process pauses them all (a shared pause key).
 * - While Redis is unreachable, every call waiting for a slot fails at once with a `NetworkError`
 *   saying so (transient: a wait retries its poll); nothing is sent on an unshared budget.
 * - `close()` rejects this pacer's waiting calls and leaves the Redis client to you; the adapters that
 *   use the pacer do not close it.
 * - `stats` counts this process's requests; `stats.window.used` is the fleet's use as this process's
 *   last ask to Redis saw it.
 *
 * What lives in Redis, per key: `taskpoll:budget:{<key>}:window` (a sorted set: one member per request
 * granted in the last window, `<start ms>:<random id>`, expiring with its last slot) and
 * `taskpoll:budget:{<key>}:pause` (while a rate-limit pause holds). Nothing else: no credential, URL or task.
 * @throws TypeError or RangeError for bad options.
 */
export function redisPacer(options: RedisPacerOptions): Pacer {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`redisPacer options must be an object, got ${describe(options)}`);
  }
  rejectUnknownKeys(options, 'redisPacer options', OPTION_KEYS);
  const { redis, key } = options;
  const client = redis as unknown as Partial<ScriptClient> | undefined;
  if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
    throw new TypeError(`redisPacer: redis must be an ioredis client, got ${describe(redis)}`);
  }
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new TypeError(
      `redisPacer: key must be 1 to 200 printable characters without spaces or braces, got ${typeof key === 'string' ? `a string of length ${key.length}` : describe(key)}`,
    );
  }
  if (options.requestsPerInterval === undefined) throw new TypeError('redisPacer: requestsPerInterval is required');
  const limit = numberOption('requestsPerInterval', options.requestsPerInterval, 1, 1, 1_000_000);
  if (!Number.isInteger(limit)) throw new RangeError('requestsPerInterval must be a whole number');
  if (options.intervalMs === undefined) throw new TypeError('redisPacer: intervalMs is required');
  const intervalMs = durationOption('intervalMs', options.intervalMs, 0, { min: 1 });
  const maxConcurrency = numberOption(
    'maxConcurrency',
    options.maxConcurrency,
    Number.MAX_SAFE_INTEGER,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  if (!Number.isInteger(maxConcurrency)) throw new RangeError('maxConcurrency must be a whole number');
  const redisTimeoutMs = durationOption('redisTimeoutMs', options.redisTimeoutMs, 2000, { min: 1 });
  return new RedisPacer({
    redis: client as ScriptClient,
    keys: budgetKeys(key),
    limit,
    intervalMs,
    maxConcurrency,
    redisTimeoutMs,
  });
}

/**
 * A budget name derived from a secret (an API key, a token): the first 32 hex digits of its SHA-256,
 * so that every process using the credential shares one budget and the credential never reaches Redis.
 * @param secret the credential the budget belongs to.
 * @throws TypeError when `secret` is not a non-empty string.
 */
export function budgetKey(secret: string): string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new TypeError('budgetKey: secret must be a non-empty string');
  }
  return `sha256-${createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;
}

export type { Pacer, PacerRequest, PacerSlot, PacerStats } from '../core/transport.js';
