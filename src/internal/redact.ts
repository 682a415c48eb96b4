/**
 * The one masking rule of taskpoll, for provider text that may echo a credential back.
 *
 * - Only credentials at least {@link MIN_MASKED_SECRET_LENGTH} characters long are searched for: API
 *   keys, tokens, AK/SK, session cookies, request signatures. A shorter value, and any password
 *   (Explorer's default is `nebula`), is too likely to be ordinary data, so it is never searched for
 *   in provider data; taskpoll keeps it out of what it writes itself instead.
 * - Only exact occurrences are masked, never a pattern.
 * - Only provider text is masked: string values of a status's `message`, `raw` and subtask names and
 *   messages, and the provider text an error message quotes. A `result`, object keys and the
 *   normalized fields (`state`, `terminal`, `provider`, `taskId`, `providerState`, ids, dates,
 *   `progress`) are never changed.
 *
 * @internal
 */
import type { StatusReport } from '../core/adapter.js';

/** The text put in place of a credential found in provider text. */
export const REDACTED = '[redacted]';

/**
 * The shortest credential that is masked in provider text, in characters. Real API keys, tokens,
 * secret keys, session cookies and signatures are longer; a shorter value would match ordinary words
 * and user data (row values, task names, object keys) and corrupt them.
 */
export const MIN_MASKED_SECRET_LENGTH = 16;

/** Nesting beyond this is not walked: such a subtree is replaced whole if it holds a credential. */
const MAX_DEPTH = 64;

/**
 * A copy of `value` where every exact occurrence of a credential in its string values is replaced by
 * {@link REDACTED}. `credentials` may hold anything the adapter has (empty, short or missing ones
 * included): only those of at least {@link MIN_MASKED_SECRET_LENGTH} characters are searched for.
 * Plain objects and arrays are walked; their keys are never changed (a `__proto__` key stays a plain
 * key); anything else (Dates, class instances, Maps) is kept as it is. Returns `value` itself when
 * nothing had to change, so the common case copies nothing.
 */
export function maskSecrets<T>(value: T, credentials: readonly (string | undefined)[]): T {
  const secrets = searchable(credentials);
  return secrets.length === 0 ? value : (maskValue(value, secrets, 0) as T);
}

/**
 * `report` with its provider text masked by {@link maskSecrets}: `message`, `raw` and each subtask's
 * `name` and `message`. Its `result` and every other field are kept as they are, so masking never
 * changes what a wait resolves with. Returns `report` itself when nothing had to change.
 */
export function maskStatusReport<R extends StatusReport<unknown>>(
  report: R,
  credentials: readonly (string | undefined)[],
): R {
  const secrets = searchable(credentials);
  if (secrets.length === 0) return report;
  const out: StatusReport<unknown> = { ...report };
  let changed = false;
  if (typeof report.message === 'string') {
    const message = maskText(report.message, secrets);
    if (message !== report.message) {
      out.message = message;
      changed = true;
    }
  }
  if ('raw' in report) {
    const raw = maskValue(report.raw, secrets, 0);
    if (raw !== report.raw) {
      out.raw = raw;
      changed = true;
    }
  }
  if (Array.isArray(report.subtasks)) {
    let subtasksChanged = false;
    const subtasks = report.subtasks.map((subtask) => {
      const name = maskText(subtask.name, secrets);
      const message = subtask.message === undefined ? undefined : maskText(subtask.message, secrets);
      if (name === subtask.name && message === subtask.message) return subtask;
      subtasksChanged = true;
      return { ...subtask, name, ...(message === undefined ? {} : { message }) };
    });
    if (subtasksChanged) {
      out.subtasks = subtasks;
      changed = true;
    }
  }
  return changed ? (out as R) : report;
}

/**
 * The credentials to search for: those long enough, each also as it reads inside JSON text when that
 * differs (a quote or backslash escaped), longest first so that one containing another is masked whole.
 */
function searchable(credentials: readonly (string | undefined)[]): string[] {
  const kept = new Set<string>();
  for (const credential of credentials) {
    if (typeof credential !== 'string' || credential.length < MIN_MASKED_SECRET_LENGTH) continue;
    kept.add(credential);
    kept.add(JSON.stringify(credential).slice(1, -1));
  }
  return [...kept].sort((a, b) => b.length - a.length);
}

function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

function maskValue(item: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof item === 'string') return maskText(item, secrets);
  if (typeof item !== 'object' || item === null) return item;
  const proto = Object.getPrototypeOf(item) as unknown;
  const walkable = Array.isArray(item) || proto === Object.prototype || proto === null;
  if (!walkable) return item;
  if (depth >= MAX_DEPTH) return holdsSecret(item, secrets) ? REDACTED : item;
  if (Array.isArray(item)) {
    let changed = false;
    const copy = item.map((entry: unknown) => {
      const masked = maskValue(entry, secrets, depth + 1);
      if (masked !== entry) changed = true;
      return masked;
    });
    return changed ? copy : item;
  }
  let changed = false;
  const entries = Object.entries(item).map(([key, entry]): [string, unknown] => {
    const masked = maskValue(entry, secrets, depth + 1);
    if (masked !== entry) changed = true;
    return [key, masked];
  });
  if (!changed) return item;
  // defineProperty keeps a "__proto__" key a plain key.
  const copy: Record<string, unknown> = proto === null ? (Object.create(null) as Record<string, unknown>) : {};
  for (const [key, entry] of entries)
    Object.defineProperty(copy, key, { value: entry, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** True when a subtree too deep to walk holds a credential (or cannot even be serialized to tell). */
function holdsSecret(item: object, secrets: readonly string[]): boolean {
  try {
    const text = JSON.stringify(item);
    return secrets.some((secret) => text.includes(secret));
  } catch {
    return true;
  }
}
