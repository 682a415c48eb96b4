/**
 * An independent reading of Huawei's `SDK-HMAC-SHA256` definition (the API Gateway's signing guide,
 * https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002.html, and the Go SDK
 * signer, https://github.com/huaweicloud/huaweicloud-sdk-go-v3, `core/auth/signer`), for tests only.
 * It shares no code with src/providers/dgc/signer.ts and is written differently on purpose (escaping
 * via encodeURIComponent plus fix-ups, inputs as raw strings rather than a URL), so the two agree only
 * if both follow the definition.
 */
import { createHash, createHmac } from 'node:crypto';

/** What the reference signs: raw (unescaped) path segments and query pairs, lower-case header names. */
export interface ReferenceInput {
  method: string;
  /** Raw path segments, e.g. `['', 'v1', 'abc', 'system-tasks', 'id']` for `/v1/abc/system-tasks/id`. */
  pathSegments: string[];
  /** Raw query pairs, in any order. */
  query: [string, string][];
  /** Header lines to sign, lower-case names. */
  headers: [string, string][];
  body: string;
  sdkDate: string;
  secretKey: string;
}

/** RFC 3986 unreserved kept, everything else %XX upper-case over UTF-8 (encodeURIComponent keeps !'()*). */
export function referenceEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function referenceSign(input: ReferenceInput): {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
} {
  let uri = input.pathSegments.map(referenceEscape).join('/');
  if (!uri.endsWith('/')) uri += '/';
  const query = [...input.query]
    .sort((x, y) => byUtf8(x[0], y[0]) || byUtf8(x[1], y[1]))
    .map(([k, v]) => `${referenceEscape(k)}=${referenceEscape(v)}`)
    .join('&');
  // As the Go SDK does: names sorted, then each name's values sorted, one line per value.
  const names = [...new Set(input.headers.map(([k]) => k))].sort(byUtf8);
  const lines = names.flatMap((name) =>
    input.headers
      .filter(([k]) => k === name)
      .map(([, v]) => v.trim())
      .sort(byUtf8)
      .map((v) => `${name}:${v}`),
  );
  const signedHeaders = names.join(';');
  const bodyHash = createHash('sha256').update(Buffer.from(input.body, 'utf8')).digest('hex');
  const canonicalRequest = `${input.method}\n${uri}\n${query}\n${lines.map((l) => `${l}\n`).join('')}\n${signedHeaders}\n${bodyHash}`;
  const stringToSign = `SDK-HMAC-SHA256\n${input.sdkDate}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', input.secretKey).update(stringToSign).digest('hex');
  return { canonicalRequest, stringToSign, signature, signedHeaders };
}

/** Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>, Signature=<hex>`. */
export function parseAuthorization(
  value: string | undefined,
): { access: string; signedHeaders: string[]; signature: string } | undefined {
  const match = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(value ?? '');
  if (!match) return undefined;
  return { access: match[1]!, signedHeaders: match[2]!.split(';'), signature: match[3]! };
}
