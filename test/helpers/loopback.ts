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

/** Lets real I/O run (a fake clock standing still) until `condition` holds. */
export const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await turns(1);
};
