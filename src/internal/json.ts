/**
 * JSON-safe values: what a wait snapshot may carry as its ref, checked with a message that names the
 * part that is not, and copied so that a snapshot shares nothing the caller may change.
 *
 * @internal
 */

/** Deepest nesting that is checked and copied. */
const MAX_DEPTH = 64;

/** What makes `value` not JSON-safe, naming where (`ref.at[2]`), or `undefined` when it is. */
export function jsonProblem(value: unknown, path: string, seen: unknown[] = []): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}`;
    case 'object':
      break;
    default:
      return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`;
  }
  if (value === null) return undefined;
  if (seen.includes(value)) return `${path} refers back to itself (a cycle)`;
  if (seen.length >= MAX_DEPTH) return `${path} is nested more than ${MAX_DEPTH} levels deep`;
  const inner = [...seen, value];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = jsonProblem(value[i], `${path}[${i}]`, inner);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const what = typeof name === 'string' && name !== '' ? `a ${name}` : 'an instance of a class';
    return `${path} is ${what}, not a plain object`;
  }
  for (const [key, entry] of Object.entries(value)) {
    const found = jsonProblem(entry, `${path}.${key.slice(0, 40)}`, inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A deep copy of a JSON-safe value, every object and array in it frozen. */
export function frozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  // fromEntries defines own properties: a "__proto__" key (JSON.parse makes one) stays a plain key.
  return Object.freeze(Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, frozenCopy(entry)])));
}
