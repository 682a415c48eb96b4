/**
 * Huawei Cloud API Gateway request signing, `SDK-HMAC-SHA256` (AK/SK), for the DataArts Studio
 * adapter. Internal to `taskpoll/dgc`: only `credentials.ts` uses it.
 *
 * The algorithm follows the Huawei Cloud SDK signer (Go SDK `core/auth/signer/signer.go` and
 * `escape.go`, https://github.com/huaweicloud/huaweicloud-sdk-go-v3) and the API Gateway's signing
 * guide (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002.html):
 *
 * 1. `X-Sdk-Date` = UTC `YYYYMMDDTHHMMSSZ`, read from `Date.now()` at signing time.
 * 2. Canonical request = `METHOD\n CanonicalURI\n CanonicalQuery\n CanonicalHeaders\n SignedHeaders\n
 *    hex(sha256(body))`, where the URI has each path segment escaped and a `/` appended when it does not
 *    end in one; the query pairs are sorted by raw key, then raw value (UTF-8 byte order) and escaped;
 *    the headers are `lowername:trimmedvalue\n` lines, sorted.
 * 3. StringToSign = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n` + hex(sha256(canonicalRequest)).
 * 4. Signature = hex(HMAC-SHA256(key = SK bytes, StringToSign)); no key derivation.
 * 5. `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>, Signature=<hex>`.
 *
 * Every header taskpoll sends is signed (the SDK does the same), plus `host`: with the DGC adapter
 * that is `accept`, `content-type` (on requests with a body), `host`, `workspace` (when set),
 * `x-project-id`, `x-sdk-date` and `x-security-token` (with temporary credentials). Headers an axios
 * instance of the caller adds on its own (`User-Agent`, `Content-Length`, interceptors) are not signed,
 * which the gateway allows: it only checks the headers named in `SignedHeaders`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { PreparedRequest } from '../../internal/http/types.js';

/** The signing algorithm's name, as it appears in `Authorization` and the string to sign. */
const ALGORITHM = 'SDK-HMAC-SHA256';

/** AK/SK credentials and the project they sign for. */
export interface AkSkSignerOptions {
  /** The access key id (AK). */
  accessKey: string;
  /** The secret access key (SK). Used only as the HMAC key; never put in a header or an error. */
  secretKey: string;
  /** The security token of temporary credentials, sent as `X-Security-Token` (and signed). */
  securityToken?: string | undefined;
  /**
   * Sent as `X-Project-Id`, as the Huawei SDKs do with project-scoped AK/SK: DataArts Studio's common
   * request headers make it mandatory for sub-projects,
   * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0318.html.
   */
  projectId: string;
}

/**
 * A `prepare` hook for the core HTTP client: adds `X-Sdk-Date`, `X-Project-Id`, `X-Security-Token`
 * (when given) and `Authorization` to each request, signed over its final URL, headers and body bytes.
 * The credentials live only in this closure. Returns the signature, so that the adapter can mask it
 * exactly if a gateway echoes it into the answer.
 */
export function createAkSkSigner(options: AkSkSignerOptions): (request: PreparedRequest) => string {
  const { accessKey, secretKey, securityToken, projectId } = options;
  return (request) => {
    const headers = request.headers;
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      if (
        lower === 'authorization' ||
        lower === 'x-sdk-date' ||
        lower === 'x-project-id' ||
        lower === 'x-security-token'
      ) {
        delete headers[name];
      }
    }
    const sdkDate = formatSdkDate(Date.now());
    headers['X-Sdk-Date'] = sdkDate;
    headers['X-Project-Id'] = projectId;
    if (securityToken !== undefined) headers['X-Security-Token'] = securityToken;

    const signed: [string, string][] = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]);
    signed.push(['host', request.url.host]);
    const signedNames = [...new Set(signed.map(([name]) => name))].sort();

    const canonical = [
      request.method.toUpperCase(),
      canonicalUri(request.url.pathname),
      canonicalQuery(request.url.searchParams),
      canonicalHeaders(signed),
      signedNames.join(';'),
      sha256Hex(request.body),
    ].join('\n');
    const stringToSign = `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(stringToSign, 'utf8').digest('hex');
    headers['Authorization'] =
      `${ALGORITHM} Access=${accessKey}, SignedHeaders=${signedNames.join(';')}, Signature=${signature}`;
    return signature;
  };
}

/** `YYYYMMDDTHHMMSSZ` in UTC for an epoch-ms instant. */
export function formatSdkDate(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * The signer's escaping: UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other byte as `%XX` with
 * upper-case hex (unlike `encodeURIComponent`, which keeps `! ' ( ) *`).
 */
function escapeComponent(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Each segment of the (already percent-encoded) path decoded, then escaped; a `/` appended when missing. */
function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((segment) => escapeComponent(decodeSegment(segment)))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Pairs sorted by raw key, then raw value, in UTF-8 byte order; then escaped and joined. */
function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .sort(([ka, va], [kb, vb]) => compareBytes(ka, kb) || compareBytes(va, vb))
    .map(([key, value]) => `${escapeComponent(key)}=${escapeComponent(value)}`)
    .join('&');
}

/** `name:value\n` per value, sorted by name, then value; values trimmed. */
function canonicalHeaders(headers: [string, string][]): string {
  return headers
    .map(([name, value]): [string, string] => [name, value.trim()])
    .sort(([na, va], [nb, vb]) => compareBytes(na, nb) || compareBytes(va, vb))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}
