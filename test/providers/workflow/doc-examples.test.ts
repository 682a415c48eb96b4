/**
 * The examples of the Explorer API pages, as fixtures: the sample_result seed (verbatim, and with
 * the doc's elision repaired), a job detail, and a new job's id as a number or a string.
 */
import nock from 'nock';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ResponseValidationError, waitForTask } from '../../../src/index.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  SAMPLE_PATH,
  TASK,
  TOKEN,
  fast,
  fixture,
  fixtureJson,
  one,
  pageRank,
  useWorkflowHarness,
} from './harness.js';

const { make, settle, failure } = useWorkflowHarness();

describe('seed 003 (sample_result example, api-desc-task.md)', () => {
  const seed = fixture('003_1aa28698ef14e35f.txt');

  /** The top-level JSON-ish objects of a text, by brace matching (strings respected). */
  function topLevelObjects(text: string): string[] {
    const out: string[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let escaped = false;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') {
        if (depth === 0) start = i;
        depth += 1;
      } else if (ch === '}') {
        depth -= 1;
        if (depth === 0) out.push(text.slice(start, i + 1));
      }
    }
    return out;
  }

  const example = /```http\n([\s\S]*?)\n```/.exec(seed)?.[1] ?? '';
  const [headersText, bodyText] = topLevelObjects(example);
  const headers = JSON.parse(headersText!) as Record<string, unknown>;
  const seedHeaders = { 'Content-Type': String(headers['Content-Type']), Traceparent: String(headers['Traceparent']) };

  it('the example is a block of HTTP headers, then the JSON body (the second object)', () => {
    expect(headers['Content-Type']).toBe('application/json');
    expect(bodyText).toMatch(/^\{\s*"code": 0,/);
    // The doc's curl example: the token goes in a cookie, the limit in the query.
    expect(seed).toContain('-H "Cookie: "explorer_token=eyJhbxxx""');
    expect(seed).toContain(`/api-open/v1/jobs/${JOB}/tasks/${TASK}/sample_result?limit=1000`);
  });

  it('verbatim, the body is not JSON (the doc elides rows with a "......" line): ResponseValidationError, not a crash', async () => {
    // The doc's own ellipsis makes the example invalid JSON: a strict parse rejects it...
    expect(bodyText).toContain('\n      ......\n');
    expect(() => JSON.parse(bodyText!)).toThrow(SyntaxError);
    // ...and so does the adapter, fed the verbatim text with the seed's headers.
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: pageRank });
    const scope = nock(BASE).get(SAMPLE_PATH).query({ limit: '1000' }).reply(200, bodyText, seedHeaders);
    const error = await failure(wf.sampleResult({ jobId: JOB, taskId: TASK }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('malformed JSON');
    expect(scope.isDone()).toBe(true);
  });

  it('with the ellipsis line removed, the body parses into typed [string, number] rows (PageRank) through waitForTask', async () => {
    // Only the doc's "......" line goes; every other byte of the example stays.
    const repaired = bodyText!.replace(/\n\s*\.{6}\s*(?=\n)/, '');
    expect(repaired.split('\n')).toHaveLength(bodyText!.split('\n').length - 1);
    const wf = make({ baseURL: BASE, token: TOKEN, rowSchema: pageRank });
    const scope = nock(BASE)
      .matchHeader('cookie', `explorer_token=${TOKEN}`)
      .get(JOB_PATH)
      .reply(200, one(2))
      .get(SAMPLE_PATH)
      .query({ limit: '1000' })
      .reply(200, repaired, seedHeaders);
    const value = await settle(waitForTask(wf, { jobId: JOB, taskId: TASK }, fast));
    if (value.state !== 'succeeded') throw new Error('expected succeeded');
    const rows = value.result.rows;
    expectTypeOf(rows).toEqualTypeOf<[string, number][]>();
    expect(rows).toEqual([
      ['player110', 0.15],
      ['team219', 0.452126],
      ['player121', 0.262148],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('with the default rowSchema the same rows stay string[]', async () => {
    const repaired = bodyText!.replace(/\n\s*\.{6}\s*(?=\n)/, '');
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get(SAMPLE_PATH).query({ limit: '5' }).reply(200, repaired, seedHeaders);
    const value = await settle(wf.sampleResult({ jobId: JOB, taskId: TASK }, { limit: 5 }));
    expectTypeOf(value).toEqualTypeOf<string[][]>();
    expect(value[0]).toEqual(['player110', '0.150000']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('the doc examples as fixtures', () => {
  it('api-desc-job.md: job 1964 with its BFS task (status 2): epoch-ms job times, ISO task times', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE).get('/api-open/v1/jobs/1964').reply(200, fixture('job-1964.json'));
    const job = await settle(wf.getJob(1964));
    expect(job).toEqual({
      id: '1964',
      name: 'workflow_xkkjf_20220712103332',
      workflowId: '3992429968',
      workflowName: 'workflow_xkkjf',
      status: 2,
      state: 'succeeded',
      createdAt: new Date(1657593212505),
      startedAt: new Date(1657593215000),
      finishedAt: new Date(1657593218000),
      tasks: [
        {
          id: 'f93dea90fc3a11ecac7e6da0662c195b',
          name: 'BFS',
          status: 2,
          state: 'succeeded',
          startedAt: new Date('2022-07-12T02:33:35Z'),
          finishedAt: new Date('2022-07-12T02:33:38Z'),
        },
      ],
    });
    expect(scope.isDone()).toBe(true);
  });

  it('api-post-jobs.md: data.id is a number (107) in the example, a string in the table: both give a string', async () => {
    const wf = make({ baseURL: BASE, token: TOKEN });
    const scope = nock(BASE)
      .post('/api-open/v1/workflows/4216617528/jobs', {})
      .reply(200, fixtureJson('run-job-107.json'))
      .post('/api-open/v1/workflows/4216617528/jobs', {})
      .reply(200, { code: 0, data: { id: '108' }, message: 'Success' });
    expect(await settle(wf.runJob('4216617528'))).toBe('107');
    expect(await settle(wf.runJob('4216617528'))).toBe('108');
    expect(scope.isDone()).toBe(true);
  });
});
