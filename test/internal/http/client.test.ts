import { inspect } from 'node:util';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient } from '../../../src/internal/http/client.js';
import { toTaskPollError } from '../../../src/internal/http/errors.js';
import type { HttpClient } from '../../../src/internal/http/types.js';
import {
  AuthenticationError,
  HttpError,
  NetworkError,
  ProviderError,
  ResponseValidationError,
  isTaskPollError,
} from '../../../src/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const SECRET = 'sk-canary-6f1d2e';
let server: TestServer;
let client: HttpClient;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  client?.close();
  server.requests.length = 0;
});

function make(extra: Partial<Parameters<typeof createHttpClient>[0]> = {}): HttpClient {
  client = createHttpClient({ provider: 'test.http', baseURL: server.url, headers: { 'X-Api-Key': SECRET }, ...extra });
  return client;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

/** Every way an error can be looked at must be free of the secret. */
function expectNoSecret(error: unknown): void {
  const views = [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    inspect((error as Error).cause, { depth: 10 }),
    JSON.stringify((error as Error).cause ?? null),
  ];
  for (const view of views) expect(view).not.toContain(SECRET);
}

describe('createHttpClient', () => {
  it('sends headers, query and JSON body; parses the JSON answer; validates with a schema', async () => {
    server.handle(json(200, { ok: true, n: 1 }));
    const c = make();
    const { body } = await c.requestJson(
      { method: 'POST', path: '/v1/things', query: { a: 'x y', b: 2, skip: undefined }, body: { k: 'v' } },
      z.object({ ok: z.boolean(), n: z.number() }),
    );
    expect(body).toEqual({ ok: true, n: 1 });
    const [req] = server.requests;
    expect(req?.url).toBe('/v1/things?a=x+y&b=2');
    expect(req?.headers['x-api-key']).toBe(SECRET);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toBe('{"k":"v"}');
  });

  it('keeps a base path of the base URL', async () => {
    server.handle(json(200, {}));
    const c = createHttpClient({ provider: 'p', baseURL: `${server.url}/prefix/` });
    await c.request({ method: 'GET', path: '/x' });
    expect(server.requests[0]?.url).toBe('/prefix/x');
    c.close();
  });

  it.each([
    [401, AuthenticationError, false],
    [403, AuthenticationError, false],
    [404, HttpError, false],
    [400, HttpError, false],
    [408, HttpError, true],
    [429, HttpError, true],
    [500, HttpError, true],
    [502, HttpError, true],
    [503, HttpError, true],
  ] as const)('HTTP %i → %o (transient %s), with no secret in it', async (status, type, transient) => {
    server.handle(json(status, { error: 'nope' }));
    const error = await make()
      .request({ method: 'GET', path: '/x', taskId: 't1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(isTaskPollError(error) && error.transient).toBe(transient);
    expect((error as HttpError).taskId).toBe('t1');
    expect((error as HttpError).provider).toBe('test.http');
    expectNoSecret(error);
  });

  it('429 with Retry-After (seconds): retryAfterMs on the error', async () => {
    server.handle(json(429, {}, { 'retry-after': '3' }));
    const error = (await make()
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e)) as HttpError;
    expect(error.retryAfterMs).toBe(3000);
  });

  it('the provider reading of an error envelope wins over the status mapping', async () => {
    server.handle(json(400, { error_code: 'DLF.0803', error_msg: 'bad path' }));
    const c = make({
      interpretError: (response) => {
        const data = response.data as { error_code?: string; error_msg?: string };
        return data.error_code
          ? new ProviderError(data.error_msg ?? '', {
              providerCode: data.error_code,
              httpStatus: response.status,
              provider: 'test.http',
            })
          : undefined;
      },
    });
    const error = await c.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', providerCode: 'DLF.0803', httpStatus: 400 });
  });

  it('malformed JSON on a 2xx: ResponseValidationError, transient (a body cut off on the way; the poll retries it)', async () => {
    server.handle(json(200, '{"a": '));
    const error = await make()
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).transient).toBe(true);
  });

  it('an HTML error page on a 502 is a transient HttpError, its text kept short', async () => {
    server.handle((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad gateway</body></html>');
    });
    const error = await make()
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).transient).toBe(true);
  });

  it('a body that fails the schema names where', async () => {
    server.handle(json(200, { content: { taskStatus: 5 } }));
    const error = (await make()
      .requestJson({ method: 'GET', path: '/x' }, z.object({ content: z.object({ taskStatus: z.string() }) }))
      .catch((e: unknown) => e)) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.issues[0]?.path).toEqual(['content', 'taskStatus']);
    expect(error.message).toContain('content.taskStatus');
  });

  it('refuses a body over the size cap', async () => {
    server.handle(json(200, { big: 'x'.repeat(5000) }));
    const error = await make({ maxResponseBytes: 1000 })
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expectNoSecret(error);
  });

  it('does not follow redirects (credentials must not travel to another host)', async () => {
    server.handle((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/steal' });
      res.end();
    });
    const error = await make()
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).httpStatus).toBe(302);
    expect(server.requests).toHaveLength(1);
  });

  it('connection refused: transient NetworkError with errno, the secret nowhere in it', async () => {
    const c = createHttpClient({ provider: 'p', baseURL: 'http://127.0.0.1:1', headers: { 'X-Api-Key': SECRET } });
    const error = await c.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    c.close();
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).errno).toBe('ECONNREFUSED');
    expect((error as NetworkError).transient).toBe(true);
    expectNoSecret(error);
  });

  it('connection reset mid-answer: transient NetworkError', async () => {
    server.handle((req) => req.socket.destroy());
    const error = await make()
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).transient).toBe(true);
    expectNoSecret(error);
  });

  it('a request past its time limit: NetworkError timedOut', async () => {
    server.handle(() => undefined);
    const error = await make({ requestTimeoutMs: 50 })
      .request({ method: 'GET', path: '/hang' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).timedOut).toBe(true);
  });

  it('an abort of the caller signal rejects with its reason', async () => {
    server.handle(() => undefined);
    const controller = new AbortController();
    const pending = make().request({ method: 'GET', path: '/hang', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(pending).rejects.toThrow('stop');
  });

  it('a caller-supplied axios instance is used (interceptors run)', async () => {
    server.handle(json(200, {}));
    const instance = axios.create();
    instance.interceptors.request.use((config) => {
      config.headers.set('X-Intercepted', 'yes');
      return config;
    });
    await make({ axios: instance }).request({ method: 'GET', path: '/x' });
    expect(server.requests[0]?.headers['x-intercepted']).toBe('yes');
  });

  it('prepare() sees the final URL and body bytes and can add headers (request signing)', async () => {
    server.handle(json(200, {}));
    let seen = '';
    await make({
      prepare: (req) => {
        seen = `${req.method} ${req.url.pathname}${req.url.search} ${req.body}`;
        req.headers['X-Signature'] = 'sig';
      },
    }).request({ method: 'POST', path: '/p', query: { q: '1' }, body: { a: 1 } });
    expect(seen).toBe('POST /p?q=1 {"a":1}');
    expect(server.requests[0]?.headers['x-signature']).toBe('sig');
  });

  it('stream() returns the body as a stream', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(Buffer.from([1, 2, 3]));
    });
    const { body, status } = await make().stream({ method: 'GET', path: '/file' });
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    expect(status).toBe(200);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('validates its own config before any request', () => {
    expect(() => createHttpClient({ provider: 'p', baseURL: 'ftp://x' })).toThrow(TypeError);
    expect(() => createHttpClient({ provider: 'p', baseURL: 'http://u:p@x' })).toThrow(/credentials/);
    expect(() => createHttpClient({ provider: 'p', baseURL: server.url, requestTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => createHttpClient({ provider: 'p', baseURL: server.url, pacing: { rate: 1 } as never })).toThrow(
      /Unknown pacing option/,
    );
    expect(() => createHttpClient({ provider: 'p', baseURL: server.url, axios: {} as never })).toThrow(/axios/);
  });
});

describe('stream(): a body cut by the time limit or an abort', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('partial'); // and never ends
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const bodyError = (body: NodeJS.ReadableStream) =>
    new Promise<unknown>((resolve) => {
      body.on('error', resolve);
      body.resume();
    });

  it("fails with the time limit's NetworkError (timedOut), not a transient ERR_CANCELED, and frees its slot", async () => {
    const client = createHttpClient({ provider: 'p', baseURL: server.url, pacing: { maxConcurrency: 1 } });
    try {
      const { body } = await client.stream({ method: 'GET', path: '/file', timeoutMs: 50 });
      const error = await bodyError(body);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).timedOut).toBe(true);
      expect((error as Error).message).toContain('within 50 ms');
      expect(client.pacer?.stats.inFlight).toBe(0);
    } finally {
      client.close();
    }
  });

  it("fails with the caller's abort reason, as request() does", async () => {
    const client = createHttpClient({ provider: 'p', baseURL: server.url });
    try {
      const controller = new AbortController();
      const { body } = await client.stream({ method: 'GET', path: '/file', signal: controller.signal });
      const reason = new Error('user left');
      setTimeout(() => controller.abort(reason), 10);
      expect(await bodyError(body)).toBe(reason);
    } finally {
      client.close();
    }
  });
});

describe('HttpRequest.maxResponseBytes: a per-request response size limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(4096, 1));
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const drain = async (body: NodeJS.ReadableStream): Promise<number> => {
    let bytes = 0;
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    return bytes;
  };

  it('overrides the client limit for one stream, both ways; Infinity means none', async () => {
    const client = createHttpClient({ provider: 't', baseURL: server.url, maxResponseBytes: 1024 });
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
