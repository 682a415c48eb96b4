import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Black-box: pack the package as npm would publish it, install the tarball into a fresh consumer
 * project, and load every entry point with both `import` and `require`. Needs `npm run build` first
 * (`npm test` does it).
 */
const root = resolve(import.meta.dirname, '../..');
const entryPoints = ['taskpoll', 'taskpoll/guance', 'taskpoll/edge', 'taskpoll/dgc', 'taskpoll/workflow', 'taskpoll/testing'];
let consumer: string;
let packDir: string;

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  packDir = mkdtempSync(join(tmpdir(), 'taskpoll-pack-'));
  npm(['pack', '--pack-destination', packDir], root);
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  consumer = mkdtempSync(join(tmpdir(), 'taskpoll-consumer-'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(packDir, tarball)], consumer);
}, 180_000);

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
  if (packDir) rmSync(packDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('contains dist only (plus package.json, README, LICENSE)', () => {
    const files = execFileSync('tar', ['-tzf', join(packDir, readdirSync(packDir)[0] as string)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const file of files) expect(file).toMatch(/^(dist\/|package\.json$|README\.md$|LICENSE$)/);
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/index.d.cts');
  });

  it.each(entryPoints)('import("%s") works from an ESM consumer', (entry) => {
    const script = `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, encoding: 'utf8' });
    expect(Number(out.trim())).toBeGreaterThan(0);
  });

  it.each(entryPoints)('require("%s") works from a CJS consumer (p-retry is bundled)', (entry) => {
    const script = `const m = require(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: consumer, encoding: 'utf8' });
    expect(Number(out.trim())).toBeGreaterThan(0);
  });

  it('waitForTask works from the installed package with a user adapter (CJS and ESM share behaviour)', () => {
    const script = `
      const { defineAdapter, waitForTask, isTaskFailedError } = require('taskpoll');
      let n = 0;
      const a = defineAdapter({ provider: 'consumer', async getStatus() { n++; return n < 2 ? { state: 'running', providerState: 'r' } : { state: 'succeeded', providerState: 'ok', result: 7 }; } });
      waitForTask(a, 'x', { initialDelayMs: 1 }).then((s) => console.log(s.result));`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: consumer, encoding: 'utf8' });
    expect(out.trim()).toBe('7');
  });

  it('publint finds nothing to fix', () => {
    const out = execFileSync(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), '--strict'], { cwd: root, encoding: 'utf8' });
    expect(out).not.toMatch(/error|warning/i);
  });

  it('are-the-types-wrong passes for every entry point under every resolution, node10 included (exit code 0)', () => {
    const cli = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const tarball = join(packDir, readdirSync(packDir)[0] as string);
    // The default (strict) profile checks node10, node16 from CJS and from ESM, and bundler.
    const out = execFileSync(process.execPath, [cli, tarball, '--format', 'table-flipped'], {
      cwd: root,
      encoding: 'utf8',
    });
    // execFileSync throws on a non-zero exit: attw exits 1 on any problem.
    expect(out).toContain('No problems found');
  });
});

/**
 * A TypeScript consumer of each module resolution mode type-checks code that imports every entry
 * point: node10 (`"moduleResolution": "node"`, which reads `typesVersions`, not `exports`), node16 from
 * CommonJS and from ESM, and bundler.
 */
describe('types from the installed package, one consumer tsconfig per resolution mode', () => {
  const source = `
    import { waitForTask, defineAdapter, type TaskStatus } from 'taskpoll';
    import { guanceLogmine } from 'taskpoll/guance';
    import { edgeLogDump } from 'taskpoll/edge';
    import { dgcSystemTasks } from 'taskpoll/dgc';
    import { workflowTasks } from 'taskpoll/workflow';
    import { startSimulator } from 'taskpoll/testing';
    const adapter = defineAdapter({
      provider: 'consumer',
      async getStatus(ref: string): Promise<{ state: 'succeeded'; providerState: string; result: number }> {
        return { state: 'succeeded', providerState: ref, result: 1 };
      },
    });
    export async function main(): Promise<number> {
      const status: TaskStatus<number> = await waitForTask(adapter, 'x');
      // A wrong type must be an error: the types are really there, not \`any\`.
      // @ts-expect-error result is a number
      const wrong: string = status.result;
      void wrong;
      void [guanceLogmine, edgeLogDump, dgcSystemTasks, workflowTasks, startSimulator];
      return status.result ?? 0;
    }
  `;
  const modes = [
    { name: 'node10', file: 'index.ts', options: { module: 'commonjs', moduleResolution: 'node10' } },
    { name: 'node16-cjs', file: 'index.cts', options: { module: 'node16', moduleResolution: 'node16' } },
    { name: 'node16-esm', file: 'index.mts', options: { module: 'node16', moduleResolution: 'node16' } },
    { name: 'bundler', file: 'index.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
  ];

  it.each(modes)('$name', ({ name, file, options }) => {
    const dir = join(consumer, `types-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), source);
    const tsconfig = {
      compilerOptions: {
        ...options,
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        // taskpoll's declarations name Node's types (streams, agents); a consumer has @types/node.
        typeRoots: [join(root, 'node_modules/@types')],
        types: ['node'],
        // As `tsc --init` sets it; zod's own CommonJS declarations need it under node10.
        esModuleInterop: true,
        ignoreDeprecations: '5.0',
      },
      files: [file],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    let diagnostics = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      diagnostics = String((error as { stdout?: unknown }).stdout ?? error);
    }
    expect(diagnostics).toBe('');
  });
});
