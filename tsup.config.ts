import { dirname, relative, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/** The public entry points: name in `dist/`, source, and the specifier a user imports them by. */
const ENTRIES = {
  index: ['src/index.ts', 'taskpoll'],
  guance: ['src/providers/guance/index.ts', 'taskpoll/guance'],
  edge: ['src/providers/edge/index.ts', 'taskpoll/edge'],
  dgc: ['src/providers/dgc/index.ts', 'taskpoll/dgc'],
  workflow: ['src/providers/workflow/index.ts', 'taskpoll/workflow'],
  testing: ['src/testing/index.ts', 'taskpoll/testing'],
  otel: ['src/otel/index.ts', 'taskpoll/otel'],
  redis: ['src/redis/index.ts', 'taskpoll/redis'],
  bullmq: ['src/bullmq/index.ts', 'taskpoll/bullmq'],
} as const;

const root = import.meta.dirname;
const specifierOf = new Map(Object.values(ENTRIES).map(([source, specifier]) => [resolve(root, source), specifier]));

/**
 * The command uses the library as a user does, through its public entry points: its imports of an
 * entry file become imports of the package by name (which Node resolves to this package's own
 * `dist/`, ESM or CJS), so the library is not bundled twice. Any other import outside `src/cli/` is
 * refused: the command may use nothing a user cannot.
 */
const publicEntriesOnly: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'taskpoll-public-entries',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = resolve(dirname(args.importer), args.path.replace(/\.js$/, '.ts'));
      const specifier = specifierOf.get(path);
      if (specifier) return { path: specifier, external: true };
      const inside = relative(resolve(root, 'src/cli'), path);
      if (!inside.startsWith('..') || path === resolve(root, 'package.json')) return undefined;
      return { errors: [{ text: `src/cli imports ${relative(root, path)}: use a public entry point` }] };
    });
  },
};

export default defineConfig([
  {
    entry: Object.fromEntries(Object.entries(ENTRIES).map(([name, [source]]) => [name, source])),
    format: ['esm', 'cjs'],
    dts: true,
    // The command's build below writes cli.* and cli-chunks/ at the same time: leave them be.
    clean: ['!cli.*', '!cli-chunks/**'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    // p-retry 7 is ESM-only: bundle it so that `require('taskpoll')` works.
    noExternal: ['p-retry', 'is-network-error'],
    // Optional peer dependencies: the user's own copies, never bundled (@opentelemetry/api is loaded by
    // taskpoll/otel only; ioredis is never loaded, only its types are referenced by taskpoll/redis;
    // bullmq is loaded by taskpoll/bullmq only, and breaks when bundled into the ESM build).
    external: ['@opentelemetry/api', 'ioredis', 'bullmq'],
  },
  {
    // The `taskpoll` command: `bin` is dist/cli.js; dist/cli.cjs is the same command on the CJS build.
    // The `#!/usr/bin/env node` line comes from src/cli/bin.ts (esbuild keeps an entry's hashbang), so
    // only these two files carry it. Splitting keeps the lazily imported parts in their own chunks:
    // `--version` loads none of them.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm', 'cjs'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    esbuildPlugins: [publicEntriesOnly],
    esbuildOptions(options) {
      options.chunkNames = 'cli-chunks/[name]-[hash]';
    },
  },
]);
