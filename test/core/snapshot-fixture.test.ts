import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { TaskTimeoutError, waitForTask, type WaitSnapshot } from '../../src/index.js';
import { API_KEY, QUERY, api, make, statusBody, useGuanceNock } from '../providers/guance/harness.js';

/**
 * A snapshot written by an earlier version, stored as users store theirs (see
 * test/fixtures/snapshots/README.md), keeps loading: it is resumed through the public options only,
 * with no special case for old snapshots.
 */

useGuanceNock();

const stored = readFileSync(new URL('../fixtures/snapshots/wait-snapshot-v1.json', import.meta.url), 'utf8');
const load = (): WaitSnapshot => JSON.parse(stored) as WaitSnapshot;

describe('wait-snapshot-v1.json', () => {
  it('holds no credential', () => {
    expect(stored).not.toContain(API_KEY);
  });

  it('resumes with a new deadline: polls counted on from it, its start kept', async () => {
    const snapshot = load();
    const scope = api().get(QUERY).query(true).reply(200, statusBody('ok'));
    const deadline = Date.now() + 60_000;
    const seen: WaitSnapshot[] = [];
    const done = await waitForTask(make(), snapshot.ref as string, {
      resumeFrom: snapshot,
      deadline,
      onProgress: (_status, info) => void seen.push(info.snapshot),
    });
    expect(done.state).toBe('succeeded');
    expect(scope.isDone()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      version: 1,
      provider: snapshot.provider,
      taskId: snapshot.taskId,
      startedAt: snapshot.startedAt,
      deadline,
      attempts: snapshot.attempts + 1,
      last: { state: 'succeeded', providerState: 'ok' },
    });
  });

  it('resumed as it is, long after its deadline: TaskTimeoutError at once with that deadline, no request', async () => {
    const snapshot = load();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((snapshot.deadline as number) + 3_600_000);
    const scope = api().get(QUERY).query(true).reply(200, statusBody('ok'));
    const error = await waitForTask(make(), snapshot.ref as string, { resumeFrom: snapshot }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ deadline: snapshot.deadline, attempts: snapshot.attempts, timeoutMs: 600_000 });
    expect(scope.isDone()).toBe(false);
  });
});
