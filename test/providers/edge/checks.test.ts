// The input checks made before any request: task ids, node lists, call options.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { waitForTask } from '../../../src/index.js';
import { SEED_ID } from './mef.js';
import { BASE, signal, useMefNock } from './nock-setup.js';

const { make } = useMefNock();

describe('input checks before any request', () => {
  const badIds: [string, unknown][] = [
    ['another prefix', 'dumpOneNodeLog.abc'],
    ['nothing after the prefix', 'dumpMultiNodesLog'],
    ['129 characters after the prefix', `dumpMultiNodesLog${'a'.repeat(129)}`],
    ['a slash', 'dumpMultiNodesLog.a/../b'],
    ['a space', 'dumpMultiNodesLog.a b'],
    ['a query character', 'dumpMultiNodesLog.a&taskId=x'],
    ['a newline', 'dumpMultiNodesLog.a\n'],
    ['lower-case prefix', 'dumpmultinodeslog.abc'],
    ['a number', 42],
    ['undefined', undefined],
  ];

  it.each(badIds)('task id with %s → TypeError from taskId, getStatus, waitForTask and download', async (_name, id) => {
    const edge = make();
    const scope = nock(BASE).get(/.*/).reply(500);
    expect(() => edge.taskId(id as string)).toThrow(TypeError);
    expect(() => edge.taskId(id as string)).toThrow(/must (match|be a string)/);
    await expect(edge.getStatus(id as string, { signal: signal() })).rejects.toThrow(TypeError);
    await expect(waitForTask(edge, id as string)).rejects.toThrow(TypeError);
    await expect(edge.download(id as string, new (await import('node:stream')).PassThrough())).rejects.toThrow(
      TypeError,
    );
    expect(scope.isDone()).toBe(false);
  });

  it('accepts the longest valid id (128 characters after the prefix) and the documented example', () => {
    const edge = make();
    const longest = `dumpMultiNodesLog.${'a'.repeat(127)}`;
    expect(edge.taskId(longest)).toBe(longest);
    expect(edge.taskId(SEED_ID)).toBe(SEED_ID);
    expect(edge.taskId('dumpMultiNodesLog-_.Z9')).toBe('dumpMultiNodesLog-_.Z9');
  });

  it.each<[string, unknown, ErrorConstructor, RegExp]>([
    ['no input', undefined, TypeError, /submit needs an object/],
    ['an array', [2], TypeError, /submit needs an object/],
    ['an unknown field', { edgeNodes: [2], module: 'other' }, TypeError, /unknown submit field "module"/],
    ['no edgeNodes', {}, TypeError, /edgeNodes must be an array/],
    ['no nodes', { edgeNodes: [] }, RangeError, /1 to 100 node ids, got 0/],
    ['101 nodes', { edgeNodes: Array.from({ length: 101 }, (_, i) => i + 1) }, RangeError, /got 101/],
    ['node 0', { edgeNodes: [0] }, RangeError, /edgeNodes\[0\] must be from 1 to 4294967295, got 0/],
    ['a negative node', { edgeNodes: [1, -3] }, RangeError, /edgeNodes\[1\]/],
    ['node 2^32', { edgeNodes: [2 ** 32] }, RangeError, /got 4294967296/],
    ['a fraction', { edgeNodes: [1.5] }, TypeError, /whole number/],
    ['NaN', { edgeNodes: [Number.NaN] }, TypeError, /whole number/],
    ['a string', { edgeNodes: ['3'] }, TypeError, /whole number, got a string of length 1/],
    ['a duplicate', { edgeNodes: [2, 3, 2] }, TypeError, /unique; 2 appears more than once/],
  ])('submit with %s → %o before any request', async (_name, input, type, message) => {
    const edge = make();
    const scope = nock(BASE).post(/.*/).reply(500);
    const error = await edge.submit(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(scope.isDone()).toBe(false);
  });

  it('submit with a bad signal or an unknown option → TypeError', async () => {
    const edge = make();
    await expect(edge.submit({ edgeNodes: [2] }, { signal: 'stop' as never })).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
    await expect(edge.submit({ edgeNodes: [2] }, { timeoutMs: 5 } as never)).rejects.toThrow(
      /unknown submit option "timeoutMs"/,
    );
  });
});
