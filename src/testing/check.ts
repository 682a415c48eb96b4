/**
 * Option checks for the simulator: every bad option is a TypeError or RangeError that names the option
 * and never echoes a string (it may be a credential).
 */
import { describe } from '../internal/checks.js';

export { describe };

/** Checks that `value` is a plain object (or undefined, giving `{}`) whose keys are all in `keys`. */
export function checkObject<T extends object>(name: string, value: unknown, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new TypeError(`${name}: unknown option "${key}" (known: ${keys.join(', ')})`);
  }
  return value as Partial<T>;
}

/** A duration in ms: a finite number ≥ `min`. */
export function checkMs(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`${name} must be a number of ms, got ${describe(value)}`);
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${name} must be a finite number of ms ≥ ${min}, got ${describe(value)}`);
  return value;
}

/** A whole number in [min, max]. */
export function checkInt(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number in [min, max]. */
export function checkNumber(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (!(value >= min && value <= max))
    throw new RangeError(`${name} must be from ${min} to ${max}, got ${describe(value)}`);
  return value;
}

/** A non-empty string of printable ASCII (it may be sent as a header). */
export function checkToken(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}`);
  if (!/^[\u0021-\u007e]+$/.test(value)) throw new TypeError(`${name} must be printable ASCII without spaces`);
  return value;
}

/** A string (any content), or the fallback. */
export function checkString(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

/** One of a closed list of values. */
export function checkOneOf<T extends string | number>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new RangeError(
      `${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

/** A boolean. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}
