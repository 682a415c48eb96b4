import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/testing/index.js';
import { runProcess } from '../cli/run-cli.js';

/**
 * Black-box: pack the package as npm would publish it, install the tarball into a fresh consumer
 * project, and load every entry point with both `import` and `require`.
 *
 * The tarball is packed from a clean copy of the working tree (what a fresh clone holds: no `dist/`,
 * no `node_modules/` but a link to ours), with plain `npm pack`, so its `prepack` script does the
 * build. This is the one build the test needs; it neither reads nor writes the project's own `dist/`.
 */
const root = resolve(import.meta.dirname, '../..');
const entryPoints = [
  'taskpoll',
  'taskpoll/guance',
  'taskpoll/edge',
  'taskpoll/dgc',
  'taskpoll/workflow',
  'taskpoll/testing',
  'taskpoll/otel',
  'taskpoll/redis',
  'taskpoll/bullmq',
];
/** What a clone does not have (`.gitignore`, and git's own `.git`). */
const notInAClone = new Set(['.git', 'node_modules', 'dist', 'coverage', '.tmp']);
let clone: string;
let consumer: string;
let packDir: string;
let tarball: string;
/** The tarball's files, without the `package/` prefix. */
let files: string[];

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'taskpoll-clone-'));
  cpSync(root, clone, {
    recursive: true,
    filter: (source) => {
      const path = relative(root, source);
      return !notInAClone.has(path.split(sep)[0] as string) && !path.endsWith('.tgz');
    },
  });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'), 'dir');
  packDir = mkdtempSync(join(tmpdir(), 'taskpoll-pack-'));
  try {
    npm(['pack', '--pack-destination', packDir], clone);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `npm pack (its prepack builds) failed in a clean copy of the tree:\n${stdout ?? ''}\n${stderr ?? ''}`,
    );
  }
  const name = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error('npm pack produced no tarball');
  tarball = join(packDir, name);
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  consumer = mkdtempSync(join(tmpdir(), 'taskpoll-consumer-'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer);
  // taskpoll/otel's optional peer dependency, as a user of it installs it: our own copy, linked.
  mkdirSync(join(consumer, 'node_modules/@opentelemetry'), { recursive: true });
  symlinkSync(
    realpathSync(join(root, 'node_modules/@opentelemetry/api')),
    join(consumer, 'node_modules/@opentelemetry/api'),
    'dir',
  );
  // taskpoll/bullmq's optional peer, linked the same way (its own dependencies resolve from our tree).
  symlinkSync(realpathSync(join(root, 'node_modules/bullmq')), join(consumer, 'node_modules/bullmq'), 'dir');
}, 240_000);

