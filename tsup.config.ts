import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    guance: 'src/providers/guance/index.ts',
    edge: 'src/providers/edge/index.ts',
    dgc: 'src/providers/dgc/index.ts',
    workflow: 'src/providers/workflow/index.ts',
    testing: 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  // p-retry 7 is ESM-only: bundle it so that `require('taskpoll')` works.
  noExternal: ['p-retry', 'is-network-error'],
});
