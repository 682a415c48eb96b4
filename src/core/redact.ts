/** The text put in place of a credential found in provider text. */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` where every occurrence of a secret (a string, or a pattern) in its strings and
 * object keys is replaced by `[redacted]`: for provider bodies that end up in statuses and errors
 * (`raw`, `message`, subtasks), in case a server echoes a credential it received. Plain objects and
 * arrays are walked; anything else (Dates, class instances, Maps) is kept as it is. Returns `value`
 * itself when nothing had to change, so the common case copies nothing.
 */
export function maskSecrets<T>(value: T, secrets: readonly (string | RegExp)[]): T {
  const patterns = secrets.filter((secret) => secret !== '');
  if (patterns.length === 0) return value;
  const maskText = (text: string): string => {
    let out = text;
    for (const secret of patterns) {
      out = typeof secret === 'string' ? out.split(secret).join(REDACTED) : out.replace(new RegExp(secret.source, secret.flags.includes('g') ? secret.flags : `${secret.flags}g`), REDACTED);
    }
    return out;
  };
  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return maskText(item);
    if (depth > 64 || typeof item !== 'object' || item === null) return item;
    if (Array.isArray(item)) {
      let changed = false;
      const copy = item.map((entry: unknown) => {
        const masked = walk(entry, depth + 1);
        if (masked !== entry) changed = true;
        return masked;
      });
      return changed ? copy : item;
    }
    const proto = Object.getPrototypeOf(item) as unknown;
    if (proto !== Object.prototype && proto !== null) return item;
    let changed = false;
    const entries = Object.entries(item).map(([key, entry]): [string, unknown] => {
      const maskedKey = maskText(key);
      const masked = walk(entry, depth + 1);
      if (maskedKey !== key || masked !== entry) changed = true;
      return [maskedKey, masked];
    });
    if (!changed) return item;
    // defineProperty keeps a "__proto__" key a plain key.
    const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
    for (const [key, entry] of entries) Object.defineProperty(copy, key, { value: entry, enumerable: true, writable: true, configurable: true });
    return copy;
  };
  return walk(value, 0) as T;
}
