import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/core/adapter.js';
import { MIN_MASKED_SECRET_LENGTH, REDACTED, maskSecrets, maskStatusReport } from '../../src/internal/redact.js';

const TOKEN = 'tok_7Q2mZ9xV4bN8wLp3'; // 20 characters
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('maskSecrets', () => {
  it('masks exact occurrences of a long credential in every string value, nested in objects and arrays', () => {
    const value = {
      a: `token ${TOKEN} refused`,
      list: [TOKEN, { deep: `${TOKEN}${TOKEN}` }],
      n: 3,
      flag: true,
      none: null,
    };
    expect(maskSecrets(value, [TOKEN])).toEqual({
      a: `token ${REDACTED} refused`,
      list: [REDACTED, { deep: `${REDACTED}${REDACTED}` }],
      n: 3,
      flag: true,
      none: null,
    });
    expect(maskSecrets(`x${TOKEN}y`, [TOKEN])).toBe(`x${REDACTED}y`);
  });

  it('exact occurrences only: a near miss, another case, or a signature-like hex run are kept', () => {
    const value = { near: TOKEN.slice(0, -1), upper: TOKEN.toUpperCase(), hex: SHA256, file: `${SHA256}.zip` };
    expect(maskSecrets(value, [TOKEN])).toBe(value);
  });

  it(`ignores credentials shorter than ${MIN_MASKED_SECRET_LENGTH} characters (and empty or missing ones)`, () => {
    expect(MIN_MASKED_SECRET_LENGTH).toBe(16);
    const value = {
      rows: [
        ['nebula_player_100', 1],
        ['team_nebula', 2],
      ],
      state: 'succeeded',
      data: 'ta',
    };
    const fifteen = 'abcdefghijklmno';
    expect(maskSecrets(value, ['nebula', 'ta', '', undefined, fifteen])).toBe(value);
    expect(maskSecrets(`x${fifteen}p`, [fifteen])).toBe(`x${fifteen}p`);
    expect(maskSecrets(`x${fifteen}p`, [`${fifteen}p`])).toBe(`x${REDACTED}`);
  });

  it('never changes an object key', () => {
    const value = { [TOKEN]: TOKEN, [`state_${TOKEN}`]: { ok: 1 } };
    const masked = maskSecrets(value, [TOKEN]);
    expect(Object.keys(masked)).toEqual([TOKEN, `state_${TOKEN}`]);
    expect(masked[TOKEN]).toBe(REDACTED);
    expect(masked[`state_${TOKEN}`]).toBe(value[`state_${TOKEN}`]);
  });

  it('a "__proto__" key stays a plain own key: no prototype is changed, nothing is polluted', () => {
    const value = JSON.parse(`{"__proto__": {"polluted": "${TOKEN}"}, "a": "${TOKEN}"}`) as Record<string, unknown>;
    const masked = maskSecrets(value, [TOKEN]);
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(Object.keys(masked)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(masked, '__proto__')?.value).toEqual({ polluted: REDACTED });
    expect(masked['a']).toBe(REDACTED);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: TOKEN });
    expect(Object.getPrototypeOf(maskSecrets(bare, [TOKEN]))).toBeNull();
  });

  it('returns unchanged values as they are: the same object, and untouched branches shared with the copy', () => {
    const untouched = { b: ['x', { c: 'y' }] };
    const value = { untouched, changed: { t: TOKEN } };
    expect(maskSecrets(untouched, [TOKEN])).toBe(untouched);
    const masked = maskSecrets(value, [TOKEN]);
    expect(masked).not.toBe(value);
    expect(masked.untouched).toBe(untouched);
    expect(value.changed.t).toBe(TOKEN); // the input is never modified
  });

  it('keeps Dates, Maps and class instances as they are', () => {
    const date = new Date(0);
    const map = new Map([['k', TOKEN]]);
    const value = { date, map };
    expect(maskSecrets(value, [TOKEN])).toBe(value);
  });

  it('masks a credential with a quote or backslash also as it reads inside JSON text', () => {
    const quoted = 'key"with\\specials-0123456789';
    const text = JSON.stringify({ echo: quoted });
    expect(maskSecrets(text, [quoted])).toBe(`{"echo":"${REDACTED}"}`);
    expect(maskSecrets({ echo: quoted }, [quoted])).toEqual({ echo: REDACTED });
  });

  it('one credential inside another: the longer one is masked whole', () => {
    const cookie = `${TOKEN}-session-part`;
    expect(maskSecrets(`cookie=${cookie}; t=${TOKEN}`, [TOKEN, cookie])).toBe(`cookie=${REDACTED}; t=${REDACTED}`);
  });

  it('nesting too deep to walk: a subtree holding a credential is replaced whole, one without is kept', () => {
    const nest = (leaf: unknown, depth: number): unknown => (depth === 0 ? leaf : { n: nest(leaf, depth - 1) });
    const clean = nest('plain', 200);
    expect(maskSecrets(clean, [TOKEN])).toBe(clean);
    expect(JSON.stringify(maskSecrets(nest(TOKEN, 200), [TOKEN]))).not.toContain(TOKEN);
  });
});

describe('maskStatusReport', () => {
  const report = (): StatusReport<{ rows: string[][] }> => ({
    state: 'succeeded',
    providerState: 'ok',
    progress: 100,
    message: `echo ${TOKEN}`,
    startedAt: new Date(0),
    subtasks: [
      { id: 's1', name: `step ${TOKEN}`, state: 'succeeded', providerState: 'ok', message: `sub ${TOKEN}` },
      { id: 's2', name: 'clean', state: 'succeeded', providerState: 'ok' },
    ],
    result: { rows: [[TOKEN, 'nebula']] },
    raw: { [TOKEN]: TOKEN, job: { name: 'nebula_pagerank' } },
  });

  it('masks message, raw and subtask names and messages; never result, keys or the normalized fields', () => {
    const original = report();
    const masked = maskStatusReport(original, [TOKEN, 'nebula']);
    expect(masked).toEqual({
      state: 'succeeded',
      providerState: 'ok',
      progress: 100,
      message: `echo ${REDACTED}`,
      startedAt: new Date(0),
      subtasks: [
        { id: 's1', name: `step ${REDACTED}`, state: 'succeeded', providerState: 'ok', message: `sub ${REDACTED}` },
        { id: 's2', name: 'clean', state: 'succeeded', providerState: 'ok' },
      ],
      result: { rows: [[TOKEN, 'nebula']] },
      raw: { [TOKEN]: REDACTED, job: { name: 'nebula_pagerank' } },
    });
    expect(masked.result).toBe(original.result);
    expect(masked.subtasks?.[1]).toBe(original.subtasks?.[1]);
    expect(original.message).toBe(`echo ${TOKEN}`);
  });

  it('returns the report itself when nothing changes, and adds no raw to a report without one', () => {
    const clean: StatusReport<unknown> = { state: 'running', providerState: 'ta', message: 'state' };
    expect(maskStatusReport(clean, ['ta', 'nebula', 'state', TOKEN])).toBe(clean);
    const echoed: StatusReport<unknown> = { state: 'running', providerState: 'RUNNING', message: TOKEN };
    const masked = maskStatusReport(echoed, [TOKEN]);
    expect(masked).toEqual({ state: 'running', providerState: 'RUNNING', message: REDACTED });
    expect('raw' in masked).toBe(false);
  });
});
