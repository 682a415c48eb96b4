/**
 * Explorer sessions: the `explorer_token`s `connect` issues (JWT-shaped, living `tokenTtlMs` of
 * simulated time, sent back as the `explorer_token` cookie or header), and the two Base64 forms of
 * the credentials `connect` reads.
 */
import type { InternalClock } from '../clock.js';
import type { Random } from '../random.js';
import type { SimRequest } from '../server/route.js';

/** The tokens issued so far and when each expires. */
export class Sessions {
  /** token → expiry in simulated ms. */
  readonly #tokens = new Map<string, number>();
  /** The token issued at start (`sim.workflow.token`): `reset()` makes it valid again. */
  readonly initial: string;

  constructor(
    private readonly username: string,
    private readonly ttlMs: number,
    private readonly clock: InternalClock,
    private readonly random: Random,
  ) {
    this.initial = this.issue();
  }

  /** Issues a fresh token, as `connect` does. */
  issue(): string {
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const now = this.clock.now();
    const payload = Buffer.from(
      JSON.stringify({ sub: this.username, iat: Math.floor(now / 1000), nonce: this.random.hex(8) }),
    ).toString('base64url');
    const token = `${header}.${payload}.${Buffer.from(this.random.hex(32), 'hex').toString('base64url')}`;
    this.#tokens.set(token, now + this.ttlMs);
    return token;
  }

  /** Why the request's token is refused (the detail of Explorer's 40104000), or `undefined` when it is valid. */
  refusal(request: SimRequest): string | undefined {
    const token = cookie(request.headers.cookie, 'explorer_token') ?? single(request.headers['explorer_token']);
    if (token === undefined || token === '') return 'explorer_token is required';
    const expires = this.#tokens.get(token);
    if (expires === undefined) return 'invalid token';
    if (this.clock.now() >= expires) return 'token is expired';
    return undefined;
  }

  /** Expires every token issued so far. */
  expireAll(): void {
    const now = this.clock.now();
    for (const token of this.#tokens.keys()) this.#tokens.set(token, now);
  }

  /** Forgets every token but the initial one, which lives a full TTL again from now. */
  reset(): void {
    for (const token of [...this.#tokens.keys()]) if (token !== this.initial) this.#tokens.delete(token);
    this.#tokens.set(this.initial, this.clock.now() + this.ttlMs);
  }
}

/**
 * `Bearer <base64>` → [user, password]: base64 of `["user","password"]` (3.3.0+) or of `user:password`
 * (≤ 3.2.1).
 */
export function bearerCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  if (decoded.trimStart().startsWith('[')) {
    try {
      const pair: unknown = JSON.parse(decoded);
      if (Array.isArray(pair) && pair.length === 2 && pair.every((p) => typeof p === 'string'))
        return [pair[0] as string, pair[1] as string];
    } catch {
      // Fall through to the user:password form.
    }
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** A cookie's value from a `Cookie` header (quotes removed), or `undefined`. */
function cookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name)
      return pair
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** The first value of a header Node may give as a list. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
