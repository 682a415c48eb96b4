import { readFileSync } from 'node:fs';
import nock from 'nock';
import { dgcSystemTasks, type DgcSystemTasks, type DgcSystemTasksOptions } from '../../../src/providers/dgc/index.js';
import { nockClock } from '../../helpers/nock-clock.js';
import { useNockHarness } from '../../helpers/nock-harness.js';

/** The values every dgc conversation test shares: the project, the regional host, one task, credentials. */
export const PROJECT = 'b384b9e9ab9b4ee8994c8633aabc9505';
export const HOST = 'https://dayu-dlf.cn-north-4.myhuaweicloud.com';
export const TASK = '008aae2e675d3bcb01675d3c66f20000';
export const STATUS_PATH = `/v1/${PROJECT}/system-tasks/${TASK}`;
export const TOKEN = 'MIIEXAMPLE-iam-token_value.with.dots';
export const AK = 'HPUAEXAMPLEAK0000001';
export const SK = 'Secret/Key+Example=0123456789abcdefABCD';
export const SECURITY_TOKEN = 'gQpjbi1ub3J0aC00temporary';

/** A response body from test/fixtures/dgc, as published (see its README). */
export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/dgc/${name}`, import.meta.url), 'utf8');

/** A nock scope on the regional host. */
export const api = () => nock(HOST);
export const running = (subtasks: unknown[] = []) => ({
  id: TASK,
  name: 'Import',
  status: 'RUNNING',
  startTime: 1543457499000,
  lastUpdate: 1543457500000,
  subtasks,
});
export const successful = {
  id: TASK,
  name: 'Import',
  status: 'SUCCESSFUL',
  startTime: 1543457499000,
  endTime: 1543457514000,
  lastUpdate: 1543457514000,
  subtasks: [],
};
/** Wait options that retry after 100 ms, so a retried conversation stays short in fake time. */
export const fastRetry = { retry: { minDelayMs: 100, maxDelayMs: 100 }, initialDelayMs: 1000, jitter: 0 } as const;

/** Options of {@link DgcAdapters.make}: `undefined` removes a default. */
export type MakeOptions = { [K in keyof DgcSystemTasksOptions]?: DgcSystemTasksOptions[K] | undefined };

/** What {@link useDgcAdapters} gives a test file. */
export interface DgcAdapters {
  /** An adapter on the counting transport, unpaced, with token auth; closed after the test. */
  make(options?: MakeOptions): DgcSystemTasks;
  /** The shared settle helper (test/helpers/nock-clock.ts): waits, moving fake time only between requests. */
  settle: <T>(promise: Promise<T>) => Promise<T>;
  /** The error `promise` rejects with, settled the same way. */
  failure: (promise: Promise<unknown>) => Promise<unknown>;
}

/**
 * The set-up of a dgc conversation test file: nock with no real network, fake time from
 * 2026-01-02T03:04:05Z, and adapters made on nock-clock's counting axios. Call once at the top level.
 */
export function useDgcAdapters(): DgcAdapters {
  const clock = nockClock();
  const harness = useNockHarness(Date.UTC(2026, 0, 2, 3, 4, 5), () => clock.reset());
  const make = (options: MakeOptions = {}): DgcSystemTasks =>
    harness.track(
      dgcSystemTasks({
        region: 'cn-north-4',
        projectId: PROJECT,
        auth: { token: TOKEN },
        pacing: false,
        axios: clock.axios(),
        ...options,
      } as DgcSystemTasksOptions),
    );
  return { make, settle: clock.settle, failure: clock.failure };
}
