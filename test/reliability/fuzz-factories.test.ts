/**
 * Arbitrary option objects to each provider factory (fast-check): a clear TypeError / RangeError at
 * once, or an adapter whose wait works; never a crash deep inside, never the credential echoed.
 * (waitForTask's own options are fuzzed in fuzz-options.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTaskPollError, waitForTask, type TaskAdapter } from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { expectNoSecrets, fakeAxios, type FakeAnswer } from './helpers.js';

const RUNS = 250;
const SECRET = 'CANARY-opt-7f3a9c1e5b';
const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';

/** Messages that mean something broke inside rather than an option being refused. */
const CRASH =
  /Cannot (read|set) propert|is not a function|is not iterable|Cannot convert|Maximum call stack|is not a constructor|Invalid time value|\[object Object\]/;

const json = (value: unknown): FakeAnswer => ({ status: 200, body: JSON.stringify(value) });

interface Factory {
  name: string;
  keys: string[];
  /** Valid options (with the canary as the credential) answering through `axios`. */
  base(axios: unknown): Record<string, unknown>;
  make(options: unknown): TaskAdapter<unknown, unknown> & { close(): void };
  ref: unknown;
  /** The finished task, by URL. */
  answer(url: string): FakeAnswer;
}

const factories: Factory[] = [
  {
    name: 'guanceLogmine',
    keys: ['apiKey', 'site', 'baseURL', 'axios', 'requestTimeoutMs', 'pacing'],
    base: (axios) => ({ apiKey: SECRET, baseURL: 'http://guance.test', axios }),
    make: (o) => guanceLogmine(o as never),
    ref: 'logminetaskchcbedk24lokg5cqfdb0',
    answer: () =>
      json({
        code: 200,
        content: { data: [], docCount: 0, taskStatus: 'ok' },
        errorCode: '',
        message: '',
        success: true,
        traceId: '1',
      }),
  },
  {
    name: 'edgeLogDump',
    keys: [
      'baseURL',
      'tls',
      'httpsAgent',
      'axios',
      'requestTimeoutMs',
      'pacing',
      'downloadTimeoutMs',
      'maxDownloadBytes',
    ],
    base: (axios) => ({ baseURL: 'http://mef.test', axios }),
    make: (o) => edgeLogDump(o as never),
    ref: 'dumpMultiNodesLog.eca14a007f930e5689652a30',
    answer: () =>
      json({
        status: '00000000',
        msg: 'success',
        data: { status: 'succeed', progress: 100, taskId: 'dumpMultiNodesLog.eca14a007f930e5689652a30' },
      }),
  },
  {
    name: 'dgcSystemTasks',
    keys: ['projectId', 'region', 'endpoint', 'workspace', 'auth', 'axios', 'requestTimeoutMs', 'pacing'],
    base: (axios) => ({
      endpoint: 'http://dgc.test',
      projectId: PROJECT,
      auth: { accessKey: 'AKFUZZ', secretKey: SECRET },
      axios,
    }),
    make: (o) => dgcSystemTasks(o as never),
    ref: '008aae2e675d3bcb01675d3c66f20000',
    answer: () => json({ id: '008aae2e675d3bcb01675d3c66f20000', name: 'import', status: 'SUCCESSFUL', subtasks: [] }),
  },
  {
    name: 'workflowTasks',
    keys: [
      'baseURL',
      'token',
      'credentials',
      'tokenHeader',
      'rowSchema',
      'sampleLimit',
      'axios',
      'requestTimeoutMs',
      'pacing',
    ],
    base: (axios) => ({ baseURL: 'http://explorer.test', token: SECRET, axios }),
    make: (o) => workflowTasks(o as never),
    ref: { jobId: 1, taskId: 'f93dea90fc3a11ecac7e6da0662c195b' },
    answer: (url) =>
      url.includes('sample_result')
        ? json({ code: 0, data: { items: [['a', 'b']] }, message: 'Success' })
        : json({
            code: 0,
            data: { id: 1, status: 2, tasks: [{ id: 'f93dea90fc3a11ecac7e6da0662c195b', name: 'BFS', status: 2 }] },
            message: 'Success',
          }),
  },
];

/** Values an option may be given: anything, and the near misses that reach deeper checks. */
const optionValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.anything({
      withNullPrototype: true,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  },
  fc.constantFrom(
    undefined,
    null,
    0,
    -1,
    1,
    0.5,
    2 ** 31,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    ' ',
    'x',
    true,
    false,
    [],
    {},
    'http://a.test',
    'https://a.test:1/p',
    'ftp://a',
    'http://u:p@a.test',
    'http://a.test/?q=1',
    'cn1',
    'us1',
    'cn-north-4',
    'not a region',
    { token: 'abc' },
    { token: 'a\r\nb' },
    { accessKey: 'AK', secretKey: 'SK' },
    { accessKey: 'A K', secretKey: '' },
    { username: 'u', password: 'p', graphAddress: 'g', graphPort: 9669 },
    { username: 'u', password: 'p', graphAddress: 'g', graphPort: 0 },
    { requestsPerInterval: 1, intervalMs: 1 },
    { maxConcurrency: 0 },
    { rate: 1 },
    false,
    { cert: 'x', key: 'y', ca: 'z' },
    { rejectUnauthorized: false },
    'b384b9e9ab9b4ee8994c8633aabc9505',
    '../etc',
    'a\u0000b',
  ),
);

const overrides = (keys: string[]) =>
  fc.dictionary(
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, fc.string({ maxLength: 12 })),
    optionValue,
    { maxKeys: 3 },
  );

describe.each(factories)('fuzz: arbitrary options to $name', (factory) => {
  it('a clear TypeError/RangeError at once, or an adapter whose wait works', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: overrides(factory.keys) }, optionValue), async (given) => {
        const axios = fakeAxios((c) => factory.answer(String(c.url)));
        const isObject = typeof given === 'object' && given !== null && !Array.isArray(given);
        const options = isObject ? { ...factory.base(axios), ...(given as Record<string, unknown>) } : given;
        let adapter: (TaskAdapter<unknown, unknown> & { close(): void }) | undefined;
        try {
          adapter = factory.make(options);
        } catch (error) {
          expect(error instanceof TypeError || error instanceof RangeError, String(error)).toBe(true);
          const message = (error as Error).message;
          expect(message.length).toBeGreaterThan(10);
          expect(message).not.toMatch(CRASH);
          expectNoSecrets(error, [SECRET]);
          return;
        }
        try {
          const done = await waitForTask(adapter, factory.ref, {
            timeoutMs: 300,
            initialDelayMs: 1,
            maxDelayMs: 1,
            retry: false,
          });
          expect(done.state).toBe('succeeded');
        } catch (error) {
          // A valid but odd option set may still end in a typed error (a 1 ms request limit, a pacing window of days).
          expect(isTaskPollError(error), String(error)).toBe(true);
          expect((error as Error).message).not.toMatch(CRASH);
          expectNoSecrets(error, [SECRET]);
        } finally {
          adapter.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
