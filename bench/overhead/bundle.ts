/**
 * Builds bench/overhead/entry.ts the way the package is built (tsup, ESM, target node20, p-retry
 * bundled, tree-shaken, no `keepNames`) into a temporary directory, from the working tree or from the
 * `src/` of a git revision. Running the sources through tsx instead would measure esbuild's
 * `keepNames` helper too (an `Object.defineProperty` on every closure the library creates), which
 * the published build does not have. Nothing is written to dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'tsup';

/** The library as the benchmarks use it. */
export type BenchLibrary = typeof import('./entry.js');

/** A built copy of the library. */
export interface Bundle {
  /** What was built: `'working tree'` or the revision. */
  source: string;
  lib: BenchLibrary;
  /** Path of the built entry (a child process can import it). */
  entryPath: string;
  /** Removes the temporary directory. */
  dispose(): void;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** True when `revision` names a commit of this repository (and git is there). */
export function hasRevision(revision: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', `${revision}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the library from the working tree, or from `revision`'s `src/` when given, or from the `src/`
 * under `root` (a copy of the repository being tried out).
 */
export async function bundleLibrary(revision?: string, root?: string): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'taskpoll-bench-'));
  try {
    // The bundle imports axios and zod: resolve them from the repository's node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    root ??= ROOT;
    if (revision !== undefined) {
      root = join(dir, 'tree');
      mkdirSync(join(root, 'bench', 'overhead'), { recursive: true });
      const archive = execFileSync('git', ['archive', '--format=tar', revision, 'src'], {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
      });
      execFileSync('tar', ['-x', '-C', root], { input: archive });
      // The same three exports as entry.ts, from wherever that revision kept them (the layout moved).
      writeFileSync(join(root, 'bench', 'overhead', 'entry.ts'), entryFor(root));
    }
    const outDir = join(dir, 'out');
    await build({
      config: false,
      entry: { entry: join(root, 'bench', 'overhead', 'entry.ts') },
      outDir,
      format: ['esm'],
      dts: false,
      clean: false,
      sourcemap: false,
      target: 'node20',
      platform: 'node',
      splitting: true,
      treeshake: true,
      noExternal: ['p-retry', 'is-network-error'],
      silent: true,
    });
    // An ES module package of its own, so that Node (and tsx, when the caller runs under it) loads the
    // bundle as it is, without any further transform.
    writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
    const entryPath = join(outDir, 'entry.js');
    const lib = (await import(pathToFileURL(entryPath).href)) as BenchLibrary;
    return {
      source: revision ?? (root === ROOT ? 'working tree' : root),
      lib,
      entryPath,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** entry.ts for a tree of another revision: the HTTP client and the Guance factory moved over time. */
function entryFor(tree: string): string {
  const first = (...paths: string[]): string => {
    const found = paths.find((path) => existsSync(join(tree, path)));
    if (found === undefined) throw new Error(`none of ${paths.join(', ')} in the revision's tree`);
    return `../../${found.replace(/\.ts$/, '.js')}`;
  };
  const client = first('src/internal/http/client.ts', 'src/internal/http.ts', 'src/core/http.ts');
  const guance = first('src/providers/guance/index.ts', 'src/providers/guance.ts');
  return [
    "export { waitForTask, defineAdapter } from '../../src/index.js';",
    `export { createHttpClient } from '${client}';`,
    `export { guanceLogmine } from '${guance}';`,
    '',
  ].join('\n');
}
