import { describe, expect, it } from 'vitest';
import { WAIT_DEFAULTS, defineAdapter, waitForTask } from '../../src/index.js';
import { dgcSystemTasks } from '../../src/providers/dgc/index.js';
import { edgeLogDump } from '../../src/providers/edge/index.js';
import { guanceLogmine } from '../../src/providers/guance/index.js';
import { workflowTasks } from '../../src/providers/workflow/index.js';

const adapter = defineAdapter({
  provider: 'test.options',
  async getStatus() {
    return { state: 'succeeded' as const, providerState: 'ok' };
  },
});

/** The message of what `run` throws (synchronously or as a rejection). */
async function messageOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected it to throw');
}

describe('WAIT_DEFAULTS', () => {
  it('is frozen, nested objects included: a write throws and waits keep the documented defaults', async () => {
    expect(Object.isFrozen(WAIT_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(WAIT_DEFAULTS.retry)).toBe(true);
    expect(() => {
      (WAIT_DEFAULTS as { timeoutMs: number }).timeoutMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      (WAIT_DEFAULTS.retry as { retries: number }).retries = 0;
    }).toThrow(TypeError);
    expect(WAIT_DEFAULTS.timeoutMs).toBe(1_800_000);
    expect(WAIT_DEFAULTS.retry.retries).toBe(4);
  });
});

describe('an unknown option name suggests the closest known one', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'wait option',
      () => waitForTask(adapter, 't', { timeout: 1000 } as never),
      'Unknown wait option "timeout" (did you mean "timeoutMs"?)',
    ],
    [
      'wait option, other case',
      () => waitForTask(adapter, 't', { Signal: undefined } as never),
      'Unknown wait option "Signal" (did you mean "signal"?)',
    ],
    [
      'retry option',
      () => waitForTask(adapter, 't', { retry: { tries: 1 } } as never),
      'Unknown retry option "tries" (did you mean "retries"?)',
    ],
    [
      'pacing option',
      () => guanceLogmine({ apiKey: 'k', pacing: { interval: 1000 } as never }),
      'Unknown pacing option "interval" (did you mean "intervalMs"?)',
    ],
    [
      'guance option',
      () => guanceLogmine({ apiKey: 'k', baseUrl: 'https://x' } as never),
      'guance.logmine: unknown option "baseUrl" (did you mean "baseURL"?)',
    ],
    [
      'edge option',
      () => edgeLogDump({ baseURL: 'https://mef.test', downloadTimeout: 5 } as never),
      'edge.logDump: unknown option "downloadTimeout" (did you mean "downloadTimeoutMs"?)',
    ],
    [
      'dgc option',
      () => dgcSystemTasks({ region: 'cn-north-4', projectID: 'p', auth: { token: 't' } } as never),
      'dgc.systemTask: unknown option "projectID" (did you mean "projectId"?)',
    ],
    [
      'workflow option',
      () => workflowTasks({ baseURL: 'https://wf.test', tokenn: 'x' } as never),
      'workflow.task: unknown option "tokenn" (did you mean "token"?)',
    ],
    ['a name close to none', () => waitForTask(adapter, 't', { bogus: 1 } as never), 'Unknown wait option "bogus"'],
  ];
  it.each(cases)('%s', async (_name, run, message) => {
    expect(await messageOf(run)).toBe(message);
  });
});

describe('a bad string value is shown when the option is not a credential', () => {
  it('waitForTask: the value, JSON-quoted', async () => {
    expect(await messageOf(() => waitForTask(adapter, 't', { timeoutMs: 'soon' } as never))).toBe(
      'timeoutMs must be a number of milliseconds, got "soon"',
    );
    expect(await messageOf(() => waitForTask(adapter, 't', { acceptPartial: 'yes' } as never))).toBe(
      'acceptPartial must be a boolean, got "yes"',
    );
    expect(await messageOf(() => waitForTask(adapter, 't', { retry: { retries: '3' } } as never))).toBe(
      'retry.retries must be a number, got "3"',
    );
  });

  it('a long value is clipped, and control characters are escaped', async () => {
    const long = `30 minutes\r\n${'x'.repeat(100)}`;
    const message = await messageOf(() => waitForTask(adapter, 't', { jitter: long } as never));
    expect(message).toBe(`jitter must be a number, got "30 minutes\\r\\n${'x'.repeat(20)}"… (a string of length 112)`);
    expect(message).not.toContain('\n');
  });

  it('a provider factory option too', async () => {
    expect(await messageOf(() => edgeLogDump({ baseURL: 'https://mef.test', requestTimeoutMs: 'soon' } as never))).toBe(
      'requestTimeoutMs must be a number of milliseconds, got "soon"',
    );
  });
});
