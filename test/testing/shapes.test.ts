import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { raw } from './http.js';

/** The type tree of a JSON value: keys (sorted) with the type of each value; arrays by their first element. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value === null) return 'null';
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 505, rateLimits: false });
});
afterAll(() => sim.close());

describe("the simulator's answers have the shapes of the providers' documented examples", () => {
  it('Guance query_task (seed 000)', async () => {
    const taskId = sim.guance.createTask({ durationMs: 0 });
    const answer = await raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=${taskId}`, {
      headers: { 'DF-API-KEY': sim.guance.apiKey },
    });
    expect(shape(answer.json())).toEqual(shape(fixture('guance/query_task.seed-000.json')));
  });

  it('MEF dump task query (seed 001)', async () => {
    const taskId = sim.edge.createTask([1], { queuedMs: 0, durationMs: 0 });
    const answer = await raw(`${sim.edge.baseURL}/edgemanager/v1/logmgmt/dump/task?taskId=${taskId}`);
    expect(shape(answer.json())).toEqual(shape(fixture('edge/seed-query-succeed.json')));
  });

  it('DataArts system task (seed 002, example 4) and its not-found error', async () => {
    const taskId = sim.dgc.createTask({ durationMs: 0, subtasks: ['Import job [job_batch].'] });
    const answer = await raw(`${sim.dgc.endpoint}/v1/${sim.dgc.projectId}/system-tasks/${taskId}`, {
      headers: { 'X-Auth-Token': sim.dgc.token },
    });
    const documented = JSON.parse(
      readFileSync(new URL('../fixtures/dgc/seed-002-example-4.txt', import.meta.url), 'utf8'),
    );
    expect(shape(answer.json())).toEqual(shape(documented));
    const missing = await raw(`${sim.dgc.endpoint}/v1/${sim.dgc.projectId}/system-tasks/nope`, {
      headers: { 'X-Auth-Token': sim.dgc.token },
    });
    expect(shape(missing.json())).toEqual(
      shape(JSON.parse(readFileSync(new URL('../fixtures/dgc/seed-002-error-DLF.0810.txt', import.meta.url), 'utf8'))),
    );
  });

  it('Explorer job detail (api-desc-job.md)', async () => {
    const jobId = sim.workflow.createJob('3992429968', { queuedMs: 0, durationMs: 0, tasks: ['BFS'] });
    const answer = await raw(`${sim.workflow.baseURL}/api-open/v1/jobs/${jobId}`, {
      headers: { Cookie: `explorer_token=${sim.workflow.token}` },
    });
    const documented = fixture('workflow/job-1964.json') as { data: { name: string } };
    expect(shape(answer.json())).toEqual(shape(documented));
    expect(answer.json().data.name).toMatch(/^workflow_3992429968_\d{14}$/);
    expect(documented.data.name).toMatch(/^workflow_xkkjf_\d{14}$/);
  });
});
