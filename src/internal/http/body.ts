/**
 * Reading an answer: the body text parsed as JSON (safely), the headers flattened, and the one rule
 * for a body that was cut off on the way.
 *
 * @internal
 */
import type { Readable } from 'node:stream';
import type { AxiosResponse } from 'axios';
import { ResponseValidationError } from '../../core/errors/index.js';
import { isTransientStatus, parseRetryAfter } from './errors.js';
import type { HttpResponse } from './types.js';

/**
 * The answer as a provider reads it: headers flattened, the body parsed as JSON (kept as short text
 * when it is not JSON), `Retry-After` in ms, whatever the status. The exception: a body meant as JSON
 * that does not parse (on a 2xx, or an error envelope whose status alone is not transient) throws a
 * transient `ResponseValidationError`.
 */
export function toHttpResponse(
  response: AxiosResponse<unknown>,
  context: { provider: string; taskId?: string | undefined; operation: string; path: string },
): HttpResponse {
  const headers = flatHeaders(response.headers);
  const raw = typeof response.data === 'string' ? response.data : '';
  let data: unknown;
  let text: string | undefined;
  if (raw.trim() !== '') {
    try {
      data = parseJson(raw);
    } catch {
      text = raw.slice(0, 512);
    }
  }
  const ok = response.status >= 200 && response.status <= 299;
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  // An error answer whose JSON envelope is cut off: the envelope, not the status, says what it means
  // (a provider's rate-limit or expired-session code on a 401, "no such task" on a 400). Statuses
  // that are transient anyway keep their own error (and Retry-After pause).
  const cutEnvelope = !ok && /^\s*[[{]/.test(raw) && !isTransientStatus(response.status);
  if ((ok || cutEnvelope) && data === undefined && text !== undefined && isJsonType(headers['content-type'])) {
    // Transient: JSON that does not parse was almost always cut off on the way (a proxy, a connection
    // reset mid-body), so the poll retries it within its budget. JSON of the wrong shape is the
    // provider's answer and still fails at once (parseBody).
    const status = ok ? '' : `HTTP ${response.status} `;
    throw new ResponseValidationError(
      `${context.provider}: ${context.operation} answered ${status}with malformed JSON (cut off?)`,
      {
        provider: context.provider,
        taskId: context.taskId,
        httpStatus: response.status,
        transient: true,
        retryAfterMs,
        issues: [{ path: [], message: 'body is not valid JSON' }],
      },
    );
  }
  return { status: response.status, headers, data, text, retryAfterMs, path: context.path };
}

/** A body without a content type, or with a JSON one, is meant to be JSON. */
function isJsonType(contentType: string | undefined): boolean {
  return contentType === undefined || /json/i.test(contentType);
}

/** JSON.parse that drops `__proto__` keys, so no body can reach an object's prototype. */
export function parseJson(text: string): unknown {
  return text.includes('__proto__')
    ? JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
    : JSON.parse(text);
}

/** Axios's response headers as plain strings, names lower-cased, repeated values joined with `, `. */
export function flatHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** The first `limit` characters of a stream (an error answer's body on a download), then destroys it. */
export async function readSome(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
