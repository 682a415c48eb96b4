/**
 * The checks the logmine adapter makes before any request: the factory's options (the API key, the
 * site or base URL), a task id, and `submit`'s input, which it turns into the `send_task` body
 * (`logmine/sendtask.md`, https://github.com/GuanceCloud/guance-docs). A bad value is a `TypeError`
 * or `RangeError` that names it and never repeats the API key.
 *
 * The shared checks (unknown keys, call options, ids) are in `internal/checks.ts`; what is here is
 * Guance's own.
 *
 * @internal
 */
import { CONTROL_CHAR, describe, type IdRule } from '../../internal/checks.js';
import { PROVIDER } from './api.js';
import { GUANCE_NAMESPACES, GUANCE_SITES, type GuanceLogmineTaskInput, type GuanceSite } from './types.js';

/** The factory's option keys: anything else is a misspelling, refused by name. */
export const OPTION_KEYS: ReadonlySet<string> = new Set([
  'apiKey',
  'site',
  'baseURL',
  'axios',
  'requestTimeoutMs',
  'pacing',
]);

/** A task id is sent as a query parameter; Guance documents no form for it. */
export const TASK_ID: IdRule = { name: 'taskId' };

/** The fields of `submit`'s input, those of the `send_task` body. */
const INPUT_KEYS: ReadonlySet<string> = new Set([
  'analysisField',
  'query',
  'namespace',
  'conditions',
  'highlight',
  'timeRange',
]);

/**
 * Checks the API key. It is sent as a header, so it must be printable ASCII without control
 * characters (a CR/LF would split the header); padding is refused rather than trimmed, since the
 * server would see a different key.
 */
export function checkApiKey(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new TypeError(`${PROVIDER}: apiKey must be a non-empty string, got ${describe(apiKey)}`);
  }
  if (CONTROL_CHAR.test(apiKey)) throw new TypeError(`${PROVIDER}: apiKey must not contain control characters`);
  if (/[^\u0020-\u007e]/.test(apiKey))
    throw new TypeError(`${PROVIDER}: apiKey must be printable ASCII (it is sent as a header)`);
  if (apiKey.trim() !== apiKey) throw new TypeError(`${PROVIDER}: apiKey must not start or end with whitespace`);
  return apiKey;
}

/**
 * The base URL from `site` or `baseURL` (one of them, or neither for cn1). A `baseURL` is returned
 * as given: the HTTP client checks it.
 */
export function chooseBaseURL(site: unknown, baseURL: unknown): string {
  if (site !== undefined && baseURL !== undefined) {
    throw new TypeError(`${PROVIDER}: give site or baseURL, not both`);
  }
  if (baseURL !== undefined) return baseURL as string;
  if (site === undefined) return GUANCE_SITES.cn1;
  if (typeof site !== 'string') throw new TypeError(`${PROVIDER}: site must be a string, got ${describe(site)}`);
  // Own keys only: `site: 'toString'` must not find Object.prototype's.
  if (!Object.hasOwn(GUANCE_SITES, site)) {
    throw new RangeError(
      `${PROVIDER}: site must be one of ${Object.keys(GUANCE_SITES).join(', ')}, got ${describe(site)}`,
    );
  }
  return GUANCE_SITES[site as GuanceSite];
}

/** Checks `submit`'s input and builds the `send_task` body, in the documented field order. */
export function taskBody(input: GuanceLogmineTaskInput): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${PROVIDER}: submit input must be an object, got ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!INPUT_KEYS.has(key)) throw new TypeError(`${PROVIDER}: unknown submit input "${key}"`);
  }
  const { analysisField, query, namespace, conditions, highlight, timeRange } = input;
  if (typeof analysisField !== 'string' || analysisField.trim() === '') {
    throw new TypeError(`${PROVIDER}: analysisField must be a non-empty string, got ${describe(analysisField)}`);
  }
  if (query !== undefined && (typeof query !== 'string' || query.trim() === '')) {
    throw new TypeError(`${PROVIDER}: query must be a non-empty DQL string when given, got ${describe(query)}`);
  }
  if (namespace !== undefined && !(GUANCE_NAMESPACES as readonly unknown[]).includes(namespace)) {
    throw new RangeError(
      `${PROVIDER}: namespace must be one of ${GUANCE_NAMESPACES.join(', ')}, got ${describe(namespace)}`,
    );
  }
  if (conditions !== undefined && typeof conditions !== 'string') {
    throw new TypeError(`${PROVIDER}: conditions must be a string, got ${describe(conditions)}`);
  }
  if (highlight !== undefined && typeof highlight !== 'boolean') {
    throw new TypeError(`${PROVIDER}: highlight must be a boolean, got ${describe(highlight)}`);
  }
  const body: Record<string, unknown> = {};
  if (query !== undefined) body.query = query;
  if (namespace !== undefined) body.namespace = namespace;
  if (highlight !== undefined) body.highlight = highlight;
  if (conditions !== undefined) body.conditions = conditions;
  if (timeRange !== undefined) body.timeRange = checkTimeRange(timeRange);
  body.analysisField = analysisField;
  return body;
}

/** Checks a `[start, end]` time range and returns it in epoch ms, as `send_task` takes it. */
function checkTimeRange(timeRange: unknown): [number, number] {
  if (!Array.isArray(timeRange) || timeRange.length !== 2) {
    throw new TypeError(`${PROVIDER}: timeRange must be a [start, end] pair, got ${describe(timeRange)}`);
  }
  const [start, end] = timeRange.map((value: unknown, i) =>
    epochMs(value, i === 0 ? 'timeRange[0] (start)' : 'timeRange[1] (end)'),
  ) as [number, number];
  if (start > end) throw new RangeError(`${PROVIDER}: timeRange start (${start}) must not be after its end (${end})`);
  return [start, end];
}

/**
 * A `Date` or epoch ms as a whole number of epoch ms ≥ 0. A fraction is refused rather than rounded:
 * epoch seconds with a fraction (`1683534635.416`) are a likely mistake, and rounding would hide it.
 */
function epochMs(value: unknown, name: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${PROVIDER}: ${name} is an invalid Date`);
    if (ms < 0) throw new RangeError(`${PROVIDER}: ${name} must not be before 1970, got ${ms} ms`);
    return ms;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${PROVIDER}: ${name} must be a Date or epoch milliseconds, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${PROVIDER}: ${name} must be a whole number of epoch milliseconds ≥ 0, got ${describe(value)}`,
    );
  }
  return value;
}
