import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/testing/index.js';
import { raw } from '../http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ seed: 11 });
});
afterEach(() => sim.close());

const send = (body: unknown, apiKey = sim.guance.apiKey) =>
  raw(`${sim.guance.baseURL}/api/v1/logmine/send_task`, {
    method: 'POST',
    headers: { 'DF-API-KEY': apiKey },
    body: body as object,
  });
const query = (taskId: string, apiKey = sim.guance.apiKey) =>
  raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=${encodeURIComponent(taskId)}`, {
    headers: { 'DF-API-KEY': apiKey },
  });

describe('simulated Guance logmine', () => {
  it('send_task → running → ok: the scripted clusters in the standard envelope', async () => {
    const clusters = [{ count: 2, docids: ['L_1683535329738_a', 'L_1683535036487_b'], message: '{"level":"info"}' }];
    sim.guance.script({ durationMs: 60_000, clusters });
    const sent = await send({
      analysisField: 'message',
      timeRange: [1683534635416, 1683535535416],
      namespace: 'logging',
    });
    expect(sent.status).toBe(200);
    const taskId = sent.json().content.taskId as string;
    expect(taskId).toMatch(/^logminetask[0-9a-v]{20}$/);
    expect(sent.json()).toMatchObject({
      code: 200,
      errorCode: '',
      message: '',
      success: true,
      traceId: expect.stringMatching(/^\d+$/),
    });

    const running = await query(taskId);
    expect(running.json()).toMatchObject({
      code: 200,
      content: { taskStatus: 'running', data: [], docCount: 0 },
      success: true,
    });
    expect(sim.guance.task(taskId)).toMatchObject({ state: 'running', providerState: 'running' });

    sim.clock.advance(60_000);
    const done = await query(taskId);
    expect(done.json()).toEqual({
      code: 200,
      content: { data: clusters, docCount: 2, taskStatus: 'ok' },
      errorCode: '',
      message: '',
      success: true,
      traceId: expect.any(String),
    });
    expect(sim.guance.task(taskId)?.state).toBe('succeeded');
  });

  it('unscripted tasks get seeded clusters whose doc ids fit the time range', async () => {
    sim.guance.script({ durationMs: 0 });
    const taskId = (await send({ analysisField: 'message', timeRange: [1683534635416, 1683535535416] })).json().content
      .taskId;
    const { content } = (await query(taskId)).json();
    expect(content.taskStatus).toBe('ok');
    expect(content.data.length).toBeGreaterThan(0);
    expect(content.docCount).toBe(content.data.reduce((sum: number, c: { count: number }) => sum + c.count, 0));
    for (const cluster of content.data) {
      expect(cluster.docids).toHaveLength(cluster.count);
      for (const id of cluster.docids) expect(Number(id.split('_')[1])).toBeLessThanOrEqual(1683535535416);
    }
  });

  it('a failed task says taskStatus "failed" with the scripted message', async () => {
    const taskId = sim.guance.createTask({ durationMs: 1000, outcome: 'failed', message: 'DQL syntax error' });
    sim.clock.advance(1000);
    expect((await query(taskId)).json()).toMatchObject({
      content: { taskStatus: 'failed' },
      message: 'DQL syntax error',
      success: true,
    });
    expect(sim.guance.task(taskId)?.state).toBe('failed');
  });

  it('a script by task id changes a running task', async () => {
    const taskId = sim.guance.createTask({ durationMs: 3_600_000 });
    sim.guance.script(taskId, { durationMs: 0, outcome: 'failed' });
    expect((await query(taskId)).json().content.taskStatus).toBe('failed');
  });

  it('wrong or missing DF-API-KEY → 403 ft.InvalidAPIKey', async () => {
    for (const answer of [
      await query('x', 'wrong-key'),
      await raw(`${sim.guance.baseURL}/api/v1/logmine/query_task?taskId=x`),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.json()).toMatchObject({ code: 403, errorCode: 'ft.InvalidAPIKey', success: false });
    }
  });

  it('bad bodies and unknown tasks get the envelope with an error code', async () => {
    expect((await send({ namespace: 'logging' })).json()).toMatchObject({
      code: 400,
      errorCode: 'ft.ParamError',
      success: false,
    });
    expect((await send({ analysisField: 'message', namespace: 'nope' })).status).toBe(400);
    expect((await send({ analysisField: 'message', timeRange: [2, 1] })).status).toBe(400);
    const missing = await query('logminetaskdoesnotexist0000');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 404, errorCode: 'ft.TaskNotFound', success: false });
  });

  it('the 21st request in a minute on one key → HTTP 401 ft.TriggerApiAkCurrentLimiting, until the window moves', async () => {
    const taskId = sim.guance.createTask();
    const answers = [];
    for (let i = 0; i < 21; i += 1) answers.push(await query(taskId));
    expect(answers.slice(0, 20).every((a) => a.status === 200)).toBe(true);
    expect(answers[20]?.status).toBe(401);
    expect(answers[20]?.json()).toMatchObject({
      code: 401,
      errorCode: 'ft.TriggerApiAkCurrentLimiting',
      success: false,
    });

    sim.guance.setRateLimit({ limit: 2, intervalMs: 50 });
    expect((await query(taskId)).status).toBe(200);
    expect((await query(taskId)).status).toBe(200);
    expect((await query(taskId)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await query(taskId)).status).toBe(200);

    sim.guance.setRateLimit(false);
    for (let i = 0; i < 25; i += 1) expect((await query(taskId)).status).toBe(200);
  });

  it('rateLimits: false turns the default limit off', async () => {
    const open = await startSimulator({ seed: 1, rateLimits: false });
    try {
      const taskId = open.guance.createTask();
      for (let i = 0; i < 25; i += 1) {
        const answer = await raw(`${open.guance.baseURL}/api/v1/logmine/query_task?taskId=${taskId}`, {
          headers: { 'DF-API-KEY': open.guance.apiKey },
        });
        expect(answer.status).toBe(200);
      }
    } finally {
      await open.close();
    }
  });
});
