import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A raw answer: status, headers, body bytes, and the body read as text and JSON. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the body it just asserted the status of
  json: <T = any>() => T;
}

/** What a raw call sends. */
export interface RawCall {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (with Content-Type: application/json). */
  body?: string | Buffer | object;
  /** TLS client options for https URLs. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** Give up after this many ms (rejects with an Error whose message is 'timeout'). */
  timeoutMs?: number;
}

/**
 * One request over a fresh connection (no agent, `Connection: close`), so nothing is pooled: what the
 * simulator sees is exactly this request, and nothing stays open afterwards.
 */
export function raw(url: string, call: RawCall = {}): Promise<RawAnswer> {
  const target = new URL(url);
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { Connection: 'close', ...call.headers };
  if (call.body !== undefined) {
    if (typeof call.body === 'string' || Buffer.isBuffer(call.body)) payload = Buffer.from(call.body);
    else {
      payload = Buffer.from(JSON.stringify(call.body));
      headers['Content-Type'] ??= 'application/json';
    }
    headers['Content-Length'] = String(payload.length);
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: call.method ?? 'GET', headers, agent: false, ...(call.tls ?? {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        const answer = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text,
          json: <T>() => JSON.parse(text) as T,
        };
        // Resolve once the connection is gone, so a test that counts open handles sees none of ours.
        if (res.socket === null || res.socket.closed) resolve(answer);
        else res.socket.once('close', () => resolve(answer));
      });
    });
    req.on('error', (error) => {
      if (req.socket === null || req.socket.closed) reject(error);
      else req.socket.once('close', () => reject(error));
    });
    if (call.timeoutMs !== undefined) {
      req.setTimeout(call.timeoutMs, () => req.destroy(new Error('timeout')));
    }
    req.end(payload);
  });
}
