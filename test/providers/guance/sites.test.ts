import { describe, expect, it } from 'vitest';
import { GUANCE_SITES } from '../../../src/providers/guance/index.js';
import { JSON_TYPE, QUERY, RUNNING, TASK_ID, api, make, useGuanceNock } from './harness.js';

useGuanceNock();

describe('sites and base URLs', () => {
  it.each(Object.entries(GUANCE_SITES))('site %s → %s', async (site, url) => {
    const scope = api(url).get(QUERY).query({ taskId: TASK_ID }).reply(200, RUNNING, JSON_TYPE);
    await make({ site: site as keyof typeof GUANCE_SITES }).getStatus(TASK_ID, {
      signal: new AbortController().signal,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('no site: cn1 (https://openapi.guance.com)', async () => {
    const scope = api().get(QUERY).query(true).reply(200, RUNNING, JSON_TYPE);
    await make().getStatus(TASK_ID, { signal: new AbortController().signal });
    expect(scope.isDone()).toBe(true);
  });

  it('a private deployment baseURL keeps its path prefix; the task id is query-encoded', async () => {
    const scope = api('https://guance.corp.example')
      .get(`/openapi${QUERY}`)
      .query({ taskId: 'a&b=c d' })
      .reply(200, RUNNING, JSON_TYPE);
    await make({ baseURL: 'https://guance.corp.example/openapi/' }).getStatus('a&b=c d', {
      signal: new AbortController().signal,
    });
    expect(scope.isDone()).toBe(true);
  });
});
