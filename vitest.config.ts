import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The examples import the package by name, as user code does: map the names to the sources (as
  // tsconfig.json's `paths` does for tsc and tsx), so their tests need no build.
  resolve: {
    alias: [
      { find: /^taskpoll$/, replacement: source('./src/index.ts') },
      { find: /^taskpoll\/guance$/, replacement: source('./src/providers/guance/index.ts') },
      { find: /^taskpoll\/edge$/, replacement: source('./src/providers/edge/index.ts') },
      { find: /^taskpoll\/dgc$/, replacement: source('./src/providers/dgc/index.ts') },
      { find: /^taskpoll\/workflow$/, replacement: source('./src/providers/workflow/index.ts') },
      { find: /^taskpoll\/testing$/, replacement: source('./src/testing/index.ts') },
      { find: /^taskpoll\/otel$/, replacement: source('./src/otel/index.ts') },
      { find: /^taskpoll\/redis$/, replacement: source('./src/redis/index.ts') },
      { find: /^taskpoll\/bullmq$/, replacement: source('./src/bullmq/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    restoreMocks: true,
  },
});
