import { describe, expect, it } from 'vitest';
import type { TaskState } from '../../../src/index.js';
import { guanceTaskState } from '../../../src/providers/guance/index.js';
import { QUERY, SEED_RESPONSE, TASK_ID, api, make, statusBody, useGuanceNock } from './harness.js';

useGuanceNock();

describe('guanceTaskState: each taskStatus word, alone and through query_task', () => {
  const table: [word: string, state: TaskState][] = [
    ['ok', 'succeeded'],
    ['OK', 'succeeded'],
    ['queued', 'queued'],
    ['queueing', 'queued'],
    ['queuing', 'queued'],
    ['waiting', 'queued'],
    ['running', 'running'],
    ['Running', 'running'],
    ['pending', 'running'],
    ['processing', 'running'],
    ['in_progress', 'running'],
    ['in-progress', 'running'],
    ['In Progress', 'running'],
    ['started', 'running'],
    ['executing', 'running'],
    ['failed', 'failed'],
    ['FAILED', 'failed'],
    ['fail', 'failed'],
    ['failure', 'failed'],
    ['error', 'failed'],
    ['errored', 'failed'],
    ['timeout', 'failed'],
    ['timed_out', 'failed'],
    ['', 'unknown'],
    ['success', 'unknown'],
    ['done', 'unknown'],
    ['finished', 'unknown'],
    ['cancelled', 'unknown'],
    ['rebalancing', 'unknown'],
    ['okay', 'unknown'],
    ['0', 'unknown'],
  ];
  it.each(table)('%j → %s', (word, state) => {
    expect(guanceTaskState(word)).toBe(state);
  });

  it.each(table)('query_task taskStatus %j → state %s, providerState verbatim', async (word, state) => {
    const body =
      word.toLowerCase() === 'ok'
        ? { ...JSON.parse(SEED_RESPONSE), content: { ...JSON.parse(SEED_RESPONSE).content, taskStatus: word } }
        : statusBody(word);
    api().get(QUERY).query(true).reply(200, body);
    const status = await make().getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(status.state).toBe(state);
    expect(status.providerState).toBe(word);
    expect(status.terminal).toBe(state === 'succeeded' || state === 'failed');
    expect('result' in status).toBe(state === 'succeeded');
  });
});
