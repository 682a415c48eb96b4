import { describe, expect, it } from 'vitest';

/**
 * The public surface of every entry point, pinned: adding or removing an export is a deliberate change
 * to this snapshot. Runs against the sources; test/package/pack.test.ts checks the built tarball.
 */
const entries = {
  taskpoll: () => import('../../src/index.js'),
  'taskpoll/guance': () => import('../../src/providers/guance/index.js'),
  'taskpoll/edge': () => import('../../src/providers/edge/index.js'),
  'taskpoll/dgc': () => import('../../src/providers/dgc/index.js'),
  'taskpoll/workflow': () => import('../../src/providers/workflow/index.js'),
  'taskpoll/testing': () => import('../../src/testing/index.js'),
  'taskpoll/otel': () => import('../../src/otel/index.js'),
  'taskpoll/redis': () => import('../../src/redis/index.js'),
  'taskpoll/bullmq': () => import('../../src/bullmq/index.js'),
};

describe('export lists', () => {
  it.each(Object.entries(entries))('%s', async (name, load) => {
    const mod = (await load()) as Record<string, unknown>;
    const names = Object.keys(mod).sort();
    expect(names).toMatchSnapshot(name);
  });
});
