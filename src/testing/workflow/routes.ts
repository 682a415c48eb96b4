/**
 * Explorer's open API routes: `connect`, create a job of a workflow, read it, cancel it, and a task's
 * `sample_result`. Answers are `{code, message, data}`; errors carry Explorer's 8-digit codes, whose
 * first three digits are the HTTP status unless `errorHttpStatus: 200` is chosen.
 */
import { isRecord, parseJsonBody } from '../book.js';
import { json, type ProviderModule, type SimRequest, type SimResponse } from '../server/route.js';
import { addJob, jobAt, jobDetail, pageRankRows, type JobsState, type WorkflowJob } from './jobs.js';
import { bearerCredentials, type Sessions } from './session.js';
import type { WorkflowCredentials } from './types.js';

/** What the Explorer routes read and change. */
export interface WorkflowState extends JobsState {
  readonly credentials: WorkflowCredentials;
  /** How long a token lives, in simulated ms (also the cookie's `Max-Age`). */
  readonly tokenTtlMs: number;
  /** The HTTP status of error answers: the code's category, or always 200. */
  readonly errorStatus: 'category' | 200;
  /** The UTC offset of task times, in minutes. */
  readonly utcOffsetMinutes: number;
  readonly sessions: Sessions;
}

/** Explorer's error codes and names (vesoft's `ErrXxx`, the HTTP category in the first three digits). */
const ERR = {
  badRequest: [40004000, 'ErrBadRequest'],
  param: [40004001, 'ErrParam'],
  unauthorized: [40104000, 'ErrUnauthorized'],
  session: [40104001, 'ErrSession'],
  notFound: [40404000, 'ErrNotFound'],
} as const;

type ExplorerError = (typeof ERR)[keyof typeof ERR];

/** The Explorer provider module: its routes and its not-found answer. */
export function workflowModule(state: WorkflowState): ProviderModule {
  return {
    name: 'workflow',
    prefix: /^\/api-open\//,
    notFound: () => fail(state, ERR.notFound, 'route not found'),
    routes: [
      {
        id: 'workflow.connect',
        provider: 'workflow',
        method: 'POST',
        pattern: /^\/api-open\/v1\/connect\/?$/,
        handle: (request) => connect(state, request),
      },
      {
        id: 'workflow.createJob',
        provider: 'workflow',
        method: 'POST',
        pattern: /^\/api-open\/v1\/workflows\/(?<workflow>[^/]+)\/jobs\/?$/,
        handle: (request) => createJob(state, request),
      },
      {
        id: 'workflow.getJob',
        provider: 'workflow',
        method: 'GET',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/?$/,
        handle: (request) => getJob(state, request),
        replaceStatus: replaceJobStatus,
      },
      {
        id: 'workflow.cancelJob',
        provider: 'workflow',
        method: 'PUT',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/cancel\/?$/,
        handle: (request) => cancelJob(state, request),
      },
      {
        id: 'workflow.sampleResult',
        provider: 'workflow',
        method: 'GET',
        pattern: /^\/api-open\/v1\/jobs\/(?<job>[^/]+)\/tasks\/(?<task>[^/]+)\/sample_result\/?$/,
        handle: (request) => sampleResult(state, request),
      },
    ],
  };
}

/** `POST connect`: Base64 credentials in `Authorization`, the graphd address in the body; a token cookie out. */
function connect(state: WorkflowState, request: SimRequest): SimResponse {
  const { credentials } = state;
  const pair = bearerCredentials(request.headers.authorization);
  if (pair === undefined) return fail(state, ERR.unauthorized, 'Authorization must be Bearer base64 credentials');
  if (pair[0] !== credentials.username || pair[1] !== credentials.password)
    return fail(state, ERR.unauthorized, 'Bad username/password');
  const parsed = parseJsonBody(request.body);
  const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
  if (body['address'] !== credentials.graphAddress || Number(body['port']) !== credentials.graphPort) {
    return fail(state, ERR.session, 'connect to graphd failed');
  }
  const token = state.sessions.issue();
  return ok(
    { success: true },
    { 'Set-Cookie': `explorer_token=${token}; Path=/; Max-Age=${Math.round(state.tokenTtlMs / 1000)}; HttpOnly` },
  );
}

