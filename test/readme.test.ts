import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WAIT_DEFAULTS } from '../src/index.js';

/**
 * The README cannot drift from the code: every TypeScript block in it is a file of examples/ (whole, or
 * a contiguous excerpt), and those files are run by test/examples/examples.test.ts. The set-up commands
 * it gives exist, and its options table matches WAIT_DEFAULTS.
 */
const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1] as string,
  body: m[2] as string,
}));

describe('README', () => {
  const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');

  it('has TypeScript examples', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(tsBlocks.map((b, i) => [i, b.body.split('\n')[0], b] as const))(
    'block %i (%s) is an examples/ file or an excerpt of one',
    (_i, _first, block) => {
      const [marker, ...rest] = block.body.split('\n');
      const match = /^\/\/ (examples\/[\w-]+\.ts)( \(excerpt\))?$/.exec(marker ?? '');
      expect(match, `a README code block must start with "// examples/<file>.ts", got ${marker}`).not.toBeNull();
      const file = join(root, match?.[1] as string);
      expect(existsSync(file)).toBe(true);
      const source = readFileSync(file, 'utf8');
      const text = rest.join('\n');
      if (match?.[2]) expect(source).toContain(text.trimEnd());
      else expect(text.trimEnd()).toBe(source.trimEnd());
    },
  );

  it('every example shown is run by the examples test', () => {
    const runner = readFileSync(join(root, 'test/examples/examples.test.ts'), 'utf8');
    for (const block of tsBlocks) {
      const name = /examples\/([\w-]+)\.ts/.exec(block.body)?.[1] as string;
      expect(runner, `test/examples/examples.test.ts should run examples/${name}.ts`).toContain(name);
    }
  });

  it('the two set-up commands of the quick start exist as npm scripts', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
    expect(scripts.demo).toBeTruthy();
    // npm test runs scripts/test.mjs, whose last step is the whole suite.
    expect(scripts.test).toBe('node scripts/test.mjs');
    expect(readFileSync(join(root, 'scripts/test.mjs'), 'utf8')).toMatch(/'vitest',\s*\[\s*'run'/);
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('npm test');
  });

  it('the options table lists every wait option with its real default', () => {
    const row = (name: string) => new RegExp(`^\\| \`${name}[^|]*\\| ([^|]+) \\|`, 'm').exec(readme)?.[1]?.trim();
    const number = (text: string | undefined) => Number(text?.replace(/[`_]/g, '').split(' ')[0]);
    expect(number(row('timeoutMs'))).toBe(WAIT_DEFAULTS.timeoutMs);
    expect(number(row('initialDelayMs'))).toBe(WAIT_DEFAULTS.initialDelayMs);
    expect(number(row('maxDelayMs'))).toBe(WAIT_DEFAULTS.maxDelayMs);
    expect(number(row('factor'))).toBe(WAIT_DEFAULTS.factor);
    expect(number(row('jitter'))).toBe(WAIT_DEFAULTS.jitter);
    expect(number(row('requestTimeoutMs'))).toBe(WAIT_DEFAULTS.requestTimeoutMs);
    expect(number(row('cancelTimeoutMs'))).toBe(WAIT_DEFAULTS.cancelTimeoutMs);
    expect(row('progressAware')).toBe(`\`${WAIT_DEFAULTS.progressAware}\``);
    expect(row('acceptPartial')).toBe(`\`${WAIT_DEFAULTS.acceptPartial}\``);
    expect(row('cancelOnAbort')).toBe(`\`${WAIT_DEFAULTS.cancelOnAbort}\``);
    const retry = WAIT_DEFAULTS.retry;
    expect(row('retry')).toBe(
      `\`{ retries: ${retry.retries}, minDelayMs: ${retry.minDelayMs}, maxDelayMs: ${retry.maxDelayMs} }\``,
    );
    for (const name of Object.keys(WAIT_DEFAULTS)) expect(readme).toContain(`| \`${name}`);
    for (const name of ['signal', 'onProgress']) expect(readme).toContain(`| \`${name}`);
  });

  it('names every error class exported', async () => {
    const mod = (await import('../src/index.js')) as Record<string, unknown>;
    const classes = Object.keys(mod).filter((k) => /^[A-Z]\w*Error$/.test(k) && typeof mod[k] === 'function');
    for (const name of classes) expect(readme).toContain(`\`${name}\``);
  });
});
