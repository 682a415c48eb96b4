import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WAIT_DEFAULTS } from '../../src/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import { FAST, root, runCli, runProcess, simEnv, type CliRun } from './run-cli.js';

/**
 * The `taskpoll` command, spawned as a user runs it, against a simulator scripted by the test: every
 * exit code, stdout as JSON, progress on stderr (plain, and live under a pseudo-terminal), signals,
 * usage and configuration errors, and no credential in any output.
 */
let sim: Simulator;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 13, timeScale: 1000, rateLimits: false });
  env = simEnv(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const CANARY = 'canary-secret-7f3a9c1e5b2d4f60';
const noCanary = (run: CliRun) => {
  expect(run.stdout).not.toContain(CANARY);
  expect(run.stderr).not.toContain(CANARY);
};
const json = (run: CliRun) => JSON.parse(run.stdout) as Record<string, unknown>;

describe('usage', () => {
  it('--help prints the commands and every exit code, exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('taskpoll wait <provider> <task>');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '124', '130']) expect(run.stdout).toContain(`\n  ${code}`);
  });

  it('wait --help works without a provider or a task', async () => {
    const run = await runCli(['wait', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--cancel-on-interrupt');
    // The defaults it shows are the library's (help.ts loads no library code, so it spells them out).
    expect(WAIT_DEFAULTS).toMatchObject({ timeoutMs: 30 * 60_000, initialDelayMs: 1500, maxDelayMs: 120_000 });
    for (const shown of ['[default: 30m]', '[default: 1500ms]', '[default: 2m]']) expect(run.stdout).toContain(shown);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown flag is a usage error (exit 2) that names it', async () => {
    const run = await runCli(['wait', 'guance', 'x', '--bogus'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'--bogus'");
    expect(run.stdout).toBe('');
  });

  it('a bad duration, an unknown provider, a flag of another provider: exit 2', async () => {
    const runs = await Promise.all([
      runCli(['wait', 'guance', 'x', '--timeout', '30'], { env }),
      runCli(['wait', 'nope', 'x'], { env }),
      runCli(['run', 'guance', '--nodes', '2'], { env }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]?.stderr).toContain('--timeout must be a duration');
    expect(runs[1]?.stderr).toContain('Unknown provider "nope"');
    expect(runs[2]?.stderr).toContain('--nodes is an option of `taskpoll run edge`');
    expect(sim.requests).toHaveLength(0);
  });

  it('a missing variable is named with what to set (exit 2), and no other variable is printed', async () => {
    const run = await runCli(['wait', 'dgc', 'abc'], {
      env: { DGC_PROJECT_ID: '0123456789abcdef0123456789abcdef', DGC_REGION: 'cn-north-4', DGC_SK: CANARY },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('taskpoll: DGC_AK is not set: set it to the access key id that goes with DGC_SK\n');
    noCanary(run);
    const guance = await runCli(['wait', 'guance', 'abc'], { env: { WORKFLOW_PASSWORD: CANARY } });
    expect(guance.code).toBe(2);
    expect(guance.stderr).toContain('GUANCE_API_KEY is not set: set it to');
    noCanary(guance);
  });
});

describe('configuration', () => {
  it('refuses half a TLS set-up, an unknown TASKPOLL_PACING, --since with --from, a bad --nodes: exit 2', async () => {
    const runs = await Promise.all([
      runCli(['wait', 'edge', 'x'], { env: { ...env, EDGE_CERT: '/nonexistent/cert.pem' } }),
      runCli(['wait', 'guance', 'x'], { env: { ...env, TASKPOLL_PACING: 'fast' } }),
      runCli(['run', 'guance', '--since', '1h', '--from', '2026-01-01T00:00:00Z'], { env }),
      runCli(['run', 'edge', '--nodes', '2;3'], { env }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(runs[0]?.stderr).toContain('EDGE_KEY and EDGE_CA not set: mutual TLS needs EDGE_CERT, EDGE_KEY and EDGE_CA');
    expect(runs[1]?.stderr).toContain('TASKPOLL_PACING must be "off" or unset');
    expect(runs[2]?.stderr).toContain('Give --since or --from/--to, not both');
    expect(runs[3]?.stderr).toContain('--nodes must be node ids separated by commas');
    expect(sim.requests).toHaveLength(0);
  });

  it('reads the AK/SK pair under its long names too (DGC_ACCESS_KEY, DGC_SECRET_KEY)', async () => {
    const { DGC_AK, DGC_SK, ...rest } = env;
    sim.dgc.script({ durationMs: 0 });
    const run = await runCli(['run', 'dgc', 'import-jobs', '--path', 'obs://b/jobs.zip', ...FAST], {
      env: { ...rest, DGC_ACCESS_KEY: DGC_AK, DGC_SECRET_KEY: DGC_SK },
    });
    expect(run.code).toBe(0);
  });
});

describe('exit codes: how the task ended', () => {
  it('0: run guance prints the typed result as JSON on stdout, plain progress on stderr', async () => {
    sim.guance.script({ durationMs: 60_000, clusters: [{ count: 2, docids: ['L_1'], message: 'disk full' }] });
    const run = await runCli(['run', 'guance', '--since', '1h', ...FAST], { env });
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ docCount: expect.any(Number), clusters: [{ count: 2, message: 'disk full' }] });
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^submitted logmine task \S+$/);
    // One line per state: the first on the first status, with its state word; none repeated.
    expect(lines.slice(1).map((l) => l.split(' ')[1])).toEqual(['running', 'succeeded']);
    const body = sim.requestsFor('guance', 'guance.sendTask')[0]?.body as { timeRange: [number, number] };
    expect(body.timeRange[1] - body.timeRange[0]).toBe(3_600_000);
  });

  it('0 and 1: wait --json prints the whole terminal status, for a failed task too', async () => {
    const logmine = guanceLogmine({ baseURL: sim.guance.baseURL, apiKey: sim.guance.apiKey, pacing: false });
    sim.guance.script({ durationMs: 0, outcome: 'failed', message: 'DQL syntax error' });
    const failed = await logmine.submit({ analysisField: 'message' });
    sim.guance.script({ durationMs: 0 });
    const ok = await logmine.submit({ analysisField: 'message' });
    logmine.close();
    const [bad, good] = await Promise.all([
      runCli(['wait', 'guance', failed, '--json', ...FAST], { env }),
      runCli(['wait', 'guance', ok, '--json', '--quiet', ...FAST], { env }),
    ]);
    expect(bad.code).toBe(1);
    expect(json(bad)).toMatchObject({ taskId: failed, state: 'failed', message: 'DQL syntax error' });
    expect(bad.stderr).toContain(`taskpoll: Task ${failed} ended failed (failed): DQL syntax error`);
    expect(good.code).toBe(0);
    expect(json(good)).toMatchObject({
      taskId: ok,
      state: 'succeeded',
      terminal: true,
      result: { clusters: expect.any(Array) },
    });
    expect(good.stderr).toBe('');
  });

  it('1 for a partial end, 0 with --accept-partial (edge, with its archive downloaded)', async () => {
    sim.edge.script({ durationMs: 1000, outcome: 'partial' });
    const strict = await runCli(['run', 'edge', '--nodes', '2,3', ...FAST], { env });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    sim.edge.script({ durationMs: 1000, outcome: 'partial' });
    const path = join(await import('node:os').then((os) => os.tmpdir()), `taskpoll-cli-${process.pid}.tar.gz`);
    const lenient = await runCli(['run', 'edge', '--nodes', '2,3', '--accept-partial', '--download', path, ...FAST], {
      env,
    });
    expect(lenient.code).toBe(0);
    expect(json(lenient)).toMatchObject({ download: { path, bytes: expect.any(Number) } });
    expect(readFileSync(path).length).toBe((json(lenient)['download'] as { bytes: number }).bytes);
  });
});

describe('exit codes: errors', () => {
  it('3 when the credentials are refused, with no credential printed', async () => {
    const [guance, dgc] = await Promise.all([
      runCli(['run', 'guance', ...FAST], { env: { ...env, GUANCE_API_KEY: CANARY } }),
      runCli(['run', 'dgc', 'import-jobs', '--path', 'obs://b/jobs.zip', ...FAST], { env: { ...env, DGC_SK: CANARY } }),
    ]);
    expect([guance.code, dgc.code]).toEqual([3, 3]);
    for (const run of [guance, dgc]) {
      noCanary(run);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('4 for another provider error: a task the provider does not know', async () => {
    const run = await runCli(['wait', 'dgc', 'ffffffffffffffffffffffffffffffff', ...FAST], { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^taskpoll: .+\n$/);
  });

  it('124 when --timeout passes', async () => {
    sim.dgc.script({ durationMs: 3_600_000_000 });
    const run = await runCli(
      ['run', 'dgc', 'import-jobs', '--path', 'obs://b/jobs.zip', '--timeout', '300ms', ...FAST],
      {
        env,
      },
    );
    expect(run.code).toBe(124);
    // --timeout is the command's deadline, from its start: the wait, begun after the submit, gets what is left.
    expect(run.stderr).toMatch(/did not finish within \d+ ms, by \d{4}-\d\d-\d\dT[\d:.]+Z /);
    expect(run.stdout).toBe('');
  });

  it('0: run dgc import-jobs and run workflow', async () => {
    sim.dgc.script({ durationMs: 5000, subtasks: ['Import job [a].'] });
    sim.workflow.script({ durationMs: 5000, tasks: ['Query', 'PageRank'] });
    const [dgc, workflow] = await Promise.all([
      runCli(['run', 'dgc', 'import-jobs', '--path', 'obs://b/jobs.zip', ...FAST], { env }),
      runCli(['run', 'workflow', '--workflow', '42', '--task', 'Query', ...FAST], { env }),
    ]);
    expect(dgc.code).toBe(0);
    expect(json(dgc)).toMatchObject({ subtasks: [{ state: 'succeeded' }] });
    expect(workflow.code).toBe(0);
    expect(json(workflow)).toMatchObject({ rows: expect.any(Array) });
    expect(workflow.stderr).toMatch(/waiting for task Query, \d+\/\w+\n/);
  });
});

describe('interrupts', () => {
  const untilWaiting = (stderr: string, kill: (signal: NodeJS.Signals) => void) => {
    if (/\n\S+ (queued|running) /.test(stderr)) kill('SIGINT');
  };

  it('130 on SIGINT, leaving the task running at the provider', async () => {
    sim.workflow.script({ durationMs: 3_600_000_000, tasks: ['Long'] });
    const run = await runCli(['run', 'workflow', '--workflow', '42', ...FAST], { env, onStderr: untilWaiting });
    expect(run).toMatchObject({ code: 130, signal: null, stdout: '' });
    expect(run.stderr).toMatch(/taskpoll: Wait for task \S+ was aborted after \d+ polls\n$/);
    expect(sim.requestsFor('workflow', 'workflow.cancelJob')).toHaveLength(0);
  });

  it('143 on SIGTERM, as a code and not a signal', async () => {
    sim.workflow.script({ durationMs: 3_600_000_000, tasks: ['Long'] });
    const run = await runCli(['run', 'workflow', '--workflow', '42', ...FAST], {
      env,
      onStderr: (stderr, kill) => {
        if (/\n\S+ (queued|running) /.test(stderr)) kill('SIGTERM');
      },
    });
    expect(run).toMatchObject({ code: 143, signal: null, stdout: '' });
  });

  it('130 on SIGINT with --cancel-on-interrupt, after the provider cancelled the task', async () => {
    sim.workflow.script({ durationMs: 3_600_000_000, tasks: ['Long'] });
    const run = await runCli(['run', 'workflow', '--workflow', '42', '--cancel-on-interrupt', ...FAST], {
      env,
      onStderr: untilWaiting,
    });
    expect(run).toMatchObject({ code: 130, signal: null });
    expect(run.stderr).toContain('; the task was cancelled at the provider\n');
    expect(sim.requestsFor('workflow', 'workflow.cancelJob')).toHaveLength(1);
  });
});

describe('interrupts while a workflow job is set up', () => {
  // The job's task list is slow to come: the command is interrupted after it started the job and
  // before it knows which task to wait for.
  const untilStarted = (stderr: string, kill: (signal: NodeJS.Signals) => void) => {
    if (/started job \d+ of workflow 42\n/.test(stderr)) kill('SIGINT');
  };
  beforeEach(() => {
    sim.workflow.script({ durationMs: 3_600_000_000, tasks: ['Long'] });
    sim.faults.add({ kind: 'latency', route: 'workflow.getJob', latencyMs: 60_000 });
  });

  it('without --cancel-on-interrupt: 130, and the line names the job left running', async () => {
    const run = await runCli(['run', 'workflow', '--workflow', '42', ...FAST], { env, onStderr: untilStarted });
    expect(run).toMatchObject({ code: 130, signal: null, stdout: '' });
    const jobId = /started job (\d+)/.exec(run.stderr)?.[1];
    expect(run.stderr).toMatch(new RegExp(`; job ${jobId} is left running\n$`));
    expect(sim.requestsFor('workflow', 'workflow.cancelJob')).toHaveLength(0);
  });

  it('with --cancel-on-interrupt: 130 after the job just started was cancelled', async () => {
    const run = await runCli(['run', 'workflow', '--workflow', '42', '--cancel-on-interrupt', ...FAST], {
      env,
      onStderr: untilStarted,
    });
    expect(run).toMatchObject({ code: 130, signal: null, stdout: '' });
    const jobId = /started job (\d+)/.exec(run.stderr)?.[1];
    expect(run.stderr).toMatch(new RegExp(`; job ${jobId} was cancelled\n$`));
    expect(sim.requestsFor('workflow', 'workflow.cancelJob')).toHaveLength(1);
  });

  it('--timeout passing while the job is set up: 124, the deadline named, the job left running', async () => {
    const run = await runCli(['run', 'workflow', '--workflow', '42', '--timeout', '1s', ...FAST], { env });
    expect(run).toMatchObject({ code: 124, signal: null, stdout: '' });
    const jobId = /started job (\d+)/.exec(run.stderr)?.[1];
    expect(run.stderr).toMatch(
      new RegExp(`taskpoll: --timeout 1s passed while starting the task; job ${jobId} is left running\n$`),
    );
  });
});

describe('progress on a terminal', () => {
  /** Runs the command under `script`, which gives it a pseudo-terminal (stdout and stderr merged). */
  const inTerminal = (args: string[], extra: Record<string, string> = {}) => {
    const command = [process.execPath, '--import', 'tsx', 'src/cli/bin.ts', ...args].join(' ');
    return runProcess('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm', ...extra } });
  };

  it('draws one live line, redrawn in place, with the state in colour and a progress bar', async () => {
    sim.dgc.script({ durationMs: 20_000 });
    const run = await inTerminal(['run', 'dgc', 'import-jobs', '--path', 'obs://b/jobs.zip', ...FAST]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\r\x1b[2K');
    expect(run.stdout).toMatch(/\x1b\[32msucceeded/);
    expect(run.stdout).toMatch(/\[#{20}\] 100%/);
    expect(run.stdout).toContain('"subtasks"');
  });

  it('NO_COLOR drops the colour; CI and TERM=dumb print plain lines', async () => {
    const args = ['run', 'guance', ...FAST];
    const [noColor, ci, dumb] = await Promise.all([
      inTerminal(args, { NO_COLOR: '1' }),
      inTerminal(args, { CI: 'true' }),
      inTerminal(args, { TERM: 'dumb' }),
    ]);
    expect(noColor.stdout).toContain('\r\x1b[2K');
    expect(noColor.stdout).not.toMatch(/\x1b\[3\dm/);
    for (const run of [ci, dumb]) {
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('\x1b[');
      expect(run.stdout).toMatch(/ succeeded \(ok\) after /);
    }
  });
});

describe('taskpoll simulate', () => {
  it('prints export lines that the other commands run against, and stops on SIGINT', async () => {
    let followUp: Promise<CliRun> | undefined;
    const simulate = await runCli(['simulate', '--time-scale', '1000'], {
      onStderr: (stderr, kill, stdout) => {
        if (!stderr.includes('Ctrl-C') || followUp) return;
        // The export lines come first on stdout; a shell that runs them runs `taskpoll run` against the simulator.
        const command = `${stdout}\n"${process.execPath}" --import tsx src/cli/bin.ts run guance ${FAST.join(' ')}`;
        followUp = runProcess('sh', ['-c', command]);
        void followUp.finally(() => kill('SIGINT'));
      },
    });
    expect(simulate.stdout).toMatch(/^export GUANCE_API_KEY='tkn_\w+'$/m);
    expect(simulate).toMatchObject({ code: 130, signal: null });
    const run = await followUp;
    expect(run?.code).toBe(0);
    expect(JSON.parse(run?.stdout ?? '')).toMatchObject({ clusters: expect.any(Array) });
  });
});
