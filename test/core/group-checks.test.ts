import { describe, expect, it, vi } from 'vitest';
import { asCompleted, defineAdapter, waitForAll, waitForAllSettled, waitForAny } from '../../src/index.js';

/** An adapter whose refs are `{ id }` objects; it records every poll (none must happen here). */
function spyAdapter() {
  const getStatus = vi.fn(async () => ({ state: 'succeeded' as const, providerState: 'done' }));
  const adapter = defineAdapter<{ id: string }>({
    provider: 'test.checks',
    taskId: (ref) => {
      if (typeof ref?.id !== 'string') throw new TypeError(`a ref must be { id: string }, got ${typeof ref}`);
      return ref.id;
    },
    getStatus,
  });
  return { adapter, getStatus };
}

const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}` }));

describe('group checks, before any request', () => {
  it('a bad ref is named by its index', async () => {
    const { adapter, getStatus } = spyAdapter();
    const list: { id: string }[] = refs(10);
    list[7] = { id: 7 } as unknown as { id: string };
    await expect(waitForAll(adapter, list)).rejects.toThrow(
      new TypeError('refs[7]: a ref must be { id: string }, got object'),
    );
    const entries = refs(3).map((ref) => ({ adapter, ref }));
    await expect(waitForAllSettled([...entries, { adapter, ref: 'x' }] as never)).rejects.toThrow(/^entries\[3\]: /);
    await expect(waitForAny([...entries, { adapter: {}, ref: 'x' }] as never)).rejects.toThrow(
      /^entries\[3\]: adapter must have getStatus\(\) and taskId\(\)/,
    );
    await expect(waitForAny([...entries, 'x'] as never)).rejects.toThrow(
      new TypeError('entries[3] must be an object { adapter, ref }, got a string of length 1'),
    );
    expect(getStatus).not.toHaveBeenCalled();
  });

  it('in the mixed form, a ref of the wrong type for its adapter does not type-check', async () => {
    const { adapter } = spyAdapter();
    const strings = defineAdapter({
      provider: 'test.strings',
      getStatus: async () => ({ state: 'running', providerState: 'x' }),
    });
    const wrong = () =>
      waitForAll([
        { adapter: strings, ref: 'a' },
        // @ts-expect-error: `adapter` takes { id } refs, not strings
        { adapter, ref: 'b' },
      ]);
    await expect(wrong()).rejects.toThrow(/^entries\[1\]: /);
  });

  it('a per-wait onProgress that never reads the snapshot works with refs that are not JSON-safe', async () => {
    const { adapter } = spyAdapter();
    const ref = { id: 't0', label: () => 'not JSON' };
    const indexes: number[] = [];
    await expect(
      waitForAll(adapter, [ref], { onProgress: (_status, info) => void indexes.push(info.index) }),
    ).resolves.toHaveLength(1);
    expect(indexes).toEqual([0]);
  });

  it('a group takes no resumeFrom: a snapshot names one wait', async () => {
    const { adapter, getStatus } = spyAdapter();
    const snapshot = { version: 1 } as never;
    // @ts-expect-error: resumeFrom is not a group option
    await expect(waitForAll(adapter, refs(2), { resumeFrom: snapshot })).rejects.toThrow(
      /^resumeFrom is not a group option: a snapshot names one wait/,
    );
    expect(getStatus).not.toHaveBeenCalled();
  });

  it('refs must be iterable, and the adapter an adapter, even with no refs', async () => {
    const { adapter } = spyAdapter();
    await expect(waitForAll(adapter, 'abc' as never)).rejects.toThrow(
      new TypeError('refs must be an array or an iterable, got a string of length 3'),
    );
    await expect(waitForAll(adapter, undefined as never)).rejects.toThrow(TypeError);
    await expect(waitForAll(undefined as never, [])).rejects.toThrow(/^adapter must be a TaskAdapter/);
    await expect(waitForAll({ provider: 'x' } as never, [])).rejects.toThrow(/^adapter must be a TaskAdapter/);
  });

  it.each([
    [0, RangeError],
    [1.5, RangeError],
    [-1, RangeError],
    [Number.NaN, TypeError],
    ['2', TypeError],
  ])('concurrency %s is refused with a %s', async (concurrency, kind) => {
    const { adapter, getStatus } = spyAdapter();
    await expect(waitForAll(adapter, refs(2), { concurrency: concurrency as number })).rejects.toThrow(kind);
    expect(() => asCompleted(adapter, refs(2), { concurrency: concurrency as number })).toThrow(kind);
    expect(getStatus).not.toHaveBeenCalled();
  });

  it('options are checked once, as waitForTask checks them, plus the group’s own', async () => {
    const { adapter, getStatus } = spyAdapter();
    await expect(waitForAll(adapter, refs(2), { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(waitForAll(adapter, refs(2), { concurency: 2 } as never)).rejects.toThrow(
      new TypeError('Unknown group option "concurency" (did you mean "concurrency"?)'),
    );
    await expect(waitForAll(adapter, refs(2), { timeout: 2 } as never)).rejects.toThrow(
      /^Unknown wait option "timeout"/,
    );
    await expect(waitForAll(adapter, refs(2), { onGroupProgress: 'x' } as never)).rejects.toThrow(
      /^onGroupProgress must be a function/,
    );
    await expect(waitForAll(adapter, refs(2), { onProgress: 1 } as never)).rejects.toThrow(/^onProgress must be/);
    await expect(waitForAll(adapter, refs(2), [] as never)).rejects.toThrow(/^options must be an object/);
    expect(getStatus).not.toHaveBeenCalled();
  });

  it('asCompleted throws from the call, and starts nothing until the first next()', async () => {
    const { adapter, getStatus } = spyAdapter();
    expect(() => asCompleted(adapter, [{ id: '' }])).toThrow(/^refs\[0\]: /);
    const endings = asCompleted(adapter, refs(2));
    expect(getStatus).not.toHaveBeenCalled();
    const first = await endings.next();
    expect(first.value).toMatchObject({ index: 0, status: { state: 'succeeded' } });
    await endings.return?.(undefined);
  });

  it('Infinity is a valid concurrency (the default)', async () => {
    const { adapter } = spyAdapter();
    const done = await waitForAll(adapter, refs(3), { concurrency: Number.POSITIVE_INFINITY });
    expect(done.map((s) => s.taskId)).toEqual(['t0', 't1', 't2']);
  });
});
