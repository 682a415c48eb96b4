import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/internal/http.js';
import { toTaskPollError } from '../../src/internal/transport-errors.js';
import { AuthenticationError, NetworkError, ResponseValidationError } from '../../src/index.js';

/** What Node reports when OpenSSL only names the alert in the text (TLS 1.2 handshake, write path). */
const eproto = (alert: string, prefix = 'sslv3') =>
  Object.assign(
    new Error(
      `write EPROTO 803CE64F0C7F0000:error:0A000410:SSL routines:ssl3_read_bytes:${prefix} alert ${alert}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n`,
    ),
    { isAxiosError: true, code: 'EPROTO', config: { headers: {} } },
  );

describe('toTaskPollError: TLS alerts named only in the message', () => {
  it('"handshake failure" (e.g. a TLS 1.2 server that wants a client certificate) is not transient and says why', () => {
    const mapped = toTaskPollError(eproto('handshake failure'), { provider: 'p', operation: 'GET /x' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(false);
    expect(mapped?.message).toBe(
      'p: GET /x failed: the server ended the TLS handshake with alert "handshake failure": it may require a client certificate, or share no TLS version or cipher with us',
    );
    expect((mapped as NetworkError).errno).toBe('EPROTO');
  });

  it('the OpenSSL of Node 22 and later words it "ssl/tls alert handshake failure": the same answer', () => {
    const mapped = toTaskPollError(eproto('handshake failure', 'ssl/tls'), { provider: 'p', operation: 'GET /x' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(false);
    expect(mapped?.message).toContain('alert "handshake failure": it may require a client certificate');
  });

  it.each(['bad certificate', 'certificate required', 'unknown ca'])('"%s" → AuthenticationError', (alert) => {
    const mapped = toTaskPollError(eproto(alert), { provider: 'p' });
    expect(mapped).toBeInstanceOf(AuthenticationError);
    expect(mapped?.message).toContain(`alert "${alert}"`);
  });

  it('a plain EPROTO without an alert stays a transient network error', () => {
    const error = Object.assign(new Error('write EPROTO something else'), { isAxiosError: true, code: 'EPROTO' });
    const mapped = toTaskPollError(error, { provider: 'p' });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped?.transient).toBe(true);
  });
});

describe('HttpRequest.maxResponseBytes: a per-request response size limit', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(4096, 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const drain = async (body: NodeJS.ReadableStream): Promise<number> => {
    let bytes = 0;
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    return bytes;
  };

  it('overrides the client limit for one stream, both ways; Infinity means none', async () => {
    const client = createHttpClient({ provider: 't', baseURL: url, maxResponseBytes: 1024 });
    try {
      const small = await client.stream({ method: 'GET', path: '/a' });
      const failure = await drain(small.body).catch((error: unknown) => error);
      expect(toTaskPollError(failure, { provider: 't' })).toBeInstanceOf(ResponseValidationError);
      const raised = await client.stream({ method: 'GET', path: '/a', maxResponseBytes: 8192 });
      expect(await drain(raised.body)).toBe(4096);
      const unlimited = await client.stream({ method: 'GET', path: '/a', maxResponseBytes: Number.POSITIVE_INFINITY });
      expect(await drain(unlimited.body)).toBe(4096);
      await expect(client.request({ method: 'GET', path: '/a', maxResponseBytes: 0 })).rejects.toThrow(RangeError);
    } finally {
      client.close();
    }
  });
});
