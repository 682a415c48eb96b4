import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/internal/http/body.js';

describe('parseJson', () => {
  it('parseJson drops __proto__ keys: nothing is polluted', () => {
    const parsed = parseJson('{"__proto__": {"polluted": true}, "a": {"__proto__": {"x": 1}}}') as Record<
      string,
      unknown
    >;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['a']);
    const merged = Object.assign({}, parsed);
    expect((merged as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
