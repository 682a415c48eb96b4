/**
 * Where a request goes: the checked base URL, the URL of one request under it, and the encoding of
 * one dynamic path segment. Each refuses what could send a request (and its credentials) to another
 * host than the one the caller configured.
 *
 * @internal
 */
import { describe } from '../checks.js';

/**
 * Checks a base URL option: http(s), no credentials, no query or fragment, and nothing that could send
 * a request to another host: no backslash (URL parsers read it as `/`) and no path starting with `//`
 * (a protocol-relative reference: `http://a.example//evil.example` would name the host `evil.example`).
 */
export function checkBaseURL(value: unknown, name: string): URL {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${name} must be a URL string, got ${describe(value)}`);
  if (value.includes('\\')) throw new TypeError(`${name} must not contain a backslash`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`${name} must use http or https, got ${url.protocol}`);
  if (url.username || url.password) throw new TypeError(`${name} must not contain credentials`);
  if (url.search || url.hash) throw new TypeError(`${name} must not have a query or fragment`);
  if (url.pathname.startsWith('//')) {
    throw new TypeError(`${name} must not have a path starting with "//" (it would be read as another host)`);
  }
  return url;
}

/**
 * The URL of one request: the base URL's origin, with the base path and `path` set as its path. The path
 * is set on a URL made from the origin, never resolved as a reference, so neither part can change the
 * host (a joined path starting with `//` would otherwise be read as a host).
 */
export function requestURL(base: URL, path: string): URL {
  const url = new URL(base.origin);
  url.pathname = base.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  if (url.origin !== base.origin) throw new Error(`request URL left ${base.origin}`);
  return url;
}

/**
 * The host and port a request to `url` connects to (the port written out even when it is the scheme's
 * default), for errors.
 */
export function targetFields(url: URL): { host: string; port: number } {
  return { host: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
}

/**
 * Encodes one dynamic path segment (a task id, job id, project id). Rejects what no id can be (empty,
 * `.`/`..`, control characters such as CR, LF or NUL, longer than `maxLength`) with a TypeError before
 * any request; encodes everything else, so `/`, `?`, `#` and `%` cannot change the path.
 */
export function pathSegment(value: unknown, name: string, maxLength = 256): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) value = String(value);
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (value === '' || value === '.' || value === '..') throw new TypeError(`${name} must not be empty, "." or ".."`);
  if (value.length > maxLength)
    throw new RangeError(`${name} must be at most ${maxLength} characters, got ${value.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError(`${name} must not contain control characters`);
  return encodeURIComponent(value);
}
