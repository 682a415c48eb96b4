/**
 * The API Gateway in front of DataArts Factory: an IAM token (`X-Auth-Token`) or an `SDK-HMAC-SHA256`
 * signature, an AK locked after repeated signature failures, and an optional throttle. Its refusals
 * are `APIG.*` codes in the gateway's own envelope, before DataArts sees the request.
 */
import type { Random } from '../random.js';
import type { RateGate, WindowLimit } from '../ratelimit.js';
import { json, type SimRequest, type SimResponse } from '../server/route.js';
import { parseSdkAuthorization, verifyGatewaySignature, type SignatureProblem } from './signature.js';

/** How long a locked AK stays locked. */
const LOCK_MS = 5 * 60_000;

const SIGNATURE_TEXT: Record<SignatureProblem, string> = {
  malformed: 'Incorrect app authentication information: the X-Sdk-Date header is malformed',
  'date-missing': 'Incorrect app authentication information: the X-Sdk-Date header is missing',
  'date-expired': 'Incorrect app authentication information: signature expired',
  'unsigned-required-header': 'Incorrect app authentication information: host and x-sdk-date must be signed',
  mismatch: 'Incorrect app authentication information: verify aksk signature fail',
};

/** What the gateway checks requests against, and what it counts. */
export interface GatewayState {
  readonly token: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** How far `X-Sdk-Date` may be from the caller's clock, in ms. */
  readonly maxSkewMs: number;
  /** Consecutive signature failures after which the AK is locked; 0 never locks. */
  readonly lockAfter: number;
  readonly random: Random;
  readonly rate: RateGate<WindowLimit>;
  /** Consecutive signature failures so far. */
  failures: number;
  /** `Date.now()` until which the AK is locked. */
  lockedUntil: number;
}

/**
 * The gateway's refusal of a request, or `undefined` to let it through: a token or a signature
 * (the token wins when both are sent), then the throttle, keyed by the credential used.
 */
export function gatewayRefusal(gateway: GatewayState, request: SimRequest): SimResponse | undefined {
  const tokenHeader = request.headers['x-auth-token'];
  const auth = request.headers.authorization;
  let credential: string;
  if (tokenHeader !== undefined) {
    if (tokenHeader !== gateway.token)
      return apig(gateway.random, 401, 'APIG.0301', 'Incorrect IAM authentication information: verify token fail');
    credential = 'token';
  } else if (auth !== undefined) {
    const refused = signatureRefusal(gateway, request, auth);
    if (refused) return refused;
    credential = `ak:${gateway.accessKey}`;
  } else {
    return apig(gateway.random, 401, 'APIG.0301', 'Incorrect IAM authentication information: x-auth-token not found');
  }
  if (!gateway.rate.take(credential).ok) {
    return apig(
      gateway.random,
      429,
      'APIG.0308',
      'The throttling threshold has been reached: policy user over ratelimit',
    );
  }
  return undefined;
}

/** An `SDK-HMAC-SHA256` request checked: its AK, the lock, then the signature (failures counted toward the lock). */
function signatureRefusal(gateway: GatewayState, request: SimRequest, auth: string): SimResponse | undefined {
  const parsed = parseSdkAuthorization(auth);
  if (parsed === undefined)
    return apig(
      gateway.random,
      401,
      'APIG.0303',
      'Incorrect app authentication information: the Authorization header is malformed',
    );
  if (parsed.accessKey !== gateway.accessKey)
    return apig(gateway.random, 401, 'APIG.0303', 'Incorrect app authentication information: ak not found');
  if (Date.now() < gateway.lockedUntil)
    return apig(gateway.random, 401, 'APIG.0301', 'Incorrect IAM authentication information: the access key is locked');
  const problem = verifyGatewaySignature(request, parsed, gateway.secretKey, Date.now(), gateway.maxSkewMs);
  if (problem !== undefined) {
    gateway.failures += 1;
    if (gateway.lockAfter > 0 && gateway.failures > gateway.lockAfter) gateway.lockedUntil = Date.now() + LOCK_MS;
    return apig(gateway.random, 401, 'APIG.0303', SIGNATURE_TEXT[problem]);
  }
  gateway.failures = 0;
  return undefined;
}

/** The gateway's error envelope, with a fresh request id. */
export function apig(random: Random, status: number, code: string, message: string): SimResponse {
  return json(status, { error_code: code, error_msg: message, request_id: random.hex(32) });
}
