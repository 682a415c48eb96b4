/**
 * The Explorer session: a token given by the caller, or a login with an account
 * (`POST /api-open/v1/connect`, which answers with the `explorer_token` cookie), shared by every call
 * of one adapter and renewed when the server refuses it.
 *
 * The login's Base64 forms, its body and the cookie follow the "Get token" section of
 * https://github.com/vesoft-inc/nebula-docs/blob/master/docs-2.0/nebula-explorer/workflow/workflow-api/workflow-api-overview.md
 * (3.3.0 and later encode a JSON array; 3.2.1 and earlier, `user:password`).
 */
import { AuthenticationError } from '../../core/errors/index.js';
import { pauseTimeoutOf, raceAbort } from '../../internal/abort.js';
import type { HttpClient, HttpRequest } from '../../internal/http/types.js';
import { API, COOKIE_NAME, PROVIDER, readEnvelope, type Secrets } from './protocol.js';
import { successSchema } from './schemas.js';
import type { WorkflowLoginEncoding } from './types.js';

/** How the adapter authenticates, as checked from its options. */
export type Auth = { kind: 'token'; token: string } | CredentialsAuth;

/** An account, ready to send: its Base64 login and the graphd service the session connects to. */
export interface CredentialsAuth {
  kind: 'credentials';
  encoded: string;
  graphAddress: string;
  graphPort: number;
}

/**
 * Base64 of the account, as `/api-open/v1/connect` wants it (see {@link WorkflowLoginEncoding}).
 * Exported for tests and for callers who log in themselves.
 *
 * @param username - the NebulaGraph user name.
 * @param password - the NebulaGraph password.
 * @param encoding - the form the Explorer version expects. Defaults to `'json-array'`.
 * @returns the value to send after `Authorization: Bearer `.
 */
export function encodeWorkflowLogin(
  username: string,
  password: string,
  encoding: WorkflowLoginEncoding = 'json-array',
): string {
  const text = encoding === 'colon' ? `${username}:${password}` : JSON.stringify([username, password]);
  return Buffer.from(text, 'utf8').toString('base64');
}

/** One token for all of an adapter's calls, with at most one login in flight. */
export interface Session {
  /** Whether a refused token can be replaced (an account was given, not a token). */
  readonly canLogin: boolean;
  /** The token to send now; logs in first when there is none (one login shared by all callers). */
  token(signal: AbortSignal | undefined): Promise<string>;
  /** `stale` was refused: log in again, unless another caller already did. */
  renew(stale: string, signal: AbortSignal | undefined): Promise<string>;
  /**
   * What the session sends that a server could echo, for masking provider text: the token, or the
   * login's Base64 and the session cookie. Not the password: it is only ever sent inside the Base64.
   */
  secrets(): string[];
}

/** The session of `auth`; with an account, its logins go through `client`. */
export function createSession(auth: Auth, client: HttpClient): Session {
  if (auth.kind === 'token') {
    return {
      canLogin: false,
      token: () => Promise.resolve(auth.token),
      renew: () => Promise.resolve(auth.token),
      secrets: () => [auth.token],
    };
  }
  let current: string | undefined;
  let inFlight: Promise<string> | undefined;
  const secrets = (): string[] => [auth.encoded, ...(current ? [current] : [])];
  const start = (): Promise<string> => {
    // The login does not take any one caller's signal: others may be waiting on it. Each caller
    // stops waiting on its own abort; the login itself is bounded by the request time limit.
    inFlight ??= logIn(client, auth, secrets).then(
      (token) => {
        current = token;
        inFlight = undefined;
        return token;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };
  return {
    canLogin: true,
    token: (signal) => (current !== undefined ? Promise.resolve(current) : waitForLogin(start(), signal)),
    renew: (stale, signal) => {
      if (current !== undefined && current !== stale) return Promise.resolve(current);
      if (current === stale) current = undefined;
      return waitForLogin(start(), signal);
    },
    secrets,
  };
}

/**
 * Waits for the shared login on behalf of one caller. The wait is not the caller's request time (the
 * login may wait for a pacing slot behind other calls; once sent, it has the client's own time limit):
 * the caller's clock stops, its abort still ends the wait.
 */
async function waitForLogin(login: Promise<string>, signal: AbortSignal | undefined): Promise<string> {
  if (!signal) return login;
  const resume = pauseTimeoutOf(signal);
  try {
    return await raceAbort(login, signal);
  } finally {
    resume();
  }
}

/** `POST /api-open/v1/connect`: the new session token, from the answer's `Set-Cookie`. */
async function logIn(client: HttpClient, auth: CredentialsAuth, secrets: Secrets): Promise<string> {
  const request: HttpRequest = {
    method: 'POST',
    path: `${API}/connect`,
    headers: { Authorization: `Bearer ${auth.encoded}` },
    body: { address: auth.graphAddress, port: auth.graphPort },
  };
  const response = await client.request(request);
  const data = readEnvelope(response, request, successSchema.optional(), secrets);
  if (data?.success === false) {
    throw new AuthenticationError(`${PROVIDER}: login refused (data.success is false)`, {
      provider: PROVIDER,
      httpStatus: response.status,
    });
  }
  const token = tokenFromSetCookie(response.headers['set-cookie']);
  if (token === undefined) {
    throw new AuthenticationError(`${PROVIDER}: login answered without a usable ${COOKIE_NAME} cookie`, {
      provider: PROVIDER,
      httpStatus: response.status,
    });
  }
  return token;
}

/** The `explorer_token` value of a (flattened, comma-joined) `Set-Cookie` header, if usable. */
function tokenFromSetCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /(?:^|,)\s*explorer_token=("?)([^";,\s]*)\1\s*(?:;|,|$)/.exec(header);
  const token = match?.[2];
  return token ? token : undefined;
}

/**
 * The headers that carry `token`: the cookie every doc example sends, and, with `tokenHeader`, the
 * header the docs' parameter tables list.
 */
export function authHeaders(token: string, tokenHeader: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { Cookie: `${COOKIE_NAME}=${token}` };
  if (tokenHeader !== undefined) headers[tokenHeader] = token;
  return headers;
}
