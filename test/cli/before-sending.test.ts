import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { FAST, runCli, runProcess, simEnv, tsx, bin } from './run-cli.js';

/**
 * What the command refuses before its first request, so a usage error never leaves a task running;
 * what it does about a task it started and cannot wait for; one deadline for every step; a closed
 * stderr. Spawned against a simulator, as a user runs it.
 */
let sim: Simulator;
let env: Record<string, string>;
let scratch: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 31, timeScale: 1000, rateLimits: false });
  env = simEnv(sim);
  scratch = mkdtempSync(join(tmpdir(), 'taskpoll-cli-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

const CANARY = 'canary-secret-2b7e151628aed2a6';

describe('refused before anything is sent (exit 2)', () => {
  it('wait flags the wait would refuse, in flag terms', async () => {
    const runs = await Promise.all([
      runCli(['run', 'guance', '--initial-delay', '5s', '--max-delay', '1s'], { env }),
      runCli(['run', 'guance', '--max-delay', '1s'], { env }),
      runCli(['run', 'guance', '--timeout', '0s'], { env }),
      runCli(['run', 'guance', '--timeout', '1000h'], { env }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(runs.map((r) => r.stderr)).toEqual([
      'taskpoll: --max-delay (1s) must be ≥ --initial-delay (5s)\n',
      'taskpoll: --max-delay (1s) must be ≥ --initial-delay (1.5s, the default)\n',
      'taskpoll: --timeout must be from 1ms to 596h31m, got 0s\n',
      'taskpoll: --timeout must be from 1ms to 596h31m, got 1000h\n',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it('a --download path that is a directory, or in no directory', async () => {
    const runs = await Promise.all([
      runCli(['run', 'edge', '--nodes', '2', '--download', scratch], { env }),
      runCli(['run', 'edge', '--nodes', '2', '--download', join(scratch, 'missing', 'x.tgz')], { env }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2]);
    expect(runs[0]?.stderr).toBe(`taskpoll: --download ${scratch} is a directory: give a file path\n`);
    expect(runs[1]?.stderr).toContain(`no directory ${join(scratch, 'missing')}`);
    expect(sim.requests).toHaveLength(0);
  });

  it('--cancel-on-interrupt for a provider that cannot cancel', async () => {
    const run = await runCli(['run', 'edge', '--nodes', '2', '--cancel-on-interrupt'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'taskpoll: --cancel-on-interrupt: the edge API has no cancel call, so a task cannot be cancelled; leave the flag out\n',
    );
    expect(sim.requests).toHaveLength(0);
  });

  it('a flag beside --version or --help', async () => {
    const runs = await Promise.all([runCli(['--version', '--bogus']), runCli(['--help', '--bogus'])]);
    expect(runs.map((r) => r.code)).toEqual([2, 2]);
    for (const run of runs) {
      expect(run.stderr).toContain("Unknown option '--bogus'");
      expect(run.stdout).toBe('');
    }
  });

  it('a variable the factory refuses is named, with the factory reason, and no secret value', async () => {
    const { GUANCE_BASE_URL, ...guanceEnv } = env;
    const login = { WORKFLOW_PASSWORD: CANARY, WORKFLOW_LOGIN_ENCODING: 'zzz' };
    const runs = await Promise.all([
      runCli(['wait', 'guance', 'x'], { env: { ...guanceEnv, GUANCE_SITE: 'mars' } }),
      runCli(['wait', 'dgc', 'x'], { env: { ...env, DGC_PROJECT_ID: 'zz' } }),
      runCli(['wait', 'workflow', '1/x'], { env: { ...env, ...login } }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]?.stderr).toMatch(/^taskpoll: GUANCE_SITE is not valid \(.*site must be one of cn1, /);
    expect(runs[1]?.stderr).toMatch(/^taskpoll: DGC_PROJECT_ID is not valid \(.*projectId must be a project id/);
    expect(runs[2]?.stderr).toMatch(/^taskpoll: WORKFLOW_LOGIN_ENCODING is not valid \(.*credentials\.encoding must/);
    for (const run of runs) expect(run.stderr).not.toContain(CANARY);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('after the first request', () => {
  it('a workflow job without the task asked for is cancelled: exit 4', async () => {
    sim.workflow.script({ durationMs: 3_600_000_000, tasks: ['Query', 'PageRank'] });
    const run = await runCli(['run', 'workflow', '--workflow', '42', '--task', 'Nope', ...FAST], { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^started job (\d+) of workflow 42\ntaskpoll: Job \1 has no task "Nope" \(its tasks: Query, PageRank\); the job was cancelled\n$/,
    );
    expect(sim.requestsFor('workflow', 'workflow.cancelJob')).toHaveLength(1);
  });

  it('a TypeError after the first request is exit 4, not 2 (the download path turned into a directory)', async () => {
    sim.edge.script({ durationMs: 1_000_000 });
    const path = join(scratch, 'late.tar.gz');
    const run = await runCli(['run', 'edge', '--nodes', '2', '--download', path, ...FAST], {
      env,
      onStderr: (stderr) => {
        if (stderr.includes('started the log dump') && !existsSync(path)) mkdirSync(path);
      },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`download destination ${path} is a directory`);
  });

  it('--timeout bounds the submit too: 124 while it hangs', async () => {
    sim.faults.add({ kind: 'latency', provider: 'guance', route: 'guance.sendTask', latencyMs: 60_000 });
    const run = await runCli(['run', 'guance', '--timeout', '300ms', ...FAST], { env });
    expect(run.code).toBe(124);
    expect(run.stderr).toBe('taskpoll: --timeout 300ms passed while starting the task\n');
  });

  it('a closed stderr (2>&1 | head -1) is no crash: the exit code is the outcome', async () => {
    sim.guance.script({ durationMs: 200_000 });
    const command = `"${process.execPath}" --import "${tsx}" "${bin}" run guance ${FAST.join(' ')}`;
    const run = await runProcess('bash', ['-c', `${command} 2>&1 | head -1; echo "exit \${PIPESTATUS[0]}" >&2`], {
      env,
    });
    expect(run.stdout).toMatch(/^submitted logmine task \S+\n$/);
    expect(run.stderr).toBe('exit 0\n');
  });
});
