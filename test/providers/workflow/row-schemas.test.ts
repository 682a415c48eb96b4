/**
 * `rowSchema` from any validation library (a Standard Schema v1): zod 4, zod 3 and a hand-written
 * schema type the rows and check them alike; a synchronous or an asynchronous `validate`; rows that
 * fail, or a `validate` that throws, end as a `ResponseValidationError` naming the row and keeping the
 * rows; anything that is not a Standard Schema is refused by the factory, by its type and at run time.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import nock from 'nock';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod3';
import { ResponseValidationError, waitForTask } from '../../../src/index.js';
import { workflowTasks, type WorkflowTasks } from '../../../src/providers/workflow/index.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  SAMPLE_PATH,
  TASK,
  TOKEN,
  fast,
  one,
  pageRank,
  rowsBody,
  useWorkflowHarness,
} from './harness.js';

const { make, settle, failure } = useWorkflowHarness();
const ref = { jobId: JOB, taskId: TASK };

/** One PageRank row as a hand-written schema reads it: `[vid, rank]` in, `{ vid, rank }` out. */
interface Rank {
  vid: string;
  rank: number;
}

/** What a hand-written schema says of one row: its output, or the issue with it. */
function readRank(value: unknown): StandardSchemaV1.Result<Rank> {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return { issues: [{ message: 'expected [vid, rank]' }] };
  const rank = Number(value[1]);
  if (Number.isNaN(rank)) return { issues: [{ message: 'rank is not a number', path: [{ key: 1 }] }] };
  return { value: { vid: value[0], rank } };
}

/** A Standard Schema written by hand, with no library: `validate` answers at once. */
const handRank: StandardSchemaV1<unknown, Rank> = {
  '~standard': { version: 1, vendor: 'hand', validate: readRank },
};
/** The same, answering with a promise (as a schema with an asynchronous check does). */
const asyncRank: StandardSchemaV1<unknown, Rank> = {
  '~standard': { version: 1, vendor: 'hand', validate: async (value) => readRank(value) },
};

const SENT = [
  ['player110', '0.15'],
  ['team219', '0.45'],
];
/** Rows 1 and 2 have no number for a rank. */
const BAD = [
  ['player110', '0.15'],
  ['team219', 'high'],
  ['player121', '?'],
];

/** The three kinds of schema the issue names, each with the rows it makes of {@link SENT}. */
const schemas = [
  {
    name: 'zod 4',
    schema: pageRank,
    rows: [
      ['player110', 0.15],
      ['team219', 0.45],
    ],
  },
  {
    name: 'zod 3',
    schema: z3.tuple([z3.string(), z3.coerce.number()]),
    rows: [
      ['player110', 0.15],
      ['team219', 0.45],
    ],
  },
  {
    name: 'hand-written',
    schema: handRank,
    rows: [
      { vid: 'player110', rank: 0.15 },
      { vid: 'team219', rank: 0.45 },
    ],
  },
  {
    name: 'async hand-written',
    schema: asyncRank,
    rows: [
      { vid: 'player110', rank: 0.15 },
      { vid: 'team219', rank: 0.45 },
    ],
  },
] as const;

describe('rowSchema: any Standard Schema v1', () => {
  for (const { name, schema, rows } of schemas) {
    it(`${name}: a wait resolves with the rows the schema makes`, async () => {
      const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: schema as StandardSchemaV1 });
      const scope = nock(BASE).get(JOB_PATH).reply(200, one(2)).get(SAMPLE_PATH).query(true).reply(200, rowsBody(SENT));
      const done = await settle(waitForTask(wf, ref, fast));
      if (done.state !== 'succeeded') throw new Error('expected succeeded');
      expect(done.result.rows).toEqual(rows);
      expect(scope.isDone()).toBe(true);
    });

    it(`${name}: rows that fail → ResponseValidationError naming the first row and field, with every row kept`, async () => {
      const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: schema as StandardSchemaV1 });
      const scope = nock(BASE).get(JOB_PATH).reply(200, one(2)).get(SAMPLE_PATH).query(true).reply(200, rowsBody(BAD));
      const error = await failure(waitForTask(wf, ref, fast));
      expect(error).toBeInstanceOf(ResponseValidationError);
      const { message, issues, rows: kept } = error as ResponseValidationError;
      expect(message).toMatch(/^workflow\.task: GET \/api-open\/v1\/jobs\/\d+\/tasks\/\w+\/sample_result: /);
      expect(message).toContain('row 1 does not match rowSchema at 1: ');
      expect(message).toContain('(2 of 3 rows do not match)');
      expect(issues.map((issue) => issue.path)).toEqual([
        ['data', 'items', 1, 1],
        ['data', 'items', 2, 1],
      ]);
      expect(issues.every((issue) => issue.message.length > 0)).toBe(true);
      expect(kept).toEqual(BAD);
      expect(scope.isDone()).toBe(true);
    });
  }
});

