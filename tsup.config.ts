import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    guance: 'src/providers/guance.ts',
    edge: 'src/providers/edge.ts',
    dgc: 'src/providers/dgc.ts',
    workflow: 'src/providers/workflow.ts',
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
