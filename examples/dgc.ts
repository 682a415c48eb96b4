/**
 * Huawei Cloud DataArts Studio (DGC): import jobs from an OBS file, wait for the import's system
 * task, and list what happened to each job (its subtasks).
 *
 * Runs against the local simulator unless DGC_PROJECT_ID is set:
 *   DGC_REGION           the region, e.g. cn-north-4, or
 *   DGC_ENDPOINT         the endpoint's base URL instead (another cloud, a proxy)
 *   DGC_PROJECT_ID       the project id (32 hex digits)
 *   DGC_TOKEN            an IAM token (X-Auth-Token), or
 *   DGC_AK, DGC_SK       an access key pair: requests are signed with SDK-HMAC-SHA256
 *   DGC_SECURITY_TOKEN   with temporary AK/SK credentials, their security token
 *   DGC_WORKSPACE        the DataArts Studio workspace id (default: the default workspace)
 *   DGC_IMPORT_PATH      the OBS path of the job file, e.g. obs://bucket/jobs.zip
 * Secrets (token, SK, security token) are never printed.
 *
 *   npx tsx examples/dgc.ts
 */
import { pathToFileURL } from 'node:url';
import { waitForTask } from 'taskpoll';
import { dgcSystemTasks, type DgcAuth } from 'taskpoll/dgc';
import { startSimulator } from 'taskpoll/testing';

/** The real DataArts Studio when DGC_PROJECT_ID is set, else a simulated one (60× faster than real time). */
async function connect(env: Record<string, string | undefined>) {
  const { DGC_PROJECT_ID: projectId, DGC_REGION: region, DGC_ENDPOINT: endpoint, DGC_WORKSPACE: workspace } = env;
  if (projectId) {
    const {
      DGC_TOKEN: token,
      DGC_AK: accessKey,
      DGC_SK: secretKey,
      DGC_SECURITY_TOKEN: securityToken,
      DGC_IMPORT_PATH: path,
    } = env;
    if (!path) throw new Error('Set DGC_IMPORT_PATH to the OBS path of the job file, e.g. obs://bucket/jobs.zip');
    const auth: DgcAuth | undefined = token
      ? { token }
      : accessKey && secretKey
        ? { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) }
        : undefined;
    if (!auth) throw new Error('Set DGC_TOKEN, or DGC_AK and DGC_SK');
    const dgc = dgcSystemTasks({
      projectId,
      auth,
      ...(endpoint ? { endpoint } : region ? { region } : {}),
      ...(workspace ? { workspace } : {}),
    });
    return { dgc, path };
  }
  const sim = await startSimulator({ timeScale: 60 });
  // The next import runs for 2 simulated minutes and imports three jobs.
  sim.dgc.script({
    durationMs: 120_000,
    subtasks: ['Import job [orders_daily].', 'Import job [orders_hourly].', 'Import job [clean_up].'],
  });
  const auth = { accessKey: sim.dgc.accessKey, secretKey: sim.dgc.secretKey }; // the simulator checks the signatures
  return {
    sim,
    // sim.dgc.pacing: the simulated gateway throttles nothing, so no pacing (the default is for real time).
    dgc: dgcSystemTasks({ endpoint: sim.dgc.endpoint, projectId: sim.dgc.projectId, auth, pacing: sim.dgc.pacing }),
    path: 'obs://demo-bucket/jobs.zip',
  };
}

export async function main(env: Record<string, string | undefined> = process.env) {
  const { sim, dgc, path } = await connect(env);
  try {
    const taskId = await dgc.importJobs({ path, sameNamePolicy: 'SKIP' });
    console.log(`import of ${path}: system task ${taskId} on ${sim ? 'the simulator' : 'DataArts Studio'}`);

    const done = await waitForTask(dgc, taskId, {
      timeoutMs: 30 * 60_000,
      initialDelayMs: sim ? 250 : 2000, // the simulator runs 60× faster: poll it faster too
      acceptPartial: true, // WARNING: some jobs were not imported; their subtasks say which
      onProgress: (status) => {
        const imported = status.subtasks?.filter((s) => s.state === 'succeeded').length ?? 0;
        console.log(`  ${status.providerState.padEnd(10)} jobs imported: ${imported}`);
      },
    });

    const result = done.result ?? { name: '', subtasks: done.subtasks ?? [] };
    console.log(`${result.name} ${done.providerState}`);
    for (const subtask of result.subtasks) {
      console.log(`  ${subtask.state.padEnd(9)} ${subtask.name}${subtask.message ? `: ${subtask.message}` : ''}`);
    }
    return { source: sim ? 'simulator' : 'dgc', taskId, state: done.state, ...result };
  } finally {
    dgc.close();
    await sim?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
