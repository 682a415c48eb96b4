import { describe, expectTypeOf, it } from 'vitest';
import { defineAdapter, type AdapterRef, type AdapterResult } from '../../src/index.js';

describe('AdapterRef / AdapterResult', () => {
  it('name the ref and result types of any adapter, one with a result type included', () => {
    const adapter = defineAdapter({
      provider: 'types',
      async getStatus(_id: string) {
        return { state: 'succeeded' as const, providerState: 'ok', result: { url: 'x' } };
      },
    });
    const byObject = defineAdapter<{ jobId: string; taskId: string }, number[]>({
      provider: 'types.object',
      taskId: (ref) => ref.taskId,
      async getStatus() {
        return { state: 'running', providerState: '1' };
      },
    });
    expectTypeOf<AdapterRef<typeof adapter>>().toEqualTypeOf<string>();
    expectTypeOf<AdapterResult<typeof adapter>>().toEqualTypeOf<{ url: string }>();
    expectTypeOf<AdapterRef<typeof byObject>>().toEqualTypeOf<{ jobId: string; taskId: string }>();
    expectTypeOf<AdapterResult<typeof byObject>>().toEqualTypeOf<number[]>();
  });
});
