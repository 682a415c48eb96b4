import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { gatewayCanonicalRequest, gatewaySignature } from '../../../src/testing/dgc/signature.js';
import { raw } from '../http.js';

describe('simulated DataArts Factory system tasks', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ seed: 21 });
  });
  afterEach(() => sim.close());

  const url = (path: string) => `${sim.dgc.endpoint}/v1/${sim.dgc.projectId}${path}`;
  const withToken = (path: string, init: { method?: string; body?: object; token?: string } = {}) =>
    raw(url(path), {
      method: init.method ?? 'GET',
      headers: { 'X-Auth-Token': init.token ?? sim.dgc.token },
      ...(init.body ? { body: init.body } : {}),
    });

  /** A request signed SDK-HMAC-SHA256 the way the SDK does, over exactly the bytes sent. */
  const signed = (
    path: string,
    init: { method?: string; body?: object; dateMs?: number; secretKey?: string; tamper?: boolean } = {},
  ) => {
    const method = init.method ?? 'GET';
    const target = new URL(url(path));
    const bodyText = init.body === undefined ? '' : JSON.stringify(init.body);
    const sdkDate = `${new Date(init.dateMs ?? Date.now()).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
    const headers: Record<string, string> = { 'X-Sdk-Date': sdkDate, 'X-Project-Id': sim.dgc.projectId };
    if (bodyText !== '') headers['Content-Type'] = 'application/json';
    const rawHeaders = ['Host', target.host, ...Object.entries(headers).flat()];
    const names = ['host', ...Object.keys(headers).map((h) => h.toLowerCase())].sort();
    const canonical = gatewayCanonicalRequest(
      { method, rawPath: target.pathname, rawQuery: target.search.slice(1), rawHeaders, body: Buffer.from(bodyText) },
      names,
    );
    let signature = gatewaySignature(canonical, sdkDate, init.secretKey ?? sim.dgc.secretKey);
    if (init.tamper) signature = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    headers['Authorization'] =
      `SDK-HMAC-SHA256 Access=${sim.dgc.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    return raw(target.toString(), { method, headers, ...(bodyText ? { body: bodyText } : {}) });
  };

  it('jobs/import → RUNNING with sub-tasks appearing → SUCCESSFUL, as the docs show', async () => {
    sim.dgc.script({
      durationMs: 30_000,
      subtasks: ['Import job [job_batch].', 'Import job [job_stream].', 'Import job [job_x].'],
    });
    const created = await signed('/jobs/import', {
      method: 'POST',
      body: { path: 'obs://aaaaa/job_batch.zip', sameNamePolicy: 'OVERWRITE' },
    });
    expect(created.status).toBe(200);
    const { taskId } = created.json();
    expect(taskId).toMatch(/^[0-9a-f]{32}$/);

    const first = (await signed(`/system-tasks/${taskId}`)).json();
    expect(first).toMatchObject({
      id: taskId,
      name: 'Import jobs from path [obs://aaaaa/job_batch.zip].',
      projectId: sim.dgc.projectId,
      status: 'RUNNING',
    });
    expect(first.endTime).toBeUndefined();
    expect(first.subtasks).toEqual([
      {
        id: expect.any(String),
        name: 'Import job [job_batch].',
        lastUpdate: first.startTime,
        status: 'RUNNING',
        taskId,
      },
    ]);

    sim.clock.advance(15_000);
    const middle = (await withToken(`/system-tasks/${taskId}`)).json();
    expect(middle.subtasks.map((s: { status: string }) => s.status)).toEqual(['SUCCESSFUL', 'RUNNING']);
    expect(middle.lastUpdate).toBe(middle.startTime + 10_000);

    sim.clock.advance(15_000);
    const done = (await withToken(`/system-tasks/${taskId}`)).json();
    expect(done).toMatchObject({
      status: 'SUCCESSFUL',
      endTime: done.startTime + 30_000,
      lastUpdate: done.startTime + 30_000,
    });
    expect(done.subtasks.map((s: { status: string }) => s.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL', 'SUCCESSFUL']);
    expect(done.message).toBeUndefined();
    expect(sim.dgc.task(taskId)?.state).toBe('succeeded');
  });

  it('FAILED carries a message; WARNING (partial) marks the failed sub-tasks', async () => {
    const failed = sim.dgc.createTask({ durationMs: 10, outcome: 'failed', subtasks: [] });
    const partial = sim.dgc.createTask({
      durationMs: 10,
      outcome: 'partial',
      subtasks: ['a', 'b', 'c'],
      failedSubtasks: [1],
    });
    sim.clock.advance(10);
    expect((await withToken(`/system-tasks/${failed}`)).json()).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/OBS/),
      subtasks: [],
    });
    const warning = (await withToken(`/system-tasks/${partial}`)).json();
    expect(warning.status).toBe('WARNING');
    expect(warning.subtasks.map((s: { status: string }) => s.status)).toEqual(['SUCCESSFUL', 'FAILED', 'SUCCESSFUL']);
    expect(sim.dgc.task(partial)?.state).toBe('partial');
  });

  it('connections/import creates a task too, and bad bodies get DLF codes', async () => {
    const created = await withToken('/connections/import', {
      method: 'POST',
      body: { path: 'obs://bucket/conns.zip', params: [] },
    });
    expect(created.json().taskId).toMatch(/^[0-9a-f]{32}$/);
    const noPath = await withToken('/jobs/import', { method: 'POST', body: {} });
    expect(noPath.status).toBe(400);
    expect(noPath.json()).toEqual({ error_code: 'DLF.0802', error_msg: expect.any(String) });
    expect((await withToken('/jobs/import', { method: 'POST', body: { path: 'http://x/y' } })).json().error_code).toBe(
      'DLF.0803',
    );
    expect(
      (await withToken('/jobs/import', { method: 'POST', body: { path: 'obs://b/j.zip', sameNamePolicy: 'MERGE' } }))
        .status,
    ).toBe(400);
  });

  it('an unknown task → HTTP 400 DLF.0810 (or DLF.20810 when configured)', async () => {
    const missing = await withToken('/system-tasks/008aae2e675d3bcb01675d3c66f20000');
    expect(missing.status).toBe(400);
    expect(missing.json()).toEqual({ error_code: 'DLF.0810', error_msg: 'The queried task does not exist' });
    const otc = await startSimulator({ seed: 1, dgc: { notFoundCode: 'DLF.20810' } });
    try {
      const answer = await raw(`${otc.dgc.endpoint}/v1/${otc.dgc.projectId}/system-tasks/abc`, {
        headers: { 'X-Auth-Token': otc.dgc.token },
      });
      expect(answer.json()).toEqual({ error_code: 'DLF.20810', error_msg: 'Task[abc] does not exist' });
    } finally {
      await otc.close();
    }
  });

  it('the SDK wire variant: subTasks and epoch strings', async () => {
    const variant = await startSimulator({ seed: 1, dgc: { subtasksField: 'subTasks', epochFormat: 'string' } });
    try {
      const id = variant.dgc.createTask({ durationMs: 0, subtasks: ['x'] });
      const body = (
        await raw(`${variant.dgc.endpoint}/v1/${variant.dgc.projectId}/system-tasks/${id}`, {
          headers: { 'X-Auth-Token': variant.dgc.token },
        })
      ).json();
      expect(body.subtasks).toBeUndefined();
      expect(body.subTasks).toHaveLength(1);
      expect(typeof body.startTime).toBe('string');
      expect(body.startTime).toMatch(/^\d{13}$/);
    } finally {
      await variant.close();
    }
  });

  it('token refused → 401 APIG.0301; no credentials → APIG.0301; the wrong project → DLF.6888', async () => {
    const wrong = await withToken('/system-tasks/x', { token: 'MIIwrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error_code: 'APIG.0301', request_id: expect.any(String) });
    expect((await raw(url('/system-tasks/x'))).json().error_code).toBe('APIG.0301');
    const project = await raw(`${sim.dgc.endpoint}/v1/${'f'.repeat(32)}/system-tasks/x`, {
      headers: { 'X-Auth-Token': sim.dgc.token },
    });
    expect(project.json().error_code).toBe('DLF.6888');
  });

  it('a bad signature, a wrong SK or a stale X-Sdk-Date → 401 APIG.0303', async () => {
    for (const answer of [
      await signed('/system-tasks/x', { tamper: true }),
      await signed('/system-tasks/x', { secretKey: 'not-the-secret' }),
      await signed('/system-tasks/x', { dateMs: Date.now() - 16 * 60_000 }),
      await signed('/system-tasks/x', { dateMs: Date.now() + 16 * 60_000 }),
    ]) {
      expect(answer.status).toBe(401);
      expect(answer.json().error_code).toBe('APIG.0303');
    }
    expect((await signed('/system-tasks/x', { dateMs: Date.now() - 14 * 60_000 })).json().error_code).toBe('DLF.0810');
    const unsignedHost = await raw(url('/system-tasks/x'), {
      headers: {
        'X-Sdk-Date': '20990101T000000Z',
        Authorization: `SDK-HMAC-SHA256 Access=${sim.dgc.accessKey}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`,
      },
    });
    expect(unsignedHost.json()).toMatchObject({
      error_code: 'APIG.0303',
      error_msg: expect.stringMatching(/host and x-sdk-date/),
    });
  });

  it('more than 5 consecutive AK/SK failures lock the AK for 5 minutes (APIG.0301)', async () => {
    for (let i = 0; i < 6; i += 1)
      expect((await signed('/system-tasks/x', { tamper: true })).json().error_code).toBe('APIG.0303');
    const locked = await signed('/system-tasks/x');
    expect(locked.json()).toMatchObject({ error_code: 'APIG.0301', error_msg: expect.stringMatching(/locked/) });
    sim.reset();
    expect((await signed('/system-tasks/x')).json().error_code).toBe('DLF.0810');
  });

  it('a configured limit → HTTP 429 APIG.0308', async () => {
    sim.dgc.setRateLimit({ limit: 2, intervalMs: 60_000 });
    await withToken('/system-tasks/x');
    await withToken('/system-tasks/x');
    const throttled = await withToken('/system-tasks/x');
    expect(throttled.status).toBe(429);
    expect(throttled.json().error_code).toBe('APIG.0308');
  });

  it('the documented typo path (systemTasks) is not an API: APIG.0101', async () => {
    const typo = await withToken('/systemTasks/x');
    expect(typo.status).toBe(404);
    expect(typo.json().error_code).toBe('APIG.0101');
  });
});
