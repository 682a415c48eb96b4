import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/index.js';

describe('TaskPollError.toJSON: causes that are not Errors', () => {
  it('a null-prototype, error-shaped cause (as test runners clone causes) is described, not thrown on', () => {
    const cause = Object.assign(Object.create(null) as object, { name: 'Error', message: 'inner', code: 'ECONNRESET' });
    const error = new NetworkError('outer', { provider: 'p', cause });
    expect(error.toJSON()['cause']).toEqual({ name: 'Error', message: 'inner', code: 'ECONNRESET' });
    expect(() => inspect(error)).not.toThrow();
  });

  it('other objects are named by their tag, never String()-ed (no throw, no custom toString output)', () => {
    const bare = new NetworkError('outer', { cause: Object.create(null) });
    expect(bare.toJSON()['cause']).toBe('[object Object]');
    const chatty = new NetworkError('outer', { cause: { toString: () => 'secret-token' } });
    expect(JSON.stringify(chatty)).not.toContain('secret-token');
    expect(new NetworkError('outer', { cause: Symbol('s') }).toJSON()['cause']).toBe('Symbol(s)');
  });
});
