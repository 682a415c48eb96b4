import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseClusterMessage } from '../../../src/providers/guance/index.js';
import { JSON_TYPE, QUERY, SEED_RESPONSE, api, make, useGuanceNock } from './harness.js';

useGuanceNock();

/** Where the documented example was copied from: not part of the repository, so its check runs only where it exists. */
const SEED_FILE = '/work/shared/seeds/000_faa5ca62913e583d.txt';

describe('the documented query_task example (querytask.md, the seed-000 fixture)', () => {
  it('the fixture is the seed example, byte for byte', () => {
    if (!existsSync(SEED_FILE)) return; // the seeds live outside the repository
    const seed = readFileSync(SEED_FILE, 'utf8');
    const block = /## 响应\s*```shell\n([\s\S]*?)\n```/.exec(seed)?.[1];
    expect(block).toBe(SEED_RESPONSE);
  });

  it('parses verbatim into the typed result, every message JSON', async () => {
    api().get(QUERY).query({ taskId: 'task_xxxxxx' }).reply(200, SEED_RESPONSE, JSON_TYPE);
    const status = await make().getStatus('task_xxxxxx', { signal: new AbortController().signal });
    expect(status).toMatchObject({
      provider: 'guance.logmine',
      taskId: 'task_xxxxxx',
      state: 'succeeded',
      providerState: 'ok',
      terminal: true,
    });
    expect(status).not.toHaveProperty('message');
    expect(status.raw).toMatchObject({ traceId: '12356904931261224598', code: 200, success: true });
    const result = status.result!;
    expect(result.docCount).toBe(3);
    expect(result.clusters).toHaveLength(2);
    const parsed = result.clusters.map((c) => parseClusterMessage(c.message));
    expect(parsed[0]).toMatchObject({
      kind: 'json',
      value: { caller: 'traceutil/trace.go:171', msg: 'trace[93927413] transaction', step_count: 2 },
    });
    expect(parsed[1]).toMatchObject({
      kind: 'json',
      value: { msg: 'trace[1571945896] range', duration: '270.428986ms' },
    });
  });
});

describe('parseClusterMessage', () => {
  it.each<[string, ReturnType<typeof parseClusterMessage>]>([
    ['{"level":"info","n":1}', { kind: 'json', value: { level: 'info', n: 1 } }],
    ['  [1, "a"]', { kind: 'json', value: [1, 'a'] }],
    ['GET /healthz 200 3ms', { kind: 'text', value: 'GET /healthz 200 3ms' }],
    ['{read_only:false; revision:1}', { kind: 'text', value: '{read_only:false; revision:1}' }],
    ['404', { kind: 'text', value: '404' }],
    ['true', { kind: 'text', value: 'true' }],
    ['"quoted"', { kind: 'text', value: '"quoted"' }],
    ['', { kind: 'text', value: '' }],
  ])('%j', (message, expected) => {
    expect(parseClusterMessage(message)).toEqual(expected);
  });

  it('drops __proto__ keys of JSON messages', () => {
    const parsed = parseClusterMessage('{"__proto__":{"polluted":1},"a":1}');
    expect(parsed).toEqual({ kind: 'json', value: { a: 1 } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
