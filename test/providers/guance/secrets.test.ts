import { describe, expect, it } from 'vitest';
import { type TaskFailedError, waitForTask } from '../../../src/index.js';
import { guanceLogmine } from '../../../src/providers/guance/index.js';
import {
  API_KEY,
  FAST,
  QUERY,
  TASK_ID,
  api,
  clock,
  errorBody,
  expectNoKey,
  make,
  statusBody,
  useGuanceNock,
} from './harness.js';

useGuanceNock();

describe('the api key never leaks', () => {
  it('not in errors of options, envelopes, validation, auth, rate limits or the network', async () => {
    const errors: unknown[] = [];
    for (const apiKey of [`${API_KEY}\n`, `${API_KEY}é`, ` ${API_KEY}`]) {
      try {
        guanceLogmine({ apiKey });
      } catch (error) {
        errors.push(error);
      }
    }
    try {
      guanceLogmine({ apiKey: API_KEY, site: API_KEY as never });
    } catch (error) {
      errors.push(error);
    }
    // A provider that echoes the key in its message text.
    const echo = `invalid key ${API_KEY}`;
    api()
      .get(QUERY)
      .query(true)
      .reply(403, errorBody(403, 'ft.InvalidAPIKey', echo))
      .get(QUERY)
      .query(true)
      .reply(200, errorBody(400, 'ft.Bad', echo))
      .get(QUERY)
      .query(true)
      .reply(401, errorBody(401, 'ft.TriggerApiAkCurrentLimiting', echo))
      .get(QUERY)
      .query(true)
      .reply(200, { ...statusBody('failed'), message: echo })
      .get(QUERY)
      .query(true)
      .reply(200, { nope: API_KEY })
      .get(QUERY)
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    // A fresh adapter each time: the rate-limit answer pauses the adapter that received it.
    for (let i = 0; i < 6; i += 1)
      errors.push(await clock.failure(waitForTask(make(), TASK_ID, { ...FAST, retry: false })));
    expect(errors).toHaveLength(10);
    expect((errors[7] as TaskFailedError).status.message).toContain('[redacted]');
    for (const error of errors) expectNoKey(error);
  });
});
