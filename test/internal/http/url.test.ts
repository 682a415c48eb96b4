import { describe, expect, it } from 'vitest';
import { checkBaseURL } from '../../../src/internal/http/url.js';

describe('checkBaseURL', () => {
  it('checkBaseURL rejects queries and fragments', () => {
    expect(() => checkBaseURL('http://x/?a=1', 'baseURL')).toThrow(/query/);
    expect(checkBaseURL('https://x/y', 'baseURL').pathname).toBe('/y');
  });
});
