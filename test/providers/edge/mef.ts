import { readFileSync } from 'node:fs';

/**
 * What the edge provider tests share about MEF Center: its two task routes, a task id, and the
 * recorded answers in test/fixtures/edge.
 */
export const TASK_PATH = '/edgemanager/v1/logmgmt/dump/task';
export const DOWNLOAD_PATH = '/edgemanager/v1/logmgmt/dump/download/edgeNodes.tar.gz';
/** A task id of MEF's form (`dumpMultiNodesLog.<random>`). */
export const ID = 'dumpMultiNodesLog.413f66d0a7b9c4e1f2d3a5b6';
/** The task id of the documented example answer (test/fixtures/edge/seed-query-succeed.json). */
export const SEED_ID = 'dumpMultiNodesLog.eca14a007f930e5689652a30';
/** A creation time as MEF writes it: RFC 3339 with nanoseconds. */
export const CREATED = '2023-08-23T17:06:56.28075167Z';

/** A recorded answer from test/fixtures/edge, as text. */
export const fixtureText = (name: string): string =>
  readFileSync(new URL(`../../fixtures/edge/${name}`, import.meta.url), 'utf8');
/** A recorded answer from test/fixtures/edge, parsed. */
export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(fixtureText(name)) as Record<string, unknown>;

/** A query answer for task {@link ID} in MEF's envelope. */
export const task = (status: string, extra: Record<string, unknown> = {}) => ({
  status: '00000000',
  msg: 'success',
  data: {
    taskId: ID,
    status,
    progress: 0,
    reason: '',
    createdAt: CREATED,
    startedAt: null,
    finishedAt: null,
    data: null,
    ...extra,
  },
});
/** MEF's error envelope: a code other than 00000000 and its text. */
export const envelopeError = (code: string, msg: string) => ({ status: code, msg, data: null });