/** `POST workflows/{id}/jobs`: an optional `{ input }` object; the new job's id out. */
function createJob(state: WorkflowState, request: SimRequest): SimResponse {
  const refused = authorized(state, request);
  if (refused) return refused;
  if (request.body.length > 0) {
    const parsed = parseJsonBody(request.body);
    if (!parsed.ok || !isRecord(parsed.value)) return fail(state, ERR.param, 'the body must be a JSON object');
    const input = parsed.value['input'];
    if (input !== undefined && !isRecord(input)) return fail(state, ERR.param, 'input must be an object');
  }
  return ok({ id: addJob(state, request.params['workflow'] ?? '', state.book.next()) });
}

/** `GET jobs/{id}`: the job detail now. */
function getJob(state: WorkflowState, request: SimRequest): SimResponse {
  const refused = authorized(state, request);
  if (refused) return refused;
  const job = jobOf(state, request);
  if ('status' in job) return job;
  return ok(jobDetail(job, state.clock.now(), state.utcOffsetMinutes));
}

/** The `'unknown-status'` fault on the job detail: the job's and every task's status replaced. */
function replaceJobStatus(body: unknown, word: string | number | undefined): unknown {
  if (!isRecord(body) || !isRecord(body['data'])) return body;
  const status = word ?? 9;
  const data = body['data'];
  const tasks = Array.isArray(data['tasks'])
    ? data['tasks'].map((t: unknown) => (isRecord(t) ? { ...t, status } : t))
    : data['tasks'];
  return { ...body, data: { ...data, status, tasks } };
}

/** `PUT jobs/{id}/cancel`: `success: false` for a job already over; a running job starts stopping. */
function cancelJob(state: WorkflowState, request: SimRequest): SimResponse {
  const refused = authorized(state, request);
  if (refused) return refused;
  const job = jobOf(state, request);
  if ('status' in job) return job;
  const now = state.clock.now();
  const status = jobAt(job, now).status;
  if (status === 2 || status === 3 || status === 4) return ok({ success: false }); // already over
  if (status !== 5) job.cancelAt = now; // a job already stopping keeps its course
  return ok({ success: true });
}

/** `GET jobs/{id}/tasks/{task}/sample_result?limit=`: the first rows of a task that succeeded. */
function sampleResult(state: WorkflowState, request: SimRequest): SimResponse {
  const refused = authorized(state, request);
  if (refused) return refused;
  const job = jobOf(state, request);
  if ('status' in job) return job;
  const index = job.tasks.findIndex((t) => t.id === request.params['task']);
  if (index < 0) return fail(state, ERR.notFound, 'task not found');
  const rawLimit = request.query.get('limit');
  const limit = rawLimit === null ? 10 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) return fail(state, ERR.param, 'limit must be a positive integer');
  if (jobAt(job, state.clock.now()).tasks[index]?.status !== 2)
    return fail(state, ERR.badRequest, 'the task has no result yet');
  const task = job.tasks[index] as WorkflowJob['tasks'][number];
  // Made up on the first read, then kept, so every later read returns the same rows.
  task.rows ??= pageRankRows(state.random);
  return ok({ items: task.rows.slice(0, limit) });
}

/** The session check every route but `connect` goes through. */
function authorized(state: WorkflowState, request: SimRequest): SimResponse | undefined {
  const refusal = state.sessions.refusal(request);
  return refusal === undefined ? undefined : fail(state, ERR.unauthorized, refusal);
}

/** The job a route's `{job}` names, or the error answer for a malformed or unknown id. */
function jobOf(state: WorkflowState, request: SimRequest): WorkflowJob | SimResponse {
  const raw = request.params['job'] ?? '';
  if (!/^\d{1,15}$/.test(raw)) return fail(state, ERR.param, 'job id must be a number');
  return state.book.get(String(Number(raw))) ?? fail(state, ERR.notFound, 'job not found');
}

/** Explorer's success envelope. */
function ok(data: unknown, headers?: Record<string, string | string[]>): SimResponse {
  return json(200, { code: 0, message: 'Success', data }, headers);
}

/** Explorer's error envelope: `Name::detail`, HTTP status by the code's category (or 200). */
function fail(state: WorkflowState, [code, name]: ExplorerError, detail: string): SimResponse {
  return json(state.errorStatus === 200 ? 200 : Math.floor(code / 100_000), { code, message: `${name}::${detail}` });
}
