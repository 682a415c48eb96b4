/**
 * The schedules compared. Real packages are driven where they can be (taskpoll's own pollTask,
 * @smithy/util-waiter, @azure/core-lro, p-retry); google-gax's LRO backoff is implemented from its
 * documented formula (see RESULTS.md for why).
 */
import { createHttpPoller, type OperationResponse } from '@azure/core-lro';
import { createWaiter, WaiterState } from '@smithy/util-waiter';
import pRetry from 'p-retry';
import { defineAdapter } from '../../src/core/adapter.js';
import type { WaitOptions } from '../../src/core/options.js';
import { waitForTask } from '../../src/core/poller.js';
import type { Driver } from './drive.js';

/** taskpoll's real `waitForTask` over a `defineAdapter` adapter; `reportProgress` adds `progress`. */
export function taskpoll(options: WaitOptions, reportProgress: boolean): Driver {
  return async (probe, index) => {
    const adapter = defineAdapter({
      provider: 'bench.fleet',
      async getStatus() {
        const { done, progress } = probe.poll();
        if (done) return { state: 'succeeded', providerState: 'done' };
        return reportProgress
          ? { state: 'running', providerState: 'running', progress }
          : { state: 'running', providerState: 'running' };
      },
    });
    await waitForTask(adapter, `task-${index}`, { timeoutMs: Number.POSITIVE_INFINITY, ...options });
    probe.finish(true);
  };
}

/** The AWS SDK v3 waiter: @smithy/util-waiter `createWaiter`, minDelay 2 s, maxDelay 120 s. */
export function awsWaiter(): Driver {
  return async (probe) => {
    const result = await createWaiter(
      { client: {}, maxWaitTime: 7 * 24 * 3600, minDelay: 2, maxDelay: 120 },
      {},
      async () => ({ state: probe.poll().done ? WaiterState.SUCCESS : WaiterState.RETRY }),
    );
    probe.finish(result.state === WaiterState.SUCCESS);
  };
}

/** Azure core-lro v3 `createHttpPoller` (Operation-Location mode), its default 2 s interval. */
export function azureLro(): Driver {
  return async (probe) => {
    const opUrl = 'https://bench.invalid/operations/1';
    const request = { url: 'https://bench.invalid/jobs', method: 'POST', headers: {} };
    const response = (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
    ): OperationResponse<unknown> =>
      ({
        flatResponse: body,
        rawResponse: { statusCode: status, request, headers, body },
      }) as unknown as OperationResponse<unknown>;
    const poller = createHttpPoller(
      {
        // The submit: it starts the task and is not counted as a poll.
        sendInitialRequest: async () => response(202, {}, { 'operation-location': opUrl }),
        sendPollRequest: async () => response(200, { status: probe.poll().done ? 'Succeeded' : 'Running' }),
      },
      { skipFinalGet: true },
    );
    await poller.pollUntilDone();
    probe.finish(true);
  };
}

/** google-gax LRO polling, from its documented formula: immediate, then 100 ms × 1.3 up to 60 s, no jitter. */
export function gaxFormula(): Driver {
  return async (probe) => {
    let delay = 100;
    while (!probe.poll().done) {
      await new Promise<void>((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 1.3, 60_000);
    }
    probe.finish(true);
  };
}

/** p-retry 7 with its defaults (retries 10, factor 2, minTimeout 1 s, no randomization): gives up after 11 calls. */
export function pRetryDefaults(): Driver {
  return async (probe) => {
    try {
      await pRetry(() => {
        if (!probe.poll().done) throw new Error('not done yet');
      });
      probe.finish(true);
    } catch {
      probe.finish(false);
    }
  };
}
