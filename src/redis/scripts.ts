/**
 * The Lua scripts of the shared budget, and how they are run. Each runs atomically in Redis and reads
 * Redis's own clock (`TIME`), so every process counts on one clock whatever its host's.
 *
 * What lives in Redis, per budget (`<key>` is the name the user gave, or `budgetKey(secret)`):
 * - `taskpoll:budget:{<key>}:window`: a sorted set, one member per granted request
 *   (`<start ms>:<random id>`), scored with the instant its slot frees again (start + `intervalMs` +
 *   margin). It expires by itself once every slot in it is free.
 * - `taskpoll:budget:{<key>}:pause`: present while a rate-limit answer holds every process (PX).
 * The braces keep both keys in one Redis Cluster slot.
 *
 * @internal
 */
import { createHash } from 'node:crypto';

/** The keys of one budget. */
export interface BudgetKeys {
  readonly window: string;
  readonly pause: string;
}

/** The Redis keys of the budget named `key`. */
export function budgetKeys(key: string): BudgetKeys {
  return { window: `taskpoll:budget:{${key}}:window`, pause: `taskpoll:budget:{${key}}:pause` };
}

/** Redis's clock in ms, as every script starts. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Grants a slot when the window has one and no pause holds: records the grant (only then) and returns
 * `{1, now, used}`. Otherwise records nothing and returns `{0, waitMs, used, pausedMs}`: the time until
 * the earliest slot frees, or until the pause ends.
 * KEYS: window, pause. ARGV: limit, intervalMs, maxMarginMs, grant id.
 */
export const ACQUIRE = `${NOW}local limit = tonumber(ARGV[1])
local life = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {0, paused, used, paused} end
if used < limit then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + life), string.format('%.0f', now) .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], life)
  return {1, now, used + 1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now), used, 0}
`;

/**
 * The request of grant `member` (started at `start`) is answered: its slot frees `intervalMs` plus
 * the time it took (within the margin's bounds) after its start. Nothing if the grant is gone.
 * KEYS: window. ARGV: member, start, intervalMs, minMarginMs, maxMarginMs.
 */
export const ANSWERED = `${NOW}local start = tonumber(ARGV[2])
local margin = math.min(tonumber(ARGV[5]), math.max(tonumber(ARGV[4]), now - start))
redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', start + tonumber(ARGV[3]) + margin), ARGV[1])
return 1
`;

/**
 * Holds every process for `ms`, unless a longer pause already does.
 * KEYS: pause. ARGV: ms.
 */
export const PAUSE = `local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
`;

/** The parts of an ioredis client the budget uses (a `Redis` or a `Cluster`). */
export interface ScriptClient {
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

const shaOf = new Map<string, string>();

/**
 * Runs `script` by its SHA-1, loading it on `NOSCRIPT` (a restarted or flushed Redis). `whole` sends
 * the script itself: one round trip whatever Redis has loaded, for what other processes must see at
 * once (a pause), where the `NOSCRIPT` retry would let their next asks go first.
 */
export async function runScript(
  redis: ScriptClient,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
  whole = false,
): Promise<unknown> {
  if (whole) return await redis.eval(script, keys.length, ...keys, ...args);
  let sha = shaOf.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shaOf.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script, keys.length, ...keys, ...args);
  }
}
