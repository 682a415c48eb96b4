// `npm test`: every check CI runs, in order, stopping at the first that fails. Plain output when
// stdout is not a terminal (CI logs, files): no colour codes. The build runs inside the suite: the
// package test packs a clean copy of the tree, whose `prepack` builds it.
import { spawnSync } from 'node:child_process';

const env = { ...process.env };
if (!process.stdout.isTTY && env.FORCE_COLOR === undefined) env.NO_COLOR = '1';

const steps = [
  ['typecheck', 'tsc', ['--noEmit']],
  // Formatting and lint (Biome); a file that is not formatted fails here too.
  ['lint', 'biome', ['check', '.']],
  // The API reference builds with every public member documented (typedoc.json: warnings are errors).
  ['docs', 'typedoc', []],
  [
    'tests',
    'vitest',
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.tmp/vitest-report.json',
      ...process.argv.slice(2),
    ],
  ],
];

for (const [name, command, args] of steps) {
  console.log(`> ${name}: ${command} ${args.join(' ')}`);
  const { status, error } = spawnSync(command, args, { stdio: 'inherit', env, shell: false });
  if (error) {
    console.error(`${name}: could not start ${command}: ${error.message}`);
    process.exit(1);
  }
  if (status !== 0) process.exit(status ?? 1);
}
