import { describe, expect, it } from 'vitest';
import { checkBaseURL, pathSegment } from '../../../src/internal/http/url.js';

describe('pathSegment', () => {
  it.each(['a/b', '../x', 'a?b=1', 'a#b', '100%', 'ü'])('pathSegment encodes %o so it stays one segment', (id) => {
    const segment = pathSegment(id, 'taskId');
    expect(segment).not.toMatch(/[/?#]/);
    expect(decodeURIComponent(segment)).toBe(id);
  });

  it.each(['', '.', '..', 'a\r\nb', 'a\u0000', 'x'.repeat(300)])('pathSegment rejects %o', (id) => {
    expect(() => pathSegment(id, 'taskId')).toThrow(/taskId/);
  });
});

describe('checkBaseURL', () => {
  it('checkBaseURL rejects queries and fragments', () => {
    expect(() => checkBaseURL('http://x/?a=1', 'baseURL')).toThrow(/query/);
    expect(checkBaseURL('https://x/y', 'baseURL').pathname).toBe('/y');
  });
});
