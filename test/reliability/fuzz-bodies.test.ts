/**
 * Hostile answers (fast-check): arbitrary JSON values, arbitrary bytes and arbitrary status words as
 * each provider's response body. The adapter returns a valid TaskStatus or throws
 * ResponseValidationError / ProviderError, never anything else; and it never reports a terminal
 * success from a body without the provider's success marker. No sockets: a fake axios transport.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isTaskPollError,
  ProviderError,
  ResponseValidationError,
  type TaskAdapter,
  type TaskState,
  type TaskStatus,
} from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';
import { expectValidStatus, fakeAxios, signal, type FakeAnswer } from './helpers.js';

const RUNS = 300;
const GUANCE_ID = 'logminetaskchcbedk24lokg5cqfdb0';
const EDGE_ID = 'dumpMultiNodesLog.eca14a007f930e5689652a30';
const DGC_ID = '008aae2e675d3bcb01675d3c66f20000';
const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
const WF_REF = { jobId: 1964, taskId: 'f93dea90fc3a11ecac7e6da0662c195b' };

/** What one provider's adapter needs here: how to build it on a fake transport, its ref, and its documented success answer. */
interface Subject {
  name: string;
  provider: string;
  ref: unknown;
  taskId: string;
  make(answer: (url: string) => FakeAnswer): TaskAdapter<unknown, unknown>;
  /** A documented answer with `word` as the status word (words keep their JSON type: Explorer sends numbers). */
  shaped(word: unknown): unknown;
  /** The provider's own mapping, from the state table of DESIGN.md: what a word must give. */
  expectedState(word: unknown): TaskState;
  /** Where the word is read in a body. */
  wordOf(body: unknown): unknown;
}

/** An exact-word table lookup (own keys only: 'toString' is not a status word). */
const lookup = (table: Record<string, TaskState>, word: unknown): TaskState =>
  typeof word === 'string' && Object.hasOwn(table, word) ? (table[word] as TaskState) : 'unknown';

const json = (value: unknown): FakeAnswer => ({ status: 200, body: JSON.stringify(value) });
const rows = { code: 0, data: { items: [['player100', '0.15']] }, message: 'Success' };

