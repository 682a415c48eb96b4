/**
 * The API Gateway's side of `SDK-HMAC-SHA256` (the APIG signing guide, support.huaweicloud.com
 * `devg-apisign/api-sign-0001`), written from the algorithm description rather than from any client
 * signer, so that the simulator checks a client's signature independently: it rebuilds the canonical
 * request from the bytes that arrived.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What the `Authorization` header carries. */
export interface SdkAuthorization {
  accessKey: string;
  /** Lower-case header names, in the order given. */
  signedHeaders: string[];
  /** Lower-case hex. */
  signature: string;
}

/** The request parts a signature covers. */
export interface SignedParts {
  method: string;
  /** The path as it arrived (percent-encoded). */
  rawPath: string;
  /** The query string as it arrived, without `?`. */
  rawQuery: string;
  /** Name, value, name, value… as they arrived. */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** Why a signed request is refused. */
export type SignatureProblem = 'malformed' | 'date-missing' | 'date-expired' | 'unsigned-required-header' | 'mismatch';

/** The unreserved bytes kept as they are; every other byte becomes `%XX`. */
const UNRESERVED = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~');

/** Parses `SDK-HMAC-SHA256 Access=…, SignedHeaders=a;b, Signature=…`; `undefined` when it is not one. */
export function parseSdkAuthorization(value: string | undefined): SdkAuthorization | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*SDK-HMAC-SHA256\s+(.*)$/.exec(value);
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of (match[1] as string).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKey || !signed || !signature || !/^[0-9a-fA-F]{64}$/.test(signature)) return undefined;
  return {
    accessKey,
    signedHeaders: signed.split(';').map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** Percent-encodes a string byte by byte over UTF-8, upper-case hex. */
export function sdkEscape(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out.push(UNRESERVED.has(char) ? char : `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`);
  }
  return out.join('');
}

function unescapeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonical request the gateway signs: method, URI, query, headers, signed headers, payload hash. */
export function gatewayCanonicalRequest(parts: SignedParts, signedHeaders: readonly string[]): string {
  // URI: every segment decoded then re-escaped; a trailing slash always present.
  let uri = parts.rawPath
    .split('/')
    .map((segment) => sdkEscape(unescapeLoosely(segment)))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';

  // Query: raw (decoded) pairs ordered by key, then value, comparing UTF-8 bytes; then escaped.
  const pairs: [Buffer, Buffer, string, string][] = [];
  for (const piece of parts.rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = unescapeLoosely((eq < 0 ? piece : piece.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : unescapeLoosely(piece.slice(eq + 1).replace(/\+/g, ' '));
    pairs.push([Buffer.from(key), Buffer.from(value), key, value]);
  }
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
  const query = pairs.map(([, , key, value]) => `${sdkEscape(key)}=${sdkEscape(value)}`).join('&');

  // Headers: one `name:value` line per value of each signed header, values trimmed and sorted.
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const values: string[] = [];
    for (let i = 0; i + 1 < parts.rawHeaders.length; i += 2) {
      if ((parts.rawHeaders[i] as string).toLowerCase() === name)
        values.push((parts.rawHeaders[i + 1] as string).trim());
    }
    values.sort();
    for (const value of values) lines.push(`${name}:${value}`);
  }

  const contentHash =
    headerValue(parts.rawHeaders, 'x-sdk-content-sha256') ?? createHash('sha256').update(parts.body).digest('hex');
  return [parts.method.toUpperCase(), uri, query, `${lines.join('\n')}\n`, signedHeaders.join(';'), contentHash].join(
    '\n',
  );
}

/** The signature the gateway expects for a canonical request, signed at `sdkDate` with `secretKey`. */
export function gatewaySignature(canonicalRequest: string, sdkDate: string, secretKey: string): string {
  const digest = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return createHmac('sha256', Buffer.from(secretKey, 'utf8'))
    .update(`SDK-HMAC-SHA256\n${sdkDate}\n${digest}`, 'utf8')
    .digest('hex');
}

/**
 * Verifies a signed request: the `X-Sdk-Date` is present, signed and within `maxSkewMs` of `nowMs`;
 * `host` and `x-sdk-date` are signed; the signature matches. Returns the problem, or `undefined`.
 */
export function verifyGatewaySignature(
  parts: SignedParts,
  auth: SdkAuthorization,
  secretKey: string,
  nowMs: number,
  maxSkewMs: number,
): SignatureProblem | undefined {
  if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-sdk-date'))
    return 'unsigned-required-header';
  const sdkDate = headerValue(parts.rawHeaders, 'x-sdk-date');
  if (sdkDate === undefined) return 'date-missing';
  const at = parseSdkDate(sdkDate);
  if (at === undefined) return 'malformed';
  if (Math.abs(nowMs - at) > maxSkewMs) return 'date-expired';
  const expected = Buffer.from(
    gatewaySignature(gatewayCanonicalRequest(parts, auth.signedHeaders), sdkDate, secretKey),
    'utf8',
  );
  const given = Buffer.from(auth.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : 'mismatch';
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms; `undefined` when malformed. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) return (rawHeaders[i + 1] as string).trim();
  }
  return undefined;
}
