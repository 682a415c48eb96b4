import { describe, expect, it } from 'vitest';
import { AuthenticationError, ProviderError } from '../../../src/index.js';
import { SEND, api, clock, errorBody, make, useGuanceNock } from './harness.js';

useGuanceNock();

describe('submit', () => {
  it('sends only the given fields, analysisField last; a 500 is not retried', async () => {
    let body: unknown;
    let requests = 0;
    api()
      .post(SEND)
      .times(3)
      .reply((_uri, sent) => {
        requests += 1;
        body = sent;
        return [500, errorBody(500, 'ft.InternalError')];
      });
    const error = await clock.failure(
      make().submit({ analysisField: 'message', query: 'L::`*`:(`__docid`, `message`){}' }),
    );
    expect(body).toEqual({ query: 'L::`*`:(`__docid`, `message`){}', analysisField: 'message' });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerCode: 'ft.InternalError', transient: true, httpStatus: 500 });
    expect(requests).toBe(1);
  });

  it('a 403 ft.InvalidAPIKey: AuthenticationError', async () => {
    api().post(SEND).reply(403, errorBody(403, 'ft.InvalidAPIKey'));
    await expect(make().submit({ analysisField: 'message' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('an aborted signal stops it before the request', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(make().submit({ analysisField: 'message' }, { signal: controller.signal })).rejects.toThrow('stop');
  });
});