describe('rowSchema: what a failing row, or a failing schema, becomes', () => {
  it('the rows are kept out of toJSON (a log line), and secrets in them are masked', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: pageRank });
    const sent = [
      ['player110', '0.15'],
      [TOKEN, 'high'],
    ];
    nock(BASE).get(SAMPLE_PATH).query(true).reply(200, rowsBody(sent));
    const error = (await failure(wf.sampleResult(ref))) as ResponseValidationError;
    expect(error.rows).toEqual([
      ['player110', '0.15'],
      ['[redacted]', 'high'],
    ]);
    expect(Object.keys(error.toJSON())).not.toContain('rows');
    expect(JSON.stringify(error)).not.toContain('player110');
  });

  it('an issue message that echoes the token is masked in the message and issues', async () => {
    const echo: StandardSchemaV1<unknown, string> = {
      '~standard': {
        version: 1,
        vendor: 'hand',
        validate: (value) => ({ issues: [{ message: `bad row ${JSON.stringify(value)}`, path: ['0'] }] }),
      },
    };
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: echo });
    nock(BASE)
      .get(SAMPLE_PATH)
      .query(true)
      .reply(200, rowsBody([[TOKEN]]));
    const error = (await failure(wf.sampleResult(ref))) as ResponseValidationError;
    expect(error.message).toContain('row 0 does not match rowSchema at 0: bad row ["[redacted]"]');
    expect(JSON.stringify(error.issues)).not.toContain(TOKEN);
  });
});

describe('rowSchema: a validate that throws, rejects or runs into an abort', () => {
  it('a validate that throws → ResponseValidationError naming the row, the throw as cause, the rows kept', async () => {
    const thrown = new RangeError('no rank for team219');
    const throwing: StandardSchemaV1<unknown, Rank> = {
      '~standard': {
        version: 1,
        vendor: 'hand',
        validate: (value) => {
          if (Array.isArray(value) && value[0] === 'team219') throw thrown;
          return readRank(value);
        },
      },
    };
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: throwing });
    const scope = nock(BASE).get(JOB_PATH).reply(200, one(2)).get(SAMPLE_PATH).query(true).reply(200, rowsBody(SENT));
    const error = (await failure(waitForTask(wf, ref, fast))) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.message).toContain('row 1: rowSchema threw RangeError: no rank for team219');
    expect(error.cause).toBe(thrown);
    expect(error.transient).toBe(false);
    expect(error.issues).toEqual([{ path: ['data', 'items', 1], message: expect.stringContaining('RangeError') }]);
    expect(error.rows).toEqual(SENT);
    expect(scope.isDone()).toBe(true);
  });

  it('an async validate that rejects, or answers with no result object, is the same error', async () => {
    const rejecting: StandardSchemaV1<unknown, Rank> = {
      '~standard': { version: 1, vendor: 'hand', validate: () => Promise.reject(new Error('lookup failed')) },
    };
    const empty = { '~standard': { version: 1, vendor: 'hand', validate: () => undefined } } as never;
    for (const [rowSchema, said] of [
      [rejecting, 'row 0: rowSchema threw Error: lookup failed'],
      [empty, 'row 0: rowSchema threw TypeError: validate returned undefined instead of a result object'],
    ] as const) {
      const wf = make({ baseURL: BASE, token: TOKEN, rowSchema });
      nock(BASE).get(SAMPLE_PATH).query(true).reply(200, rowsBody(SENT));
      const error = await failure(wf.sampleResult(ref));
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect((error as Error).message).toContain(said);
    }
  });

  it('an abort while an async validate runs stops the rows there, with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    let calls = 0;
    const aborting: StandardSchemaV1<unknown, Rank> = {
      '~standard': {
        version: 1,
        vendor: 'hand',
        validate: async (value) => {
          calls += 1;
          controller.abort(reason);
          return readRank(value);
        },
      },
    };
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: aborting });
    nock(BASE).get(SAMPLE_PATH).query(true).reply(200, rowsBody(SENT));
    const error = await failure(wf.sampleResult(ref, { signal: controller.signal }));
    expect(error).toBe(reason);
    expect(calls).toBe(1);
  });
});

