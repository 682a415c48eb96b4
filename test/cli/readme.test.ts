import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { bin, type CliRun, tsx, root, runCli, runProcess } from './run-cli.js';

/**
 * The README's "Command line" section runs as written: its `taskpoll simulate` line is started, and
 * every other `taskpoll` line runs (in a temporary directory) in a shell with the `export` lines it printed, through a
 * `taskpoll` on the PATH (the sources, through tsx), pipes to `jq` included where jq is installed.
 */
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = /\n## Command line\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => (m[1] as string).split('\n'))
  .filter((line) => line.startsWith('taskpoll '));
const simulateLine = lines.find((line) => line.startsWith('taskpoll simulate')) ?? '';
const commandLines = lines.filter((line) => line !== simulateLine);
const hasJq = (() => {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let shimDir: string;
let exports = '';
let simulator: Promise<CliRun>;
let stop: (() => void) | undefined;

beforeAll(async () => {
  shimDir = mkdtempSync(join(tmpdir(), 'taskpoll-shim-'));
  const shim = join(shimDir, 'taskpoll');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${bin}" "$@"\n`);
  chmodSync(shim, 0o755);
  const ready = new Promise<void>((resolve) => {
    simulator = runCli(simulateLine.split(' ').slice(1), {
      onStderr: (stderr, kill, stdout) => {
        if (!stderr.includes('Ctrl-C') || stop) return;
        exports = stdout;
        stop = () => kill('SIGINT');
        resolve();
      },
    });
  });
  await ready;
});

afterAll(async () => {
  stop?.();
  await simulator;
  rmSync(shimDir, { recursive: true, force: true });
});

describe('README: Command line', () => {
  it('shows a simulate line and commands for every provider', () => {
    expect(simulateLine).toMatch(/^taskpoll simulate/);
    for (const provider of ['guance', 'edge', 'dgc', 'workflow']) {
      expect(commandLines.some((line) => line.includes(` ${provider} `))).toBe(true);
    }
  });

  it('simulate prints export lines for every provider', () => {
    for (const name of ['GUANCE_API_KEY', 'EDGE_BASE_URL', 'DGC_SK', 'WORKFLOW_PASSWORD', 'TASKPOLL_PACING']) {
      expect(exports).toMatch(new RegExp(`^export ${name}='`, 'm'));
    }
  });

  it.concurrent.each(commandLines)('%s', async (line) => {
    const vars = Object.fromEntries(
      [...exports.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    // The one line that waits for a task that exists gets one, submitted to the simulator.
    let taskId = '';
    if (line.includes('$TASK_ID')) {
      const logmine = guanceLogmine({
        baseURL: vars['GUANCE_BASE_URL'] ?? '',
        apiKey: vars['GUANCE_API_KEY'] ?? '',
        pacing: false,
      });
      taskId = await logmine.submit({ analysisField: 'message' });
      logmine.close();
    }
    const command = hasJq ? line : (line.split(' | ')[0] as string);
    const run = await runProcess('bash', ['-o', 'pipefail', '-c', `${exports}\n${command}`], {
      cwd: shimDir,
      env: { PATH: `${shimDir}${delimiter}${process.env['PATH'] ?? ''}`, TASK_ID: taskId },
    });
    expect(run.stderr).not.toContain('taskpoll: ');
    expect(run.code).toBe(0);
    if (!line.includes('--quiet') && !line.includes('| jq')) expect(() => JSON.parse(run.stdout)).not.toThrow();
    if (line.includes('--quiet')) expect(run.stderr).toBe('');
  });
});
