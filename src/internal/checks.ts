/**
 * The checks every provider adapter makes, written once so that the four providers check alike and
 * say so alike: option values (durations, numbers, booleans, signals), option objects (only known
 * keys, with a did-you-mean), the options of a call (`{ signal }`), task and project ids, provider text
 * quoted in a message (masked, one line, clipped), and the error an answer's error envelope stands for.
 *
 * Each function takes the provider's name and its specifics (known keys, an id's pattern, how an
 * envelope is classified), so every decision stays with the provider and only the mechanics and the
 * wording are shared. Their messages start with the provider's name (`dgc.systemTask: …`), name the
 * option or id, and describe a bad value without echoing a credential (the value helpers take the
 * option's full name instead, as the wait's own options have no provider).
 *
 * @internal
 */
import { AuthenticationError, ProviderError, TaskNotFoundError, type TaskPollError } from '../core/errors/index.js';
import { maskSecrets } from './redact.js';
import { MAX_TIMER_MS } from './clock.js';
import { errorForStatus } from './http/errors.js';

// --- Describing a bad value ---------------------------------------------------------------------------

/**
 * A short, safe description of a bad value for an error message (strings are not echoed: they may be
 * secrets). Where the option's name is known, {@link describeOption} shows strings that are not credentials.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'string':
      return `a string of length ${value.length}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

/** Option names whose values are credentials or key material: their strings are never shown. */
const SECRET_NAME = /key|token|password|passphrase|secret|credential|auth|cert|cookie|signature|session/i;

/** Longest part of a string value shown in an error message. */
const SHOWN_CHARS = 32;

/**
 * A bad value of option `name`, described for an error message: like {@link describe}, except that a
 * string is shown (JSON-quoted, so control characters are escaped; clipped to 32 characters) unless
 * the name is that of a credential (`apiKey`, `token`, `password`, `secretKey`, TLS `cert`/`key`, …),
 * whose strings keep the length-only description. Seeing `got "soon"` tells a caller what went wrong.
 */
export function describeOption(name: string, value: unknown): string {
  if (typeof value !== 'string' || SECRET_NAME.test(name)) return describe(value);
  if (value.length <= SHOWN_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, SHOWN_CHARS))}… (a string of length ${value.length})`;
}

// --- Option values ------------------------------------------------------------------------------------

/** Validates a duration in ms: a finite number ≥ min (or Infinity where allowed), at most 2^31−1. */
export function durationOption(
  name: string,
  value: unknown,
  fallback: number,
  { min, infinity = false }: { min: number; infinity?: boolean },
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${describeOption(name, value)}`);
  }
  if (value === Number.POSITIVE_INFINITY && infinity) return value;
  if (!Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    const range = `${min} to ${MAX_TIMER_MS}${infinity ? ' or Infinity' : ''}`;
    throw new RangeError(`${name} must be from ${range} ms, got ${describeOption(name, value)}`);
  }
  return value;
}

/** Validates a finite number in [min, max]. */
export function numberOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number, got ${describeOption(name, value)}`);
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be from ${min} to ${max}, got ${describeOption(name, value)}`);
  }
  return value;
}

/** Validates a boolean. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describeOption(name, value)}`);
  return value;
}

/** True for an AbortSignal (checked by shape, so signals from other realms or polyfills pass). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

// --- Option objects -----------------------------------------------------------------------------------

/**
 * The end of an "unknown option" message: ` (did you mean "timeoutMs"?)` when one of `known` is close
 * to `key` (a few typos apart, a different case, or `key` a prefix of it), else an empty string. Every
 * check that rejects an unknown option key appends it.
 */
