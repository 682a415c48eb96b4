/**
 * NebulaGraph Explorer workflow API (https://github.com/vesoft-inc/nebula-docs, `workflow-api/`):
 * `connect` (both Base64 forms of the credentials, `Set-Cookie: explorer_token`), create a job of a
 * workflow, read it (job status and its tasks' statuses 0–5, job times in epoch ms, task times in
 * ISO 8601 with an offset), cancel it (5 Stopping, then 4 Interrupted), and a task's `sample_result`.
 * Errors are `{code, message}` with Explorer's 8-digit codes; the HTTP status is the code's category
 * (401 for 40104000) unless `errorHttpStatus: 200` is chosen, since the docs do not say.
 */
import { TaskBook } from '../book.js';
import { checkInt, checkMs, checkObject, checkOneOf, checkString, checkToken, describe } from '../check.js';
import type { InternalClock } from '../clock.js';
import { checkScriptBase, patchLifecycle, resolveDefaults, SCRIPT_BASE_KEYS } from '../lifecycle.js';
import type { Random } from '../random.js';
import type { ProviderModule } from '../server/route.js';
import { addJob, jobView, tasksOf, type WorkflowJob } from './jobs.js';
import { workflowModule, type WorkflowState } from './routes.js';
import { Sessions } from './session.js';
import type {
  WorkflowCredentials,
  WorkflowJobScript,
  WorkflowOutcome,
  WorkflowSimulator,
  WorkflowSimulatorOptions,
  WorkflowTaskSpec,
} from './types.js';

const OUTCOMES: readonly WorkflowOutcome[] = ['succeeded', 'failed', 'cancelled'];
const SCRIPT_KEYS = [...SCRIPT_BASE_KEYS, 'tasks', 'failedTask', 'stoppingMs'];
const OPTION_KEYS = [
  'username',
  'password',
  'graphAddress',
  'graphPort',
  'tokenTtlMs',
  'defaults',
  'errorHttpStatus',
  'utcOffsetMinutes',
];

/** The pieces `startSimulator` wires up. */
export interface WorkflowParts {
  module: ProviderModule;
  reset(): void;
  handle(baseURL: string): WorkflowSimulator;
}

/** Builds the Explorer provider. */
export function createWorkflow(options: unknown, clock: InternalClock, random: Random): WorkflowParts {
  const state = workflowState(options, clock, random);
  return {
    module: workflowModule(state),
    reset() {
      state.book.reset();
      state.sessions.reset();
    },
    handle: (baseURL) => ({
      baseURL,
      token: state.sessions.initial,
      credentials: state.credentials,
      ...state.book.scriptable((job) => jobView(job, clock.now())),
      issueToken: () => state.sessions.issue(),
      expireTokens: () => state.sessions.expireAll(),
      createJob: (workflowId = 'simulated-workflow', script) => {
        if (typeof workflowId !== 'string' || workflowId === '')
          throw new TypeError(`workflow.createJob: workflowId must be a non-empty string, got ${describe(workflowId)}`);
        return addJob(state, workflowId, checkScript('workflow.createJob', script ?? {}));
      },
    }),
  };
}

/** The options checked; the first job id, then the initial token, drawn from `random` (a seed gives the same ones). */
function workflowState(options: unknown, clock: InternalClock, random: Random): WorkflowState {
  const given = checkObject<WorkflowSimulatorOptions>('workflow', options, OPTION_KEYS);
  const credentials: WorkflowCredentials = Object.freeze({
    username: checkString('workflow.username', given.username, 'root'),
    password: checkString('workflow.password', given.password, 'nebula'),
    graphAddress: checkToken('workflow.graphAddress', given.graphAddress, '127.0.0.1'),
    graphPort: checkInt('workflow.graphPort', given.graphPort, 9669, 1, 65_535),
  });
  const tokenTtlMs = checkMs('workflow.tokenTtlMs', given.tokenTtlMs, 259_200_000, 1);
  const defaults = resolveDefaults('workflow.defaults', given.defaults, OUTCOMES, {
    queuedMs: [1000, 3000],
    durationMs: [10_000, 60_000],
  });
  const errorStatus = checkOneOf(
    'workflow.errorHttpStatus',
    given.errorHttpStatus,
    ['category', 200] as const,
    'category',
  );
  const utcOffsetMinutes = checkInt('workflow.utcOffsetMinutes', given.utcOffsetMinutes, 480, -720, 840);
  if (credentials.username === '' || credentials.password === '')
    throw new TypeError('workflow.username and workflow.password must not be empty');
  const nextJobId = random.int(100, 999);
  return {
    credentials,
    tokenTtlMs,
    defaults,
    errorStatus,
    utcOffsetMinutes,
    clock,
    random,
    nextJobId,
    sessions: new Sessions(credentials.username, tokenTtlMs, clock, random),
    book: new TaskBook<WorkflowJobScript, WorkflowJob>('workflow', checkScript, (job, script) => {
      patchLifecycle(job.life, script);
      if (script.tasks !== undefined) job.tasks = tasksOf(script.tasks, random);
      if (script.failedTask !== undefined) job.failedTask = script.failedTask;
      if (script.stoppingMs !== undefined) job.stoppingMs = script.stoppingMs;
    }),
  };
}

function checkScript(name: string, value: unknown): WorkflowJobScript {
  const script = checkObject<WorkflowJobScript>(name, value, SCRIPT_KEYS) as WorkflowJobScript;
  checkScriptBase(name, script, OUTCOMES);
  checkMs(`${name}.stoppingMs`, script.stoppingMs, 0);
  if (script.tasks !== undefined) {
    if (!Array.isArray(script.tasks) || script.tasks.length === 0)
      throw new TypeError(`${name}.tasks must be a non-empty array, got ${describe(script.tasks)}`);
    script.tasks.forEach((task, i) => {
      if (typeof task === 'string') {
        if (task === '') throw new TypeError(`${name}.tasks[${i}] must not be empty`);
        return;
      }
      const spec = checkObject<WorkflowTaskSpec>(`${name}.tasks[${i}]`, task, ['name', 'rows']);
      if (typeof spec.name !== 'string' || spec.name === '')
        throw new TypeError(`${name}.tasks[${i}].name must be a non-empty string`);
      if (
        spec.rows !== undefined &&
        !(
          Array.isArray(spec.rows) &&
          spec.rows.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'string'))
        )
      ) {
        throw new TypeError(`${name}.tasks[${i}].rows must be an array of string arrays`);
      }
    });
  }
  if (script.failedTask !== undefined) checkInt(`${name}.failedTask`, script.failedTask, 0, 0, 10_000);
  return { ...script };
}
