// Mutual TLS: the tls material checked when the adapter is made, and real HTTPS loopback servers that
// require a client certificate (as MEF's nginx does), with the failures each side can cause.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  edgeLogDump,
  type EdgeLogDump,
  type EdgeLogDumpOptions,
  type EdgeTlsOptions,
} from '../../../src/providers/edge/index.js';
import { AuthenticationError, NetworkError, ResponseValidationError, waitForTask } from '../../../src/index.js';
import { hasOpenssl, makeTestPki, type TestPki } from '../../helpers/mtls.js';
import { DOWNLOAD_PATH, ID, TASK_PATH } from './mef.js';

const ARCHIVE = Buffer.from('not really a tar.gz, but bytes all the same\n'.repeat(2000));

interface TlsServer {
  url: string;
  /** TCP connections accepted. */
  connections: number;
  /** HTTP requests that reached the handler, with the client certificate's CN. */
  requests: { url: string; clientCn: string | undefined }[];
  close(): Promise<void>;
}

/** A real HTTPS server on 127.0.0.1 that plays MEF's log dump routes. */
async function startServer(
  options: ServerOptions,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TlsServer> {
  const state: Omit<TlsServer, 'url' | 'close'> = { connections: 0, requests: [] };
  let polls = 0;
  const serve =
    handler ??
    ((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === DOWNLOAD_PATH) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(ARCHIVE);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'POST') {
        res.end(JSON.stringify({ status: '00000000', msg: 'success', data: { taskId: ID } }));
        return;
      }
      polls += 1;
      const status = polls === 1 ? 'processing' : 'succeed';
      res.end(
        JSON.stringify({
          status: '00000000',
          msg: 'success',
          data: { taskId: ID, status, progress: polls === 1 ? 50 : 100, data: { fileName: 'edgeNodes.tar.gz' } },
        }),
      );
    });
  const server = createServer(options, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    state.requests.push({ url: req.url ?? '', clientCn: peer?.subject?.CN as string | undefined });
    serve(req, res);
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const openssl = hasOpenssl();
let pki: TestPki;
let servers: TlsServer[] = [];
let adapters: EdgeLogDump[] = [];

/** MEF's gateway: TLS 1.2 only, client certificates required and checked against the platform root. */
const mefServer = (extra: ServerOptions = {}, handler?: (req: IncomingMessage, res: ServerResponse) => void) =>
  startServer(
    {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: [pki.platformCa],
      requestCert: true,
      rejectUnauthorized: true,
      maxVersion: 'TLSv1.2',
      ...extra,
    },
    handler,
  ).then((server) => {
    servers.push(server);
    return server;
  });
const goodTls = (): EdgeTlsOptions => ({ cert: pki.client.cert, key: pki.client.key, ca: pki.mefCa });
function make(options: EdgeLogDumpOptions): EdgeLogDump {
  const edge = edgeLogDump(options);
  adapters.push(edge);
  return edge;
}

/** No view of the error shows key material or the passphrase. */
function expectNoSecret(error: unknown): void {
  const keyLine = pki.client.key.split('\n')[1] as string;
  const encLine = pki.encryptedClientKey.split('\n')[1] as string;
  const views = [String(error), (error as Error).stack ?? '', JSON.stringify(error), inspect(error, { depth: 10 })];
  for (const view of views) {
    expect(view).not.toContain(keyLine);
    expect(view).not.toContain(encLine);
    expect(view).not.toContain(pki.passphrase);
    expect(view).not.toContain('secret-key-material');
  }
}

beforeAll(() => {
  if (openssl) pki = makeTestPki();
});
afterAll(() => {
  pki?.dispose();
});
afterEach(async () => {
  for (const edge of adapters) edge.close();
  adapters = [];
  for (const server of servers) await server.close();
  servers = [];
});

describe.skipIf(!openssl)('edge.logDump mutual TLS material (checked when the adapter is made)', () => {
  const base = 'https://127.0.0.1:30035';
  const attempt = (tls: unknown): unknown => {
    try {
      edgeLogDump({ baseURL: base, tls: tls as EdgeTlsOptions }).close();
      return undefined;
    } catch (error) {
      return error;
    }
  };

  it('accepts PEM strings, Buffers, a CA list and an encrypted key with its passphrase', () => {
    expect(attempt(goodTls())).toBeUndefined();
    expect(
      attempt({
        cert: Buffer.from(pki.client.cert),
        key: Buffer.from(pki.client.key),
        ca: [Buffer.from(pki.mefCa), pki.rogueCa],
      }),
    ).toBeUndefined();
    expect(attempt({ ...goodTls(), key: pki.encryptedClientKey, passphrase: pki.passphrase })).toBeUndefined();
    expect(attempt({ ...goodTls(), cert: pki.client.cert + pki.platformCa })).toBeUndefined();
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a cert that is not PEM', () => ({ ...goodTls(), cert: 'hello' }), /tls.cert must be a PEM certificate/],
    [
      'a cert with garbage inside the PEM lines',
      () => ({ ...goodTls(), cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      /tls.cert holds a certificate that cannot be read/,
    ],
    ['a cert given as a number', () => ({ ...goodTls(), cert: 42 }), /tls.cert must be a PEM string or Buffer, got 42/],
    [
      'a key that is not PEM',
      () => ({ ...goodTls(), key: 'secret-key-material' }),
      /tls.key must be a PEM private key/,
    ],
    [
      'the key of another certificate',
      () => ({ ...goodTls(), key: pki.rogueClient.key }),
      /tls.key is not the private key of tls.cert/,
    ],
    [
      'an encrypted key without its passphrase',
      () => ({ ...goodTls(), key: pki.encryptedClientKey }),
      /tls.key cannot be read \(it is encrypted: check tls.passphrase\)/,
    ],
    [
      'an encrypted key with a wrong passphrase',
      () => ({ ...goodTls(), key: pki.encryptedClientKey, passphrase: 'wrong' }),
      /tls.key cannot be read/,
    ],
    [
      'a passphrase that is not a string',
      () => ({ ...goodTls(), passphrase: 1234 }),
      /tls.passphrase must be a string/,
    ],
    [
      'no ca',
      () => ({ cert: pki.client.cert, key: pki.client.key }),
      /tls.ca must be a PEM string or Buffer, got undefined/,
    ],
    ['an empty ca list', () => ({ ...goodTls(), ca: [] }), /tls.ca must hold MEF's root CA/],
    [
      'a ca list with garbage',
      () => ({ ...goodTls(), ca: [pki.mefCa, 'nope'] }),
      /tls.ca\[1\] must be a PEM certificate/,
    ],
    ['a private key given as ca', () => ({ ...goodTls(), ca: pki.client.key }), /tls.ca must be a PEM certificate/],
  ])('rejects %s with a TypeError that echoes nothing', (_name, tls, message) => {
    const error = attempt(tls());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expectNoSecret(error);
  });
});

describe.skipIf(!openssl)('edge.logDump over mutual TLS (real HTTPS loopback server)', () => {
  it('correct certificates: submit → processing → succeed → download, every request with the client certificate', async () => {
    const server = await mefServer();
    const edge = make({ baseURL: server.url, tls: goodTls() });
    const taskId = await edge.submit({ edgeNodes: [2] });
    const done = await waitForTask(edge, taskId, { initialDelayMs: 1, maxDelayMs: 1 });
    expect(done.result).toEqual({ fileName: 'edgeNodes.tar.gz' });
    const dir = await mkdtemp(join(tmpdir(), 'taskpoll-edge-tls-'));
    try {
      const target = join(dir, 'edgeNodes.tar.gz');
      await edge.download(done, target);
      expect((await readFile(target)).equals(ARCHIVE)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(server.requests.map((r) => r.clientCn)).toEqual(Array(4).fill('taskpoll-test-client'));
  });

  it('a download that fails midway over mTLS (size limit) → ResponseValidationError with nothing of the agent in it', async () => {
    const server = await mefServer();
    const edge = make({
      baseURL: server.url,
      tls: { ...goodTls(), key: pki.encryptedClientKey, passphrase: pki.passphrase },
      maxDownloadBytes: 1000,
    });
    const status = await edge.getStatus(ID, { signal: new AbortController().signal });
    expect(status.state).toBe('running');
    const done = { ...status, state: 'succeeded' as const, terminal: true, result: { fileName: 'edgeNodes.tar.gz' } };
    const error = await edge.download(done, new PassThrough().resume()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expectNoSecret(error);
    expectNoSecret((error as Error).cause);
  });

  it('your own httpsAgent with the certificates works the same', async () => {
    const server = await mefServer();
    const agent = new HttpsAgent({
      cert: pki.client.cert,
      key: pki.client.key,
      ca: pki.mefCa,
      rejectUnauthorized: true,
    });
    try {
      const edge = make({ baseURL: server.url, httpsAgent: agent });
      expect((await edge.getStatus(ID, { signal: new AbortController().signal })).state).toBe('running');
    } finally {
      agent.destroy();
    }
  });

  it('a server certificate from the wrong CA → NetworkError "not trusted", not transient, one connection, no retry', async () => {
    const server = await mefServer({ key: pki.rogueServer.key, cert: pki.rogueServer.cert });
    const edge = make({ baseURL: server.url, tls: goodTls() });
    const error = await waitForTask(edge, ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({
      transient: false,
      errno: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      provider: 'edge.logDump',
      taskId: ID,
    });
    expect((error as Error).message).toBe(
      `edge.logDump: GET ${TASK_PATH} to ${new URL(server.url).host} failed: the server's TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    );
    expect(server.connections).toBe(1);
    expect(server.requests).toHaveLength(0);
    expectNoSecret(error);
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn the check off', async () => {
    const server = await mefServer({ key: pki.rogueServer.key, cert: pki.rogueServer.cert });
    const before = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    const warn = process.emitWarning;
    process.emitWarning = () => undefined;
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    try {
      const edge = make({ baseURL: server.url, tls: goodTls() });
      await expect(edge.getStatus(ID, { signal: new AbortController().signal })).rejects.toMatchObject({
        code: 'NETWORK_ERROR',
        errno: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      if (before === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = before;
      process.emitWarning = warn;
    }
  });

  it('a server certificate for another address → NetworkError, not transient', async () => {
    // The MEF root is trusted, but the certificate names 127.0.0.1 and we call "localhost".
    const server = await mefServer();
    const edge = make({ baseURL: server.url.replace('127.0.0.1', 'localhost'), tls: goodTls() });
    const error = await waitForTask(edge, ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ transient: false, errno: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(server.requests).toHaveLength(0);
  });

  describe('a server that requires a client certificate', () => {
    it('TLS 1.2 (as MEF), none sent → handshake failure alert: NetworkError that says why, not retried', async () => {
      const server = await mefServer();
      const agent = new HttpsAgent({ ca: pki.mefCa, rejectUnauthorized: true });
      try {
        const edge = make({ baseURL: server.url, httpsAgent: agent });
        const error = await waitForTask(edge, ID).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NetworkError);
        expect(error).toMatchObject({ transient: false, errno: 'EPROTO' });
        expect((error as Error).message).toBe(
          `edge.logDump: GET ${TASK_PATH} to ${new URL(server.url).host} failed: the server ended the TLS handshake with alert "handshake failure": it may require a client certificate, or share no TLS version or cipher with us`,
        );
        expect(server.connections).toBe(1);
      } finally {
        agent.destroy();
      }
    });

    it('TLS 1.3, none sent → "certificate required" alert: AuthenticationError, not retried', async () => {
      const server = await mefServer({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
      const agent = new HttpsAgent({ ca: pki.mefCa, rejectUnauthorized: true });
      try {
        const edge = make({ baseURL: server.url, httpsAgent: agent });
        const error = await waitForTask(edge, ID).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AuthenticationError);
        expect((error as Error).message).toMatch(/the server refused the TLS client certificate/);
        expect(server.connections).toBe(1);
      } finally {
        agent.destroy();
      }
    });

    it('a client certificate from an untrusted CA, Node as server → the connection is dropped without an alert: transient ECONNRESET', async () => {
      // What a Node server does: it checks the certificate after the handshake and just closes the socket,
      // so the client cannot tell this from a network failure (nginx, as MEF uses, answers 400: next test).
      const server = await mefServer();
      const edge = make({
        baseURL: server.url,
        tls: { ...goodTls(), cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      });
      const error = await waitForTask(edge, ID, { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ transient: true, errno: 'ECONNRESET' });
      expect(server.connections).toBe(2);
      expect(server.requests).toHaveLength(0);
      expectNoSecret(error);
    });

    it.each([
      ['none', undefined, 'No required SSL certificate was sent'],
      ['one from an untrusted CA', 'rogue', 'The SSL certificate error'],
    ] as const)(
      'nginx-style (checks after the handshake, answers a 400 page), %s sent → AuthenticationError, one request',
      async (_name, which, text) => {
        const pages: string[] = [];
        const server = await mefServer({ rejectUnauthorized: false }, (req, res) => {
          const socket = req.socket as TLSSocket;
          if (!socket.authorized) {
            const sent = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
            const title = sent ? 'The SSL certificate error' : 'No required SSL certificate was sent';
            pages.push(title);
            res.writeHead(400, { 'content-type': 'text/html' });
            res.end(
              `<html>\r\n<head><title>400 ${title}</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
            );
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        });
        const agent = which === 'rogue' ? undefined : new HttpsAgent({ ca: pki.mefCa, rejectUnauthorized: true });
        try {
          const edge = agent
            ? make({ baseURL: server.url, httpsAgent: agent })
            : make({
                baseURL: server.url,
                tls: { ...goodTls(), cert: pki.rogueClient.cert, key: pki.rogueClient.key },
              });
          const error = await waitForTask(edge, ID).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(AuthenticationError);
          expect(error).toMatchObject({ httpStatus: 400, transient: false });
          expect((error as Error).message).toBe(
            `edge.logDump: GET ${TASK_PATH} answered HTTP 400: the server did not accept the TLS client certificate (missing or not trusted)`,
          );
          expect(server.requests).toHaveLength(1);
          expect(pages).toEqual([text]);
          expectNoSecret(error);
        } finally {
          agent?.destroy();
        }
      },
    );
  });
});
