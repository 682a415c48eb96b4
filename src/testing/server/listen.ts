/**
 * The listeners: node:http on 127.0.0.1, and node:https for MEF's mutual-TLS listener when asked
 * for; every socket and timer they open is tracked, so that `close()` leaves nothing behind.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as realSetImmediate } from 'node:timers';
import { dispatch, type ClientCertPolicy, type DispatchConfig, type Listener } from './dispatch.js';

/** What the server runs with. */
export interface ServerConfig extends DispatchConfig {
  /** Port of the main listener (0: an ephemeral one). */
  port: number;
  /** When set, edge routes are served only on a second, HTTPS listener. */
  edgeTls: { options: HttpsServerOptions; clientCert: ClientCertPolicy; port: number } | undefined;
  /** A body over this many bytes is answered with a 413. */
  maxBodyBytes: number;
}

/** The running server(s). */
export interface RunningServer {
  /** `http://127.0.0.1:<port>`. */
  mainURL: string;
  /** `https://127.0.0.1:<port>` when the edge TLS listener runs. */
  edgeTlsURL: string | undefined;
  close(): Promise<void>;
}

/** Starts the listener(s) on 127.0.0.1. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const handles = new OpenHandles();
  const handler =
    (listener: Listener): RequestListener =>
    (req: IncomingMessage, res: ServerResponse) => {
      // Anything unexpected ends the connection rather than surfacing as an unhandled rejection.
      readBody(req, config.maxBodyBytes)
        .then((body) => dispatch(config, listener, req, res, body, (ms) => handles.delay(ms)))
        .catch(() => req.socket.destroy());
    };

  const mainPort = await listen(handles.track(createServer(handler('main'))), config.port);

  let edgeTlsURL: string | undefined;
  if (config.edgeTls) {
    const { options, clientCert, port } = config.edgeTls;
    // With `'handshake'`, Node's TLS server itself refuses the certificate; with `'http-400'` the
    // handshake completes and dispatch answers nginx's 400 page.
    const tlsServer = createHttpsServer(
      {
        ...options,
        requestCert: clientCert.required,
        rejectUnauthorized: clientCert.required && clientCert.failure === 'handshake',
      },
      handler('edge-tls'),
    );
    handles.track(tlsServer);
    tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
    try {
      edgeTlsURL = `https://127.0.0.1:${await listen(tlsServer, port)}`;
    } catch (error) {
      await handles.close();
      throw error;
    }
  }

  return { mainURL: `http://127.0.0.1:${mainPort}`, edgeTlsURL, close: () => handles.close() };
}

/** The servers, sockets and delay timers the simulator has open, and the one way to close them all. */
class OpenHandles {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #waits = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Tracks a server's sockets; a connection that arrives after `close()` is destroyed at once. */
  track<T extends Server>(server: T): T {
    server.on('connection', (socket: Socket) => {
      if (this.#closed) {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    // A client that sends garbage or resets mid-request must not crash the test process.
    server.on('clientError', (_error, socket) => socket.destroy());
    this.#servers.push(server);
    return server;
  }

  /** Waits `ms` on a timer that `close()` clears; resolves false when the simulator closed meanwhile. */
  delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.#waits.delete(wait);
          resolve(!this.#closed);
        }, ms),
        resolve: () => resolve(false),
      };
      this.#waits.add(wait);
    });
  }

  /** Clears the delay timers, closes the servers and destroys every socket. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const wait of this.#waits) {
        clearTimeout(wait.timer);
        wait.resolve();
      }
      this.#waits.clear();
      await closeAll(this.#servers, this.#sockets);
    })();
    return this.#closing;
  }
}

/**
 * Closes the servers and destroys every socket, then waits until libuv has really closed the handles
 * (socket `close` events, then a turn of the loop for the listening handles), so that
 * `process.getActiveResourcesInfo()` shows nothing of ours once this resolves. It uses the real
 * `setImmediate` from `node:timers`, which vitest's fake timers leave alone.
 */
async function closeAll(servers: Server[], sockets: Set<Socket>): Promise<void> {
  const closing = servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const gone = [...sockets].map((socket) =>
    socket.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())),
  );
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all([...closing, ...gone]);
  await new Promise((resolve) => realSetImmediate(resolve));
  await new Promise((resolve) => realSetImmediate(resolve));
}

/** Listens on 127.0.0.1 and resolves with the port (the ephemeral one when `port` is 0). */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The body, or `undefined` when it is over the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
