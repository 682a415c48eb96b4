/**
 * What the workflow provider's tests share: the names and bodies of one scripted Explorer (a job
 * detail in the shape of api-desc-job.md, rows, error envelopes), the doc fixtures, and
 * {@link useWorkflowHarness}, which makes adapters on nock-clock's counting transport.
 */
import { readFileSync } from 'node:fs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import { workflowTasks, type WorkflowOptions, type WorkflowTasks } from '../../../src/providers/workflow/index.js';
import { nockClock } from '../../helpers/nock-clock.js';
import { useNockHarness } from '../../helpers/nock-harness.js';

export const BASE = 'http://explorer.test:7002';
export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1vbmU.sig1';
export const TOKEN_2 = 'eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi10d28.sig2';
export const PASSWORD = 'hunter2-secret';
export const TASK = '8c171f70fb6f11ecac7e6da0662c195b';
export const JOB = 29987;
export const JOB_PATH = `/api-open/v1/jobs/${JOB}`;
export const SAMPLE_PATH = `${JOB_PATH}/tasks/${TASK}/sample_result`;
/** PageRank's (vid, rank) rows. */
export const pageRank = z.tuple([z.string(), z.coerce.number()]);
/** Wait options for fake time: 1 s between polls, 100 ms between retries, no jitter. */
export const fast = {
  jitter: 0,
  initialDelayMs: 1000,
  maxDelayMs: 1000,
  retry: { minDelayMs: 100, maxDelayMs: 100 },
} as const;

export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/workflow/${name}`, import.meta.url), 'utf8');
export const fixtureJson = (name: string): Record<string, unknown> =>
  JSON.parse(fixture(name)) as Record<string, unknown>;

/** A job detail body in the shape of api-desc-job.md, with the given job and task status codes. */
export function jobBody(jobStatus: number | string, tasks: { id?: string; name?: string; status: number | string }[]) {
  return {
    code: 0,
    data: {
      id: JOB,
      name: 'workflow_pagerank_20220715093300',
      workflowId: '4216617528',
      workflowName: 'workflow_pagerank',
      status: jobStatus,
      tasks: tasks.map((t, i) => ({
        id: t.id ?? TASK,
        name: t.name ?? `task_${i}`,
        runBeginTime: Number(t.status) >= 1 ? '2022-07-15T17:33:35+08:00' : '0001-01-01T00:00:00Z',
        runEndTime: Number(t.status) >= 2 ? '2022-07-15T17:36:56+08:00' : '',
        status: t.status,
      })),
      runBeginTime: 1657877615000,
      runEndTime: 0,
      createTime: 1657877612505,
    },
    message: 'Success',
  };
}
/** A job whose one task (PageRank, the watched one) has `taskStatus`. */
export const one = (jobStatus: number | string, taskStatus: number | string = jobStatus) =>
  jobBody(jobStatus, [{ name: 'PageRank', status: taskStatus }]);
export const rowsBody = (items: unknown) => ({ code: 0, data: { items }, message: 'Success' });
export const errorBody = (code: number, message: string) => ({ code, message });

/**
 * The nock set-up of a workflow test file (fake time from 2026-01-01, no real network), to call once
 * at its top level. `make` builds an adapter on nock-clock's counting transport and closes it after
 * the test; `settle` and `failure` run a call to its end, moving fake time only while no request is
 * in flight.
 */
export function useWorkflowHarness() {
  const clock = nockClock();
  const harness = useNockHarness(new Date('2026-01-01T00:00:00Z'), () => clock.reset());
  function make<S extends StandardSchemaV1 = StandardSchemaV1<unknown, string[]>>(
    options: WorkflowOptions<S>,
  ): WorkflowTasks<StandardSchemaV1.InferOutput<S>> {
    return harness.track(workflowTasks({ ...options, axios: clock.axios() }));
  }
  return { make, settle: clock.settle, failure: clock.failure };
}
