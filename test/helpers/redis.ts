/**
 * A real Redis for the fleet tests: `TASKPOLL_REDIS_URL` when set (an existing Redis; each test uses
 * keys of its own), else a `redis-server` from PATH started on a free loopback port in a temp dir with
 * persistence off, and stopped after. Where redis-server is missing it is installed when we are root
 * (Debian/Ubuntu, as on CI), or the suite stops at once naming the command to run: never skipped.
 * `startOwnRedis` always starts one of the test's own, for tests that crash it (`kill`, `restart`,
 * with an append-only file) or change its config.
 *
 * `proxyTo` puts a loopback TCP proxy in front of it, which a test closes and opens again to play
 * "Redis is down" and "Redis is back" without stopping a Redis other tests may share, or which holds
 * new connections unanswered ("Redis does not answer yet").
 */
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL = 'apt-get update && apt-get install -y redis-server';

/** A Redis the tests can use. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (or `TASKPOLL_REDIS_URL`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops the server this helper started (nothing for `TASKPOLL_REDIS_URL`). */
  stop(): Promise<void>;
}

function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server || ls /usr/bin/redis-server /usr/sbin/redis-server'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')[0]
      ?.trim();
  } catch {
    return undefined;
  }
}

function redisServerPath(): string {
  const found = findRedisServer();
  if (found) return found;
  if (process.getuid?.() === 0) {
    execSync(INSTALL, { stdio: 'inherit' });
    const installed = findRedisServer();
    if (installed) return installed;
  }
  throw new Error(
    `redis-server is not installed: the fleet tests need a real Redis. Run \`sudo ${INSTALL}\`, or set TASKPOLL_REDIS_URL=redis://host:port to use one you have.`,
  );
}

/** A free loopback port (free when asked: the caller binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts (or finds) the Redis of the tests. */
export async function startRedis(): Promise<TestRedis> {
  const given = process.env['TASKPOLL_REDIS_URL'];
  if (given) {
    const url = new URL(given);
    return { url: given, host: url.hostname, port: Number(url.port || 6379), stop: async () => undefined };
  }
  return startOwnRedis();
}

/** A redis-server this helper started and owns, which a test may crash and start again. */
export interface OwnRedis extends TestRedis {
  /** Kills the server with SIGKILL (a crash: nothing is flushed but what `appendfsync` already wrote). */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (it reloads its append-only file). */
  restart(): Promise<void>;
}

/**
 * Starts a redis-server of the test's own, from PATH even when `TASKPOLL_REDIS_URL` is set: for tests
 * that crash it, or change its config, and so cannot share one. With `appendOnly`, every write is in
 * its append-only file before it is answered (`--appendfsync always`), so a restart finds it all.
 */
export async function startOwnRedis(options: { appendOnly?: boolean } = {}): Promise<OwnRedis> {
  const binary = redisServerPath();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'taskpoll-redis-'));
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir];
  let child = await spawnRedis(binary, args);
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    kill: () => exit('SIGKILL'),
    async restart() {
      await exit('SIGKILL');
      child = await spawnRedis(binary, args);
    },
    async stop() {
      await exit('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns redis-server and resolves once it accepts connections (its data loaded). */
async function spawnRedis(binary: string, args: string[]): Promise<ChildProcess> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
    child.once('error', reject);
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** A TCP proxy to a Redis that a test can take down and bring back on the same port. */
export interface RedisProxy {
  readonly url: string;
  readonly port: number;
  /** Refuses new connections and cuts the open ones: Redis looks down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /**
   * Keeps the open connections but holds new ones: accepted, never answered, until `release()`. A
   * client connecting then waits for Redis as long as the test wants, with no timing to race.
   */
  hold(): void;
  /** Passes the held connections, and new ones, on to Redis. */
  release(): void;
  /** How many connections are held now. */
  held(): number;
}

export async function proxyTo(redis: TestRedis): Promise<RedisProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let held: Socket[] | undefined;
  let server: Server | undefined;
  const forward = (client: Socket): void => {
    const upstream = connect(redis.port, redis.host);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  };
  const listen = async (): Promise<void> => {
    server = createServer((client) => {
      sockets.add(client);
      if (!held) return forward(client);
      // Unread, what the client sends waits in the socket until it is released.
      client.pause();
      held.push(client);
      client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async down() {
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      held = held && [];
      await closing;
      server = undefined;
    },
    up: listen,
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const client of waiting) if (!client.destroyed) forward(client);
    },
    held: () => (held ?? []).filter((client) => !client.destroyed).length,
  };
}

/** A key no other test (or earlier run on a shared Redis) uses. */
export function uniqueKey(name: string): string {
  return `test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