afterAll(() => {
  for (const dir of [clone, consumer, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every file path in package.json's `main`, `module`, `types` and `exports` (the package's own file excepted). */
function declaredFiles(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.add(value.replace(/^\.\//, ''));
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk([pkg['main'], pkg['module'], pkg['types'], pkg['exports']]);
  out.delete('package.json');
  return [...out].sort();
}

describe('the packed tarball', () => {
  it('package.json builds on prepack, so `npm pack` from a clean clone ships dist/', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['prepack']).toBe('npm run build');
    // Packed from a tree without dist/: every file the manifest points at was built by prepack.
    const declared = declaredFiles();
    expect(declared).toHaveLength(36); // nine entry points × (.js, .cjs, .d.ts, .d.cts)
    expect(files).toEqual(expect.arrayContaining(declared));
  });

  it('contains dist only (plus package.json, README, LICENSE)', () => {
    for (const file of files) expect(file).toMatch(/^(dist\/|package\.json$|README\.md$|LICENSE$)/);
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/index.d.cts');
  });

  it('the published type declarations (hover docs) cite no document the package does not ship', () => {
    const dist = join(consumer, 'node_modules/taskpoll/dist');
    const declarations = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));
    expect(declarations.length).toBeGreaterThanOrEqual(12);
    const cited = declarations.flatMap((file) =>
      readFileSync(join(dist, file), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /DESIGN\.md|PROVIDERS\.md|STYLE\.md|ANCHORS\.md/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(cited).toEqual([]);
  });

  it.each(entryPoints)('import("%s") works from an ESM consumer', (entry) => {
    const script = `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(Number(out.trim())).toBeGreaterThan(0);
  });

  it.each(entryPoints)('require("%s") works from a CJS consumer (p-retry is bundled)', (entry) => {
    const script = `const m = require(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(Number(out.trim())).toBeGreaterThan(0);
  });

  it("@opentelemetry/api (an optional peer) is loaded by taskpoll/otel only, from the user's node_modules", () => {
    const script = `
      const loaded = () => Object.keys(require.cache).filter((f) => f.includes('@opentelemetry')).length;
      require('taskpoll'); require('taskpoll/guance'); require('taskpoll/testing');
      const before = loaded();
      require('taskpoll/otel').instrument().disable();
      console.log(before, loaded() > 0);`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('0 true');
    // ESM too: no built module but taskpoll/otel's own imports the API (chunks shared with it included).
    const dist = join(consumer, 'node_modules/taskpoll/dist');
    const naming = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.c?js$/.test(f))
      .filter((f) => /(from\s*|require\()["']@opentelemetry\/api["']/.test(readFileSync(join(dist, f), 'utf8')));
    expect(naming.sort()).toEqual(['otel.cjs', 'otel.js']);
  });

  it('ioredis stays out: the consumer has none (an optional peer), taskpoll/redis loads without it and taskpoll never reads it', () => {
    const script = `
      const main = require('taskpoll');
      const redis = require('taskpoll/redis');
      let installed = true;
      try { require.resolve('ioredis'); } catch { installed = false; }
      console.log(JSON.stringify({ installed, main: typeof main.createPacer, redis: typeof redis.redisPacer }));`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ installed: false, main: 'function', redis: 'function' });
  });

  it("bullmq (an optional peer) is loaded by taskpoll/bullmq only, from the user's node_modules", () => {
    const script = `
      const loaded = () => Object.keys(require.cache).filter((f) => f.includes('bullmq')).length;
      require('taskpoll'); require('taskpoll/redis'); require('taskpoll/testing');
      const before = loaded();
      const { createWaitQueue, startWaitWorker } = require('taskpoll/bullmq');
      console.log(before, loaded() > 0, typeof createWaitQueue, typeof startWaitWorker);`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('0 true function function');
  });

  it('waitForTask works from the installed package with a user adapter (CJS and ESM share behaviour)', () => {
    const script = `
      const { defineAdapter, waitForTask, isTaskFailedError } = require('taskpoll');
      let n = 0;
      const a = defineAdapter({ provider: 'consumer', async getStatus() { n++; return n < 2 ? { state: 'running', providerState: 'r' } : { state: 'succeeded', providerState: 'ok', result: 7 }; } });
      waitForTask(a, 'x', { initialDelayMs: 1 }).then((s) => console.log(s.result));`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('7');
  });

  it('the taskpoll command runs as installed: node_modules/.bin/taskpoll (ESM) and dist/cli.cjs, exit codes 0, 1, 2, 130', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const taskpoll = join(consumer, 'node_modules/.bin/taskpoll');
    expect(execFileSync(taskpoll, ['--version'], { cwd: consumer, encoding: 'utf8' })).toBe(`${version}\n`);
    const sim = await startSimulator({ timeScale: 1000, rateLimits: false });
    try {
      const env = {
        TASKPOLL_PACING: 'off',
        GUANCE_BASE_URL: sim.guance.baseURL,
        GUANCE_API_KEY: sim.guance.apiKey,
      };
      // The bin loads the library through the package's own name: the installed dist/, ESM and CJS.
      // (Spawned asynchronously: the simulator answers from this process.)
      const esm = await runProcess(taskpoll, ['run', 'guance', '--initial-delay', '20ms'], { cwd: consumer, env });
      expect(esm.code).toBe(0);
      expect(JSON.parse(esm.stdout)).toMatchObject({ clusters: expect.any(Array) });
      const cjs = join(consumer, 'node_modules/taskpoll/dist/cli.cjs');
      const missing = await runProcess(process.execPath, [cjs, 'wait', 'guance', 'x'], { cwd: consumer });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('GUANCE_API_KEY is not set');
      // A task that fails: exit 1, as installed.
      sim.guance.script({ durationMs: 0, outcome: 'failed', message: 'DQL syntax error' });
      const failed = await runProcess(taskpoll, ['run', 'guance', '--initial-delay', '20ms'], { cwd: consumer, env });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('DQL syntax error');
      // SIGINT through the .bin symlink reaches the command itself, which exits with code 130.
      sim.guance.script({ durationMs: 3_600_000_000 });
      const interrupted = await runProcess(taskpoll, ['run', 'guance', '--initial-delay', '20ms'], {
        cwd: consumer,
        env,
        onStderr: (stderr, kill) => {
          if (/\n\S+ running /.test(stderr)) kill('SIGINT');
        },
      });
      expect(interrupted).toMatchObject({ code: 130, signal: null, stdout: '' });
    } finally {
      await sim.close();
    }
    // Five processes that each load the installed library: seconds apiece on a busy machine.
  }, 90_000);

  it('publint finds nothing to fix', () => {
    const cli = join(root, 'node_modules/publint/src/cli.js');
    const out = execFileSync(process.execPath, [cli, tarball, '--strict'], { cwd: root, encoding: 'utf8' });
    expect(out).not.toMatch(/error|warning/i);
  });

  it('are-the-types-wrong passes for every entry point under every resolution, node10 included (exit code 0)', () => {
    const cli = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
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
    import { instrument, type Instrumentation } from 'taskpoll/otel';
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
      const otel: Instrumentation = instrument({});
      // @ts-expect-error a tracer provider has getTracer()
      instrument({ tracerProvider: {} });
      otel.disable();
      // rowSchema's types come from @standard-schema/spec, a dependency: the rows are typed by its output.
      const validate = (value: unknown) => ({ value: Number(value) });
      const types = { input: undefined as unknown, output: 0 };
      const rowSchema = { '~standard': { version: 1 as const, vendor: 'consumer', validate, types } };
      const rows = workflowTasks({ baseURL: 'http://explorer:7002', token: 't', rowSchema }).sampleResult;
      // @ts-expect-error the rows are numbers
      const wrongRows: () => Promise<string[]> = () => rows({ jobId: 1, taskId: 't' });
      void wrongRows;
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