const subjects: Subject[] = [
  {
    name: 'guance',
    provider: 'guance.logmine',
    ref: GUANCE_ID,
    taskId: GUANCE_ID,
    make: (answer) =>
      guanceLogmine({
        baseURL: 'http://guance.test',
        apiKey: 'tkn_fuzz',
        pacing: false,
        axios: fakeAxios((c) => answer(String(c.url))),
      }),
    shaped: (word) => ({
      code: 200,
      content: { data: [{ count: 1, docids: ['L_1'], message: 'x' }], docCount: 1, taskStatus: word },
      errorCode: '',
      message: '',
      success: true,
      traceId: '1',
    }),
    // Only `ok` is documented; running-like and failure-like words as the adapter's doc lists them.
    expectedState: (word) => {
      if (typeof word !== 'string') return 'unknown';
      const w = word
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
      if (w === 'ok') return 'succeeded';
      if (['queued', 'queueing', 'queuing', 'waiting'].includes(w)) return 'queued';
      if (['running', 'pending', 'processing', 'in_progress', 'started', 'executing'].includes(w)) return 'running';
      if (['failed', 'fail', 'failure', 'error', 'errored', 'timeout', 'timed_out'].includes(w)) return 'failed';
      return 'unknown';
    },
    wordOf: (body) => (body as { content: { taskStatus: unknown } }).content.taskStatus,
  },
  {
    name: 'edge',
    provider: 'edge.logDump',
    ref: EDGE_ID,
    taskId: EDGE_ID,
    make: (answer) =>
      edgeLogDump({ baseURL: 'http://mef.test', pacing: false, axios: fakeAxios((c) => answer(String(c.url))) }),
    shaped: (word) => ({
      status: '00000000',
      msg: 'success',
      data: {
        createdAt: '2023-08-23T17:06:56.28075167Z',
        data: { fileName: 'edgeNodes.tar.gz' },
        finishedAt: '2023-08-23T17:07:05.67786258Z',
        progress: 100,
        reason: 'task succeeded',
        startedAt: '2023-08-23T17:06:56.28095697Z',
        status: word,
        taskId: EDGE_ID,
      },
    }),
    expectedState: (word) =>
      lookup(
        {
          waiting: 'queued',
          processing: 'running',
          aborting: 'cancelling',
          succeed: 'succeeded',
          partiallyFailed: 'partial',
          failed: 'failed',
        },
        word,
      ),
    wordOf: (body) => (body as { data: { status: unknown } }).data.status,
  },
  {
    name: 'dgc',
    provider: 'dgc.systemTask',
    ref: DGC_ID,
    taskId: DGC_ID,
    make: (answer) =>
      dgcSystemTasks({
        endpoint: 'http://dgc.test',
        projectId: PROJECT,
        auth: { token: 'MIIfuzz' },
        pacing: false,
        axios: fakeAxios((c) => answer(String(c.url))),
      }),
    shaped: (word) => ({
      endTime: 1543457514000,
      id: DGC_ID,
      lastUpdate: 1543457514000,
      name: 'Import jobs from path [obs://aaaaa/traffic.zip].',
      projectId: PROJECT,
      startTime: 1543457499000,
      status: word,
      subtasks: [
        {
          id: '008aae2e675d3bcb01675d3c9f5f0002',
          lastUpdate: 1543457513000,
          name: 'Import job [job_batch].',
          status: 'SUCCESSFUL',
        },
      ],
    }),
    expectedState: (word) =>
      lookup({ RUNNING: 'running', SUCCESSFUL: 'succeeded', FAILED: 'failed', WARNING: 'partial' }, word),
    wordOf: (body) => (body as { status: unknown }).status,
  },
  {
    name: 'workflow',
    provider: 'workflow.task',
    ref: WF_REF,
    taskId: WF_REF.taskId,
    make: (answer) =>
      workflowTasks({
        baseURL: 'http://explorer.test',
        token: 'fuzz-token',
        pacing: false,
        axios: fakeAxios((c) => answer(String(c.url))),
      }),
    shaped: (word) => ({
      code: 0,
      data: {
        id: 1964,
        name: 'workflow_xkkjf_20220712103332',
        workflowId: '3992429968',
        workflowName: 'workflow_xkkjf',
        status: 1,
        tasks: [
          {
            id: WF_REF.taskId,
            name: 'BFS',
            runBeginTime: '2022-07-12T10:33:35+08:00',
            runEndTime: '2022-07-12T10:33:38+08:00',
            status: word,
          },
        ],
        runBeginTime: 1657593215000,
        runEndTime: 1657593218000,
        createTime: 1657593212505,
      },
      message: 'Success',
    }),
    // 0..5 as numbers or numeric strings (`workflowTaskState`).
    expectedState: (word) => {
      const n =
        typeof word === 'number'
          ? word
          : typeof word === 'string' && /^\d+$/.test(word.trim())
            ? Number(word)
            : Number.NaN;
      return (['queued', 'running', 'succeeded', 'failed', 'cancelled', 'cancelling'] as const)[n] ?? 'unknown';
    },
    wordOf: (body) => {
      const tasks = (body as { data?: { tasks?: unknown } }).data?.tasks;
      return Array.isArray(tasks) ? (tasks[0] as { status?: unknown } | undefined)?.status : undefined;
    },
  },
];

/** Runs one poll; the outcome as a value. */
async function poll(
  subject: Subject,
  answer: (url: string) => FakeAnswer,
): Promise<{ status?: TaskStatus; error?: unknown }> {
  try {
    const adapter = subject.make(answer);
    return { status: await adapter.getStatus(subject.ref, { signal: signal() }) };
  } catch (error) {
    return { error };
  }
}

/** Only the two body errors may come out of a 2xx answer the adapter cannot read. */
function expectBodyError(error: unknown): void {
  if (!(error instanceof ResponseValidationError || error instanceof ProviderError)) {
    throw new Error(
      `expected ResponseValidationError or ProviderError, got ${isTaskPollError(error) ? error.code : String(error)}: ${(error as Error)?.message}`,
    );
  }
}

/** A status word the fuzzer tries: anything, and near misses of the real words. */
const statusWord = fc.oneof(
  fc.string(),
  fc.integer({ min: -2, max: 8 }),
  fc.double(),
  fc.constantFrom(
    'ok',
    'OK',
    ' ok ',
    'ok\n',
    'okay',
    'succeed',
    'Succeed',
    'succeeded',
    'success',
    'SUCCESSFUL',
    'successful',
    'SUCCESSFUL ',
    'partiallyFailed',
    'WARNING',
    'failed',
    'FAILED',
    'RUNNING',
    'processing',
    'waiting',
    'aborting',
    'rebalancing',
    '2',
    ' 2',
    '02',
    '2.0',
    '1e0',
    '-2',
    '',
    null,
    true,
    false,
    2,
    2.5,
    1,
    3,
    4,
    5,
    9,
    [],
    {},
    ['ok'],
    { ok: true },
  ),
);

