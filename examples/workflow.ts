/**
 * NebulaGraph Explorer workflows: run a workflow (a job), wait for one of its tasks, and read that
 * task's result rows, typed by a row schema (any Standard Schema: zod, valibot, arktype, …; zod
 * here): PageRank's (vid, rank) as [string, number].
 *
 * Runs against the local simulator unless WORKFLOW_BASE_URL is set:
 *   WORKFLOW_BASE_URL        Explorer's address, e.g. http://explorer:7002
 *   WORKFLOW_TOKEN           a session token (the explorer_token cookie), or an account to log in with:
 *   WORKFLOW_USERNAME, WORKFLOW_PASSWORD, WORKFLOW_GRAPH_ADDRESS, WORKFLOW_GRAPH_PORT
 *                            (the adapter logs in again by itself when the session ends)
 *   WORKFLOW_LOGIN_ENCODING  colon for Explorer 3.2.1 and earlier (default: json-array)
 *   WORKFLOW_ID              the workflow to run
 *   WORKFLOW_TASK            the name of the task to wait for (default: the job's last task); its
 *                            result rows must be (vid, rank) pairs, or change `rowSchema` below
 * The password and tokens are never printed.
 *
 *   npx tsx examples/workflow.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { waitForTask } from 'taskpoll';
import { startSimulator } from 'taskpoll/testing';
import { workflowTasks, type WorkflowLoginEncoding } from 'taskpoll/workflow';
import { z } from 'zod';

/** One result row of PageRank: the vertex id, and its rank (sent as a string; coerced to a number). */
const rowSchema = z.tuple([z.string(), z.coerce.number()]);

/** The real Explorer when WORKFLOW_BASE_URL is set, else a simulated one (60× faster than real time). */
async function connect(env: Record<string, string | undefined>) {
  const { WORKFLOW_BASE_URL: baseURL, WORKFLOW_TOKEN: token, WORKFLOW_ID: workflowId, WORKFLOW_TASK: taskName } = env;
  if (baseURL) {
    if (!workflowId) throw new Error('Set WORKFLOW_ID to the id of the workflow to run');
    const {
      WORKFLOW_USERNAME: username = '',
      WORKFLOW_PASSWORD: password = '',
      WORKFLOW_GRAPH_ADDRESS: graphAddress = '',
    } = env;
    const encoding = (env.WORKFLOW_LOGIN_ENCODING ?? 'json-array') as WorkflowLoginEncoding;
    const credentials = {
      username,
      password,
      graphAddress,
      graphPort: Number(env.WORKFLOW_GRAPH_PORT ?? 9669),
      encoding,
    };
    const workflow = workflowTasks({ baseURL, rowSchema, ...(token ? { token } : { credentials }) });
    return { workflow, workflowId, taskName };
  }
  const sim = await startSimulator({ timeScale: 60 });
  // The next job waits 20 s, then runs its three tasks one after the other over 3 simulated minutes.
  sim.workflow.script({ queuedMs: 20_000, durationMs: 180_000, tasks: ['Query', 'BFS', 'PageRank'] });
  const workflow = workflowTasks({ baseURL: sim.workflow.baseURL, credentials: sim.workflow.credentials, rowSchema });
  return { sim, workflow, workflowId: '4216617528', taskName: 'PageRank' };
}

export async function main(env: Record<string, string | undefined> = process.env) {
  const { sim, workflow, workflowId, taskName } = await connect(env);
  try {
    const jobId = await workflow.runJob(workflowId);
    // A new job may list its tasks only once it is set up: ask again for a little while.
    let job = await workflow.getJob(jobId);
    for (let tries = 0; job.tasks.length === 0 && tries < 10; tries += 1) {
      await sleep(1000);
      job = await workflow.getJob(jobId);
    }
    const task = taskName ? job.tasks.find((t) => t.name === taskName) : job.tasks.at(-1);
    if (!task)
      throw new Error(
        `Job ${jobId} has no task ${taskName ?? ''} (it has: ${job.tasks.map((t) => t.name).join(', ')})`,
      );
    console.log(
      `job ${jobId} of workflow ${workflowId} on ${sim ? 'the simulator' : 'Explorer'}: waiting for ${task.name}`,
    );

    const done = await waitForTask(
      workflow,
      { jobId, taskId: task.id },
      {
        timeoutMs: 60 * 60_000,
        initialDelayMs: sim ? 250 : 2000, // the simulator runs 60× faster: poll it faster too
        cancelOnAbort: true, // on timeout, cancel the job too
        onProgress: (status) => {
          const steps = (status.subtasks ?? []).map((s) => `${s.name}:${s.state}`).join('  ');
          console.log(`  ${status.state.padEnd(9)} ${steps}`);
        },
      },
    );

    const rows = done.result.rows; // [string, number][]
    const top = [...rows].sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`${rows.length} rows; highest ranks:`);
    for (const [vid, rank] of top) console.log(`  ${vid.padEnd(12)} ${rank.toFixed(6)}`);
    return { source: sim ? 'simulator' : 'explorer', jobId, task: task.name, rows };
  } finally {
    workflow.close();
    await sim?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