describe('rowSchema that is not a Standard Schema v1', () => {
  it('is a TypeError from the factory naming rowSchema, before any request', () => {
    const cases: [unknown, string][] = [
      [{}, 'got an object'],
      [(x: unknown) => x, 'got a function'],
      ['z.string()', 'got a string of length 10'],
      [null, 'got null'],
      [{ '~standard': 'yes' }, 'got an object'],
      [{ '~standard': { version: 2, validate: () => ({ value: 1 }) } }, 'got a "~standard" property of version 2'],
      [{ '~standard': { version: 1 } }, 'got a "~standard" property without a validate function'],
      [{ '~standard': { version: 1, validate: 'no' } }, 'got a "~standard" property without a validate function'],
      [
        Object.defineProperty({}, '~standard', {
          get() {
            throw new Error('getter');
          },
        }),
        'got an object',
      ],
    ];
    for (const [rowSchema, got] of cases) {
      expect(() => workflowTasks({ baseURL: BASE, token: TOKEN, rowSchema: rowSchema as never })).toThrow(
        new TypeError(
          `workflow.task: rowSchema must be a Standard Schema v1 (zod 3.24+ or 4, valibot, arktype, …), ${got}`,
        ),
      );
    }
  });

  it('a function with a "~standard" property (as arktype makes them) is a schema', async () => {
    const fn = Object.assign(() => undefined, { '~standard': handRank['~standard'] });
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: fn });
    nock(BASE).get(SAMPLE_PATH).query(true).reply(200, rowsBody(SENT));
    expect(await settle(wf.sampleResult(ref))).toEqual(schemas[2].rows);
  });
});

describe('the row type comes from the schema', () => {
  type RowOf<A> = A extends WorkflowTasks<infer Row> ? Row : never;
  const options = { baseURL: BASE, token: TOKEN, pacing: false } as const;

  it('for zod 4, zod 3, a hand-written schema and the default', () => {
    const zod4 = make({ ...options, rowSchema: z.tuple([z.string(), z.coerce.number()]) });
    const zod3 = make({ ...options, rowSchema: z3.tuple([z3.string(), z3.coerce.number()]) });
    const hand = make({ ...options, rowSchema: handRank });
    const plain = make(options);
    expectTypeOf<RowOf<typeof zod4>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<RowOf<typeof zod3>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<RowOf<typeof hand>>().toEqualTypeOf<Rank>();
    expectTypeOf<RowOf<typeof plain>>().toEqualTypeOf<string[]>();
    expectTypeOf(zod3.sampleResult).returns.resolves.toEqualTypeOf<[string, number][]>();
    expect(hand.provider).toBe('workflow.task');
  });

  it('anything else is a type error (and a TypeError at run time)', () => {
    // @ts-expect-error: a function without "~standard" is no schema
    expect(() => workflowTasks({ ...options, rowSchema: (x: unknown) => x })).toThrow(TypeError);
    // @ts-expect-error: a Standard Schema of another version
    expect(() => workflowTasks({ ...options, rowSchema: { '~standard': { version: 2 } } })).toThrow(TypeError);
  });
});
