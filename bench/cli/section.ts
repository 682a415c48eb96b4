/**
 * Startup of the `taskpoll` command as it ships (dist/cli.js, built first): `--version` and `--help`
 * load none of the library, `wait` without its variables loads it and stops at the configuration
 * check (exit 2, nothing sent). Compared with `node -e 0`, Node's own start. Each command runs 20
 * times, interleaved, one at a time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SectionResult } from '../report.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 20;

const COMMANDS: Array<{ name: string; args: string[] }> = [
  { name: '`node -e 0`', args: ['-e', '0'] },
  { name: '`node dist/cli.js --version`', args: ['dist/cli.js', '--version'] },
  { name: '`node dist/cli.js --help`', args: ['dist/cli.js', '--help'] },
  {
    name: '`node dist/cli.js wait guance x` (loads the library; exit 2)',
    args: ['dist/cli.js', 'wait', 'guance', 'x'],
  },
];

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Builds the package, then times each command {@link RUNS} times. */
export async function cliSection(): Promise<SectionResult> {
  const started = performance.now();
  console.error('cli: npm run build, then the startup of the command');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  const times = COMMANDS.map(() => [] as number[]);
  const env = { PATH: process.env['PATH'] ?? '' }; // no provider variables
  for (let run = 0; run < RUNS; run += 1) {
    COMMANDS.forEach((command, i) => {
      const t0 = performance.now();
      spawnSync(process.execPath, command.args, { cwd: root, env, stdio: 'ignore' });
      times[i]?.push(performance.now() - t0);
    });
  }
  const rows = COMMANDS.map((command, i) => {
    const sorted = [...(times[i] as number[])].sort((a, b) => a - b);
    return `| ${command.name} | ${quantile(sorted, 0.5).toFixed(0)} ms | ${quantile(sorted, 0.9).toFixed(0)} ms |`;
  });
  const median = (i: number) =>
    quantile(
      [...(times[i] as number[])].sort((a, b) => a - b),
      0.5,
    );
  const md = `## Command startup

\`npm run bench -- cli\` (bench/cli/section.ts): the built command, ${RUNS} runs of each, interleaved,
wall time of the whole process. Section wall time: ${((performance.now() - started) / 1000).toFixed(1)} s.

| command | median | p90 |
| --- | ---: | ---: |
${rows.join('\n')}
`;
  const summary = `cli: --version ${median(1).toFixed(0)} ms (node -e 0: ${median(0).toFixed(0)} ms), wait with the library ${median(3).toFixed(0)} ms`;
  return { md, summary };
}