export function didYouMean(key: string, known: Iterable<string>): string {
  const wanted = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const candidate = name.toLowerCase();
    const distance = candidate.startsWith(wanted) && wanted.length >= 3 ? 0 : editDistance(wanted, candidate);
    const allowed = Math.max(2, Math.floor(Math.max(wanted.length, candidate.length) / 4));
    if (distance <= allowed && distance < candidate.length && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** Levenshtein distance (insertions, deletions, substitutions), for {@link didYouMean}; keys are short. */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Throws a `TypeError` for the first key of `value` not in `known`: `Unknown <label> option "key"`, with
 * a did-you-mean. For the option objects that belong to no provider (the wait's, its `retry`, `pacing`);
 * a provider's own options go through {@link checkOptions}, whose messages name the provider.
 */
export function rejectUnknownKeys(value: object, label: string, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new TypeError(`Unknown ${label} option "${key}"${didYouMean(key, known)}`);
  }
}

/** How {@link checkOptions} names an options object and explains what it refuses. */
export interface OptionsObject {
  /**
   * The object's name in messages: `options` for a factory's own options, else the option that holds
   * it (`tls`, `credentials`, `auth`). Its keys are then an `option` or a `tls option`, and so on.
   * @default 'options'
   */
  name?: string;
  /** The shape it must have, shown when it is not an object at all, e.g. `{ cert, key, ca }`. */
  shape?: string;
  /**
   * Why a key is refused on purpose, added to its message, e.g.
   * `{ rejectUnauthorized: 'the server certificate is always verified' }`.
   */
  refused?: Readonly<Record<string, string>>;
}

/**
 * Checks that `value` is an options object (not null, not an array) whose keys are all `known`: a
 * misspelt option is a `TypeError` that names it and suggests the closest known key, never silently
 * dropped. The values are the caller's to check.
 */
export function checkOptions(
  value: unknown,
  provider: string,
  known: Iterable<string>,
  { name = 'options', shape, refused }: OptionsObject = {},
): asserts value is Record<string, unknown> {
  requireObject(value, provider, name, shape);
  checkKeys(value, provider, name === 'options' ? 'option' : `${name} option`, known, refused);
}

/**
 * The signal of a call's options (`submit(input, { signal })`): `undefined` or an object whose keys are
 * `signal` and the call's `extra` ones, with `signal` an AbortSignal if given. Anything else is a
 * `TypeError` that names the call.
 */
export function checkCallOptions(
  value: unknown,
  provider: string,
  call: string,
  extra: readonly string[] = [],
): AbortSignal | undefined {
  if (value === undefined) return undefined;
  requireObject(value, provider, `${call} options`);
  checkKeys(value, provider, `${call} option`, ['signal', ...extra]);
  const { signal } = value;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${provider}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

function requireObject(
  value: unknown,
  provider: string,
  name: string,
  shape?: string,
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${provider}: ${name} must be an object${shape ? ` ${shape}` : ''}, got ${describe(value)}`);
  }
}

/** Longest part of an unknown key shown in a message: a key is caller data of any length. */
const SHOWN_KEY_CHARS = 40;

function checkKeys(
  value: object,
  provider: string,
  label: string,
  known: Iterable<string>,
  refused: Readonly<Record<string, string>> = {},
): void {
  const names = new Set(known);
  for (const key of Object.keys(value)) {
    if (names.has(key)) continue;
    const why = Object.hasOwn(refused, key) ? `: ${refused[key]}` : '';
    throw new TypeError(
      `${provider}: unknown ${label} "${key.slice(0, SHOWN_KEY_CHARS)}"${didYouMean(key, names)}${why}`,
    );
  }
}

// --- Ids ----------------------------------------------------------------------------------------------

/** What an id must look like, for {@link checkId}. */
export interface IdRule {
  /** The id's name in messages: `taskId`, `ref.jobId`, `projectId`. */
  name: string;
  /** A pattern the whole id must match (without the `g` flag: it is tested, not searched). */
  pattern?: RegExp;
  /**
   * What a good id is, for the message of a wrong type or a mismatch, e.g. `a project id (8 to 64 hex
   * digits)`. By default `a string` (`a string matching <pattern>` with a pattern).
   */
  expected?: string;
  /**
   * Longest id accepted, in characters.
   * @default 256
   */
  maxLength?: number;
  /** Whether a whole number ≥ 0 is accepted too (and read as its digits), e.g. a numeric job id. */
  numbers?: boolean;
}

/** A control character (C0 or DEL): never in an id, a header value or a path a provider is sent. */
export const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/**
 * Checks an id before any request and returns it as a string. Besides the provider's own `pattern`, an
 * id is never empty, `.` or `..`, too long, or holding control characters, so that once encoded with
 * `encodeURIComponent` it stays one path segment, and in a query it cannot break the request line.
 */
export function checkId(value: unknown, provider: string, rule: IdRule): string {
  const { name, pattern, maxLength = 256, numbers = false } = rule;
  const id = numbers && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof id !== 'string' || (pattern !== undefined && !pattern.test(id))) {
    const expected = rule.expected ?? (pattern !== undefined ? `a string matching ${pattern.source}` : 'a string');
    throw new TypeError(`${provider}: ${name} must be ${expected}, got ${describe(value)}`);
  }
  if (id === '' || id === '.' || id === '..')
    throw new TypeError(`${provider}: ${name} must not be empty, "." or ".."`);
  if (id.length > maxLength)
    throw new RangeError(`${provider}: ${name} must be at most ${maxLength} characters, got ${id.length}`);
  if (CONTROL_CHAR.test(id)) throw new TypeError(`${provider}: ${name} must not contain control characters`);
  return id;
}

// --- Provider text ------------------------------------------------------------------------------------

/** Longest provider text quoted in a message or status, in characters. */
const PROVIDER_TEXT_MAX_CHARS = 300;

const CONTROL_RUNS = /[\u0000-\u001f\u007f]+/g;

/**
 * Provider text made fit to quote: the `secrets` masked (the shared rule of `maskSecrets`, before
 * clipping, so no part of a credential survives at the cut), on one line (a run of control
 * characters becomes one space, so a message stays one log line), and clipped to 300 characters with
 * `…`. Anything but a string is `''`. `oneLine: false` keeps line breaks, for text that is the
 * provider's own message in a status rather than part of ours.
 */
export function clipProviderText(
  text: unknown,
  { secrets = [], oneLine = true }: { secrets?: readonly (string | undefined)[]; oneLine?: boolean } = {},
): string {
  if (typeof text !== 'string') return '';
  const masked = maskSecrets(text, secrets);
  const line = oneLine ? masked.replace(CONTROL_RUNS, ' ').trim() : masked;
  return line.length > PROVIDER_TEXT_MAX_CHARS ? `${line.slice(0, PROVIDER_TEXT_MAX_CHARS)}…` : line;
}

// --- Error envelopes ----------------------------------------------------------------------------------

/**
 * What an error envelope means, as the provider judges it:
 * - `not-found`: the provider's own answer for an unknown task → `TaskNotFoundError`;
 * - `auth`: the credentials were refused → `AuthenticationError`;
 * - `rate-limit`: too many requests → a transient `ProviderError`;
 * - `wrong-url`: a 404 that is not the provider's not-found answer, so the URL may be wrong → `HttpError`;
 * - `error`: any other failure → `ProviderError`, transient when the provider says so.
 */
export type EnvelopeKind = 'not-found' | 'auth' | 'rate-limit' | 'wrong-url' | 'error';

/** An answer that carried a provider's error envelope, and the provider's reading of it. */
export interface EnvelopeAnswer {
  provider: string;
  request: { method: string; taskId?: string | undefined };
  /** `path` is the path actually sent (base path included): the message names it. */
  response: { path: string; status: number; retryAfterMs: number | undefined };
  /** The provider's error code, as it sent it; kept as the error's `providerCode`. */
  code: string;
  /** The provider's text, as it sent it: it is made fit to quote here (see {@link clipProviderText}). */
  text?: unknown;
  /** Credentials the text may echo, masked in it. */
  secrets?: readonly (string | undefined)[];
  kind: EnvelopeKind;
  /** What it means, after the provider's words, e.g. `the API key was refused`; each kind has a default. */
  reason?: string | undefined;
  /** For `error`: whether a retry may succeed. @default false */
  transient?: boolean | undefined;
  /** For `rate-limit` and `error`: how long to wait before a retry, in ms. */
  retryAfterMs?: number | undefined;
}

/** What each kind means when the provider has no words of its own for it. */
function defaultReason(kind: Exclude<EnvelopeKind, 'wrong-url'>, taskId: string | undefined): string {
  switch (kind) {
    case 'not-found':
      return taskId === undefined ? 'not found' : `task ${taskId} was not found`;
    case 'auth':
      return 'credentials refused';
    case 'rate-limit':
      return 'rate limited (transient)';
    case 'error':
      return '';
  }
}

/**
 * The error an envelope stands for, of the class its `kind` names, with the message every provider
 * uses: `provider: METHOD path answered HTTP status, code CODE: text; reason`. The fields are those of
 * the class: `httpStatus` and `providerCode` (not on `TaskNotFoundError`), `transient` and
 * `retryAfterMs` as given. A `wrong-url` answer goes through the generic status mapping, with the code
 * and text as its detail.
 */
export function envelopeError(answer: EnvelopeAnswer): TaskPollError {
  const { provider, request, response, code, kind } = answer;
  const { taskId } = request;
  const text = clipProviderText(answer.text, { secrets: answer.secrets ?? [] });
  const operation = `${request.method} ${response.path}`;
  const said = `code ${code}${text ? `: ${text}` : ''}`;
  if (kind === 'wrong-url') return errorForStatus(response, { provider, taskId, operation, detail: said });
  const reason = answer.reason ?? defaultReason(kind, taskId);
  const message = `${provider}: ${operation} answered HTTP ${response.status}, ${said}${reason ? `; ${reason}` : ''}`;
  const fields = { provider, taskId, httpStatus: response.status, providerCode: code };
  switch (kind) {
    case 'not-found':
      return new TaskNotFoundError(message, { provider, taskId });
    case 'auth':
      return new AuthenticationError(message, fields);
    case 'rate-limit':
      return new ProviderError(message, { ...fields, transient: true, retryAfterMs: answer.retryAfterMs });
    case 'error':
      return new ProviderError(message, {
        ...fields,
        transient: answer.transient ?? false,
        retryAfterMs: answer.retryAfterMs,
      });
  }
}
