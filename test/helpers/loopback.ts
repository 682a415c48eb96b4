import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestServer } from './server.js';

/**
 * Pieces of the tests that play a provider with a real loopback server (server.ts) while stepping fake
 * time by exact amounts: routes by path, a body sent in chunks, and event-loop turns for the server's
 * real I/O to run between the steps (the shared settle helpers run a conversation to its end instead).
 */

/** How the loopback server answers one route. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Sends each request to `routes()[path]` (the path without its query); any other path gets a 404. */
export function routeByPath(server: TestServer, routes: () => Record<string, Handler>): void {
  server.handle((req, res) => {
    const route = routes()[(req.url ?? '').split('?')[0] ?? ''];
    if (route) route(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
}

/** Sends `bytes` as an octet stream in 64 KiB chunks, one per event-loop turn. */
export const sendInChunks =
  (bytes: Buffer): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    let offset = 0;
    const next = (): void => {
      if (offset >= bytes.length) {
        res.end();
        return;
      }
      res.write(bytes.subarray(offset, offset + 65_536));
      offset += 65_536;
      setImmediate(next);
    };
    next();
  };

/** Lets `n` event-loop turns of real I/O run. */
export const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

/**
 * The real clock, taken before any test fakes `performance`: how long `until` has waited is real time,
 * which a fake clock standing still would never show passing.
 */
const realNow = performance.now.bind(performance);

/**
 * How long `until` waits by default, in real ms: far longer than any loopback exchange takes, even on
 * a loaded machine, and well inside the suite's 20 s test timeout, so that a wait that can never end
 * fails with what it waited for rather than as a bare test timeout.
 */
export const UNTIL_LIMIT_MS = 5000;

/**
 * Lets real I/O run (a fake clock standing still) until `condition` holds. Bounded: after `limitMs`
 * of real time it rejects with an error naming what it waited for (`what`, or a function that
 * describes the state at that moment; else the condition's source), because a condition that needs
 * fake time to move can never hold while the test stands in this loop.
 */
export const until = async (
  condition: () => boolean,
  what: string | (() => string) = String(condition),
  limitMs = UNTIL_LIMIT_MS,
): Promise<void> => {
  const start = realNow();
  let count = 0;
  while (!condition()) {
    if (realNow() - start > limitMs) {
      const awaited = typeof what === 'function' ? what() : what;
      throw new Error(
        `until: still waiting after ${limitMs} ms of real time (${count} event-loop turns) for ${awaited}; ` +
          'if it needs fake time to move, it cannot happen while the test waits here',
      );
    }
    await turns(1);
    count += 1;
  }
};

/** Tells whether `promise` has settled yet (either way), for `until`; the promise's rejection counts as handled. */
export const settledYet = (promise: Promise<unknown>): (() => boolean) => {
  let settled = false;
  const end = (): void => {
    settled = true;
  };
  promise.then(end, end);
  return () => settled;
};
