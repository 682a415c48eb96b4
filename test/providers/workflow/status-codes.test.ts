/**
 * workflowTaskState: the docs' job and task status codes onto TaskState.
 */
import { describe, expect, it } from 'vitest';
import { workflowTaskState } from '../../../src/providers/workflow/index.js';

describe('workflowTaskState', () => {
  it.each([
    [0, 'queued'],
    [1, 'running'],
    [2, 'succeeded'],
    [3, 'failed'],
    [4, 'cancelled'],
    [5, 'cancelling'],
    ['2', 'succeeded'],
    [6, 'unknown'],
    [-1, 'unknown'],
    [2.5, 'unknown'],
    ['Success', 'unknown'],
    ['', 'unknown'],
  ] as const)('%j → %s', (code, state) => {
    expect(workflowTaskState(code)).toBe(state);
  });
});
