/**
 * What the simulator received, for assertions on how many requests a client sent and when. Credentials
 * are redacted before anything is stored: no key, token, cookie or signature is ever kept.
 */
import type { FaultKind } from './faults.js';
import type { ProviderName } from './names.js';

/** How a recorded request ended. */
export type RequestOutcome =
  /** Still being handled (e.g. waiting out a latency fault). */
  | 'pending'
  /** A response was sent. */
  | 'answered'
  /** A `hang` fault: no response will ever be sent. */
  | 'hung'
  /** A `reset` fault (or the simulator closed while it waited): the connection was destroyed. */
  | 'reset';

/** One request the simulator received. Header values that carry credentials read `'[REDACTED]'`. */
export interface RecordedRequest {
  /** 1, 2, 3… in arrival order (not reset by `sim.reset()`). */
  readonly seq: number;
  /** `Date.now()` when it arrived (the caller's clock: real or faked). */
  readonly time: number;
  /** The simulated time when it arrived (differs from `time` with a `timeScale` or `clock.advance`). */
  readonly simTime: number;
  /** The provider whose route it hit; `undefined` for a path no provider serves. */
  readonly provider: ProviderName | undefined;
  /** The route id, e.g. `'guance.queryTask'`; `undefined` when no route matched. */
  readonly route: string | undefined;
  /** The HTTP method, upper-case. */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The query parameters (a repeated key gives an array). */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** The headers, lower-cased; `DF-API-KEY`, `X-Auth-Token`, `Authorization`, `Cookie`, `X-Security-Token` redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body: parsed JSON when it was JSON, else its text (first 4 KiB); `undefined` when empty.
   * Secret-looking keys are redacted.
   */
  readonly body: unknown;
  /** The faults applied to it, in order. */
  readonly faults: readonly FaultKind[];
  /** The HTTP status sent; `undefined` while pending and for hung or reset requests. */
  readonly status: number | undefined;
  /** How it ended, or `'pending'` while it is still being handled. */
  readonly outcome: RequestOutcome;
  /** When a handler threw (a simulator bug or a throwing custom curve): its message. The answer was a 500. */
  readonly error?: string;
}

/** The mutable record the server fills in while handling a request. */
export interface OpenRecord {
  provider: ProviderName | undefined;
  route: string | undefined;
  faults: FaultKind[];
  status: number | undefined;
  outcome: RequestOutcome;
  error?: string;
}

/** The text that replaces a credential. */
export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['df-api-key', 'x-auth-token', 'x-security-token', 'explorer_token', 'x-subject-token']);
/** Body and query keys that look like a secret. */
const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|^sk$|signature/i;

/** Redacts one header value by name. */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (SECRET_HEADERS.has(lower)) return REDACTED;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    // Keep the scheme word (Bearer, SDK-HMAC-SHA256) so tests can tell which auth was used.
    const scheme = /^\s*([A-Za-z0-9._~+/-]+)\s+\S/.exec(value);
    return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
  }
  if (lower === 'cookie') {
    // Keep the cookie names, so tests can see which cookie carried the session.
    return value
      .split(';')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? REDACTED : `${pair.slice(0, eq).trim()}=${REDACTED}`;
      })
      .join('; ');
  }
  return value;
}

/** Deep-copies a parsed body with secret-looking keys redacted. */
export function redactBody(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactBody(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && item !== null && typeof item !== 'object' ? REDACTED : redactBody(item, depth + 1);
  }
  return out;
}

/** Query parameters as a record, secret-looking keys redacted. */
export function recordQuery(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, raw] of query) {
    const value = SECRET_KEY.test(key) ? REDACTED : raw;
    const prior = out[key];
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/** Headers as a record of lower-case names, credentials redacted (repeated headers joined with `, `). */
export function recordHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = redactHeader(name, rawHeaders[i + 1] as string);
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

/** A body as recorded: parsed JSON (redacted) or its text. */
export function recordBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  const text = body.subarray(0, 64 * 1024).toString('utf8');
  if (contentType === undefined || /json/i.test(contentType)) {
    try {
      return redactBody(JSON.parse(text));
    } catch {
      // Not JSON: keep the text.
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) return recordQuery(new URLSearchParams(text));
  return text.slice(0, 4096);
}

/** The request log behind `sim.requests`. */
export interface Recorder {
  /** Starts a record; the returned object is filled in as the request is handled. */
  open(entry: Omit<RecordedRequest, 'seq' | 'faults' | 'status' | 'outcome' | 'error'>): OpenRecord;
  /** Snapshots of every record, oldest first. */
  list(): RecordedRequest[];
  clear(): void;
}

/** Keeps the last `limit` requests. */
export function createRecorder(limit: number): Recorder {
  let seq = 0;
  let records: (Omit<RecordedRequest, 'faults' | 'status' | 'outcome' | 'error'> & { live: OpenRecord })[] = [];
  return {
    open(entry) {
      seq += 1;
      const live: OpenRecord = {
        provider: entry.provider,
        route: entry.route,
        faults: [],
        status: undefined,
        outcome: 'pending',
      };
      records.push({ ...entry, seq, live });
      if (records.length > limit) records = records.slice(records.length - limit);
      return live;
    },
    list() {
      return records.map(({ live, ...fixed }) => {
        const out: RecordedRequest = {
          ...fixed,
          provider: live.provider,
          route: live.route,
          faults: [...live.faults],
          status: live.status,
          outcome: live.outcome,
        };
        if (live.error !== undefined) (out as { error?: string }).error = live.error;
        return Object.freeze(out);
      });
    },
    clear() {
      records = [];
    },
  };
}
