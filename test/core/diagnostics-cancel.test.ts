import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { TaskAbortedError, waitForTask, type CancelMessage, type WaitContext } from '../../src/index.js';
import { expectNoSecrets } from '../reliability/helpers.js';
import {
  BASE,
  JOB,
  JOB_PATH,
  TASK,
  TOKEN,
  errorBody,
  fast,
  fixture,
  one,
  useWorkflowHarness,
} from '../providers/workflow/harness.js';
import { messages, names, record } from './diagnostics-harness.js';

/**
 * `taskpoll:cancel`: the remote cancel of an aborted wait with `cancelOnAbort`, through the workflow
 * factory over nock in fake time, and how it went; the wait's trace ends with the TaskAbortedError
 * after it. No message carries the adapter's token, even where the provider echoes it.
 */

const { make, failure } = useWorkflowHarness();

/** Waits for the job's task, aborting the wait at its first status; cancelOnAbort on. */
async function abortedWait() {
  const wf = make({ baseURL: BASE, token: TOKEN });
  const controller = new AbortController();
  return failure(
    waitForTask(
      wf,
      { jobId: JOB, taskId: TASK },
      {
        ...fast,
        cancelOnAbort: true,
        onProgress: () => controller.abort(new Error('shutting down')),
        signal: controller.signal,
      },
    ),
  );
}

describe('taskpoll:cancel', () => {
  it('an abort with cancelOnAbort: the cancel accepted, then the wait ends aborted', async () => {
    const scope = nock(BASE)
      .get(JOB_PATH)
      .reply(200, one(1))
      .put(`${JOB_PATH}/cancel`)
      .reply(200, fixture('success.json'));
    const events = record();
    const error = await abortedWait();
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(scope.isDone()).toBe(true);
    expect(names(events).slice(-4)).toEqual(['cancel.publish', 'wait.error', 'wait.asyncStart', 'wait.asyncEnd']);
    const [cancel] = messages(events, 'cancel') as unknown as CancelMessage[];
    const wait = messages(events, 'wait', 'start')[0] as unknown as WaitContext;
    expect(cancel).toMatchObject({
      provider: 'workflow.task',
      taskId: TASK,
      ok: true,
      error: undefined,
      durationMs: 0,
    });
    expect(cancel?.wait).toBe(wait);
    expect(wait).toMatchObject({ outcome: 'aborted', attempts: 1, error });
    expect(wait.options.cancelOnAbort).toBe(true);
  });

  it('a cancel the provider refuses: ok false with its error, which carries no token', async () => {
    const echo = `token ${TOKEN} is not allowed to cancel`;
    nock(BASE).get(JOB_PATH).reply(200, one(1)).put(`${JOB_PATH}/cancel`).reply(403, errorBody(40300000, echo));
    const events = record();
    const error = await abortedWait();
    expect(error).toBeInstanceOf(TaskAbortedError);
    const [cancel] = messages(events, 'cancel') as unknown as CancelMessage[];
    expect(cancel?.ok).toBe(false);
    expect(cancel?.error).toBe((error as TaskAbortedError).remoteCancel?.error);
    expect(cancel?.error?.code).toBe('PROVIDER_ERROR');
    for (const event of events) expectNoSecrets(event.message, [TOKEN]);
  });
});