/** A JSON path of the shaped answer to overwrite with an arbitrary value (never the status word, nor the error fields). */
const mutation = fc.option(
  fc.tuple(
    fc.constantFrom(
      'content',
      'data',
      'msg',
      'message',
      'subtasks',
      'tasks',
      'id',
      'progress',
      'docCount',
      'startTime',
      'createdAt',
      'status',
    ),
    fc.jsonValue(),
  ),
  { nil: undefined },
);

function mutate(body: unknown, change: [string, unknown] | undefined): unknown {
  if (change === undefined) return body;
  const [key, value] = change;
  const copy = structuredClone(body) as Record<string, unknown>;
  // The key may be at the top or one level down (content / data): set it wherever it is.
  for (const holder of [copy, copy['content'], copy['data']]) {
    if (
      typeof holder === 'object' &&
      holder !== null &&
      key in holder &&
      !(holder === copy && (key === 'status' || key === 'code'))
    ) {
      (holder as Record<string, unknown>)[key] = value;
      return copy;
    }
  }
  return copy;
}

describe.each(subjects)('fuzz: hostile 2xx answers to the $name adapter', (subject) => {
  it('an arbitrary JSON value: a valid status or ResponseValidationError/ProviderError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const { status, error } = await poll(subject, (url) =>
          url.includes('sample_result') ? json(rows) : json(value),
        );
        if (error !== undefined) return expectBodyError(error);
        expectValidStatus(status as TaskStatus, subject.provider, subject.taskId);
        // Only a body that carries the success marker can end a wait well.
        if (status!.state === 'succeeded' || status!.state === 'partial') {
          expect(subject.expectedState(subject.wordOf(value))).toBe(status!.state);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes under any content type: a valid status or ResponseValidationError/ProviderError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.string({ unit: 'binary', maxLength: 300 }),
        ),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/html',
          'text/plain',
          'application/octet-stream',
        ),
        async (body, contentType) => {
          const { status, error } = await poll(subject, () => ({
            status: 200,
            body,
            headers: { 'content-type': contentType },
          }));
          if (error !== undefined) return expectBodyError(error);
          // Bytes that happen to be a readable answer must still give a valid status (a JSON number, say, does not).
          expectValidStatus(status as TaskStatus, subject.provider, subject.taskId);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the documented answer with an arbitrary status word (and one field mangled): the word is kept verbatim, success only from the marker', async () => {
    await fc.assert(
      fc.asyncProperty(statusWord, mutation, async (word, change) => {
        const body = mutate(subject.shaped(word), change);
        const { status, error } = await poll(subject, (url) =>
          url.includes('sample_result') ? json(rows) : json(body),
        );
        if (error !== undefined) return expectBodyError(error);
        expectValidStatus(status as TaskStatus, subject.provider, subject.taskId);
        const read = subject.wordOf(body);
        if (read === undefined) {
          // The mangling removed the word (e.g. an Explorer job that lists no tasks yet): nothing may end well.
          expect(['succeeded', 'partial']).not.toContain(status!.state);
          return;
        }
        expect(status!.providerState).toBe(String(read));
        expect(status!.state).toBe(subject.expectedState(read));
      }),
      { numRuns: RUNS },
    );
  });

  it('any HTTP status with any body: a valid status on 2xx, else a typed TaskPollError; never a success from a non-2xx answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 599 }),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 200 }),
          fc.constant(JSON.stringify(subject.shaped('ok'))),
        ),
        async (httpStatus, body) => {
          const { status, error } = await poll(subject, (url) =>
            url.includes('sample_result') ? json(rows) : { status: httpStatus, body },
          );
          if (error !== undefined) {
            expect(isTaskPollError(error)).toBe(true);
            expect((error as { provider?: string }).provider).toBe(subject.provider);
            return;
          }
          expect(httpStatus).toBeGreaterThanOrEqual(200);
          expect(httpStatus).toBeLessThan(300);
          expectValidStatus(status as TaskStatus, subject.provider, subject.taskId);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
