/**
 * The factory's own options, checked once before anything is built: the project, where the API is
 * (`region` or `endpoint`), the workspace, and the credentials. Every refusal is a `TypeError` or a
 * `RangeError` that names the option and never echoes a credential. The transport options (`axios`,
 * `requestTimeoutMs`, `pacing`) are checked by the shared HTTP client.
 */
import { checkId, checkOptions, describe, type IdRule } from '../../internal/checks.js';
import { checkBaseURL } from '../../internal/http/url.js';
import { DGC_PROVIDER, type DgcSystemTasksOptions } from './types.js';

/** Every option key the factory knows; any other is refused with a did-you-mean. */
const OPTION_KEYS = new Set([
  'projectId',
  'region',
  'endpoint',
  'workspace',
  'auth',
  'axios',
  'requestTimeoutMs',
  'pacing',
]);

/** A region name as Huawei spells them (`cn-north-4`, `ap-southeast-3`, `eu-west-101`). */
const REGION = /^[a-z]{2,}-[a-z]+-\d+$/;
const PROJECT_ID: IdRule = {
  name: 'projectId',
  pattern: /^[0-9a-f][0-9a-f-]{7,63}$/i,
  expected: 'a project id (8 to 64 hex digits, e.g. 32)',
  maxLength: 64,
};
/** Visible ASCII: what a header value of an id or token may hold (no CR/LF, no spaces). */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;
/** An access key id: letters, digits, `_` and `-`, so it cannot break out of the `Authorization` header's fields. */
const ACCESS_KEY = /^[A-Za-z0-9_-]{1,128}$/;

const AUTH_KEYS = ['token', 'accessKey', 'secretKey', 'securityToken'];
const AUTH_SHAPE = '{ token } or { accessKey, secretKey, securityToken? }';

/** The credentials, checked: exactly one of the two forms. */
export type CheckedAuth =
  | { kind: 'token'; token: string }
  | { kind: 'aksk'; accessKey: string; secretKey: string; securityToken: string | undefined };

/** The factory's own options, checked: what the client is built from. */
export interface DgcSettings {
  /** The project id, as given. */
  projectId: string;
  /** The endpoint's base URL: the regional DLF endpoint, or the caller's `endpoint`. */
  baseURL: string;
  /** The workspace id sent as the `workspace` header, if any. */
  workspace: string | undefined;
  /** The credentials. */
  auth: CheckedAuth;
}

/**
 * Checks the factory's own options, in a fixed order (keys, project, endpoint, workspace, credentials),
 * so that an options object with several faults is always refused for the same one.
 */
export function resolveOptions(options: DgcSystemTasksOptions): DgcSettings {
  checkOptions(options, DGC_PROVIDER, OPTION_KEYS);
  const projectId = checkId(options.projectId, DGC_PROVIDER, PROJECT_ID);
  const baseURL = endpointOf(options.region, options.endpoint);
  const workspace = checkWorkspace(options.workspace);
  const auth = checkAuth(options.auth);
  return { projectId, baseURL, workspace, auth };
}

/** The base URL: `https://dayu-dlf.{region}.myhuaweicloud.com`, or the caller's endpoint; exactly one of the two. */
function endpointOf(region: unknown, endpoint: unknown): string {
  if ((region === undefined) === (endpoint === undefined)) {
    throw new TypeError('Give exactly one of region (e.g. "cn-north-4") and endpoint');
  }
  if (endpoint !== undefined) return checkBaseURL(endpoint, 'endpoint').toString();
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new TypeError(`region must look like "cn-north-4", got ${describe(region)}`);
  }
  return `https://dayu-dlf.${region}.myhuaweicloud.com`;
}

/** A workspace id goes into a header on every request, so it must be a header-safe token. */
function checkWorkspace(workspace: unknown): string | undefined {
  if (
    workspace !== undefined &&
    !(typeof workspace === 'string' && workspace.length <= 128 && HEADER_TOKEN.test(workspace))
  ) {
    throw new TypeError(
      `workspace must be a workspace id (1 to 128 visible ASCII characters), got ${describe(workspace)}`,
    );
  }
  return workspace;
}

/**
 * An IAM token, or AK/SK credentials; never both, as the adapter would not know which to send. The
 * token and the security token travel in headers, so they must be header-safe; the secret key is only
 * an HMAC key, so any non-empty string will do.
 */
function checkAuth(auth: unknown): CheckedAuth {
  checkOptions(auth, DGC_PROVIDER, AUTH_KEYS, { name: 'auth', shape: AUTH_SHAPE });
  if ('token' in auth) {
    if (Object.keys(auth).length !== 1) {
      throw new TypeError(`${DGC_PROVIDER}: auth must be either ${AUTH_SHAPE}, not both`);
    }
    if (typeof auth['token'] !== 'string' || !HEADER_TOKEN.test(auth['token'])) {
      throw new TypeError(
        `auth.token must be a non-empty token of visible ASCII characters, got ${describe(auth['token'])}`,
      );
    }
    return { kind: 'token', token: auth['token'] };
  }
  const { accessKey, secretKey, securityToken } = auth;
  if (typeof accessKey !== 'string' || !ACCESS_KEY.test(accessKey)) {
    throw new TypeError(`auth.accessKey must be an access key id (letters and digits), got ${describe(accessKey)}`);
  }
  if (typeof secretKey !== 'string' || secretKey === '') {
    throw new TypeError(`auth.secretKey must be a non-empty string, got ${describe(secretKey)}`);
  }
  if (securityToken !== undefined && !(typeof securityToken === 'string' && HEADER_TOKEN.test(securityToken))) {
    throw new TypeError(
      `auth.securityToken must be a non-empty token of visible ASCII characters, got ${describe(securityToken)}`,
    );
  }
  return { kind: 'aksk', accessKey, secretKey, securityToken };
}
