import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollTask, waitForTask } from '../../../src/index.js';
import { GUANCE_SITES, guanceLogmine, type GuanceLogmineOptions } from '../../../src/providers/guance/index.js';
import { API_KEY, BASE, SEND_OK, clock, expectNoKey, make, useGuanceNock } from './harness.js';

useGuanceNock();

// Every test here ends before a request: the API answers anything at every site, and counts it.
let requests = 0;
beforeEach(() => {
  requests = 0;
  const count = () => {
    requests += 1;
    return [200, SEND_OK] as const;
  };
  for (const base of [BASE, ...Object.values(GUANCE_SITES)]) {
    nock(base).persist().post(/.*/).reply(count).get(/.*/).reply(count);
  }
});
afterEach(() => {
  expect(requests).toBe(0);
});

describe('guanceLogmine options are checked before any request', () => {
  const badFactoryOptions: [string, unknown, ErrorConstructor, RegExp][] = [
    ['no options', undefined, TypeError, /options must be an object/],
    ['apiKey missing', {}, TypeError, /apiKey must be a non-empty string, got undefined/],
    ['apiKey empty', { apiKey: '' }, TypeError, /apiKey must be a non-empty string/],
    ['apiKey a number', { apiKey: 42 }, TypeError, /apiKey must be a non-empty string, got 42/],
    ['apiKey with CRLF', { apiKey: `${API_KEY}\r\nX-Evil: 1` }, TypeError, /control characters/],
    ['apiKey with NUL', { apiKey: `${API_KEY}\u0000` }, TypeError, /control characters/],
    ['apiKey non-ASCII', { apiKey: `${API_KEY}é` }, TypeError, /printable ASCII/],
    ['apiKey padded', { apiKey: ` ${API_KEY} ` }, TypeError, /whitespace/],
    [
      'site and baseURL',
      { apiKey: API_KEY, site: 'cn1', baseURL: 'https://openapi.example.com' },
      TypeError,
      /site or baseURL, not both/,
    ],
    [
      'unknown site',
      { apiKey: API_KEY, site: 'cn3' },
      RangeError,
      /site must be one of cn1, cn2, cn4, cn5, cn6, us1, eu1, ap1, za1, id1/,
    ],
    ['site "toString"', { apiKey: API_KEY, site: 'toString' }, RangeError, /site must be one of/],
    ['site a number', { apiKey: API_KEY, site: 1 }, TypeError, /site must be a string/],
    ['baseURL not a URL', { apiKey: API_KEY, baseURL: 'openapi.guance.com' }, TypeError, /baseURL must be an absolute/],
    [
      'baseURL with credentials',
      { apiKey: API_KEY, baseURL: 'https://u:p@openapi.example.com' },
      TypeError,
      /credentials/,
    ],
    ['unknown option', { apiKey: API_KEY, region: 'cn1' }, TypeError, /unknown option "region"/],
    ['requestTimeoutMs negative', { apiKey: API_KEY, requestTimeoutMs: -1 }, RangeError, /requestTimeoutMs/],
    ['pacing a string', { apiKey: API_KEY, pacing: 'fast' }, TypeError, /pacing must be false or an object/],
    [
      'pacing with a bad key',
      { apiKey: API_KEY, pacing: { perMinute: 20 } },
      TypeError,
      /Unknown pacing option "perMinute"/,
    ],
    ['pacing zero', { apiKey: API_KEY, pacing: { requestsPerInterval: 0 } }, RangeError, /requestsPerInterval/],
    ['axios not an instance', { apiKey: API_KEY, axios: {} }, TypeError, /axios must be an axios instance/],
  ];
  it.each(badFactoryOptions)('guanceLogmine: %s', (_name, options, type, message) => {
    let error: unknown;
    try {
      guanceLogmine(options as GuanceLogmineOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expectNoKey(error);
  });
});

describe('submit input and task ids are checked before any request', () => {
  const badInputs: [string, unknown, ErrorConstructor, RegExp][] = [
    ['no input', undefined, TypeError, /submit input must be an object/],
    ['analysisField missing', {}, TypeError, /analysisField must be a non-empty string/],
    ['analysisField blank', { analysisField: '  ' }, TypeError, /analysisField/],
    ['unknown field', { analysisField: 'message', filter: 'x' }, TypeError, /unknown submit input "filter"/],
    [
      'unknown namespace',
      { analysisField: 'message', namespace: 'logs' },
      RangeError,
      /namespace must be one of object, object_history/,
    ],
    ['query empty', { analysisField: 'message', query: '' }, TypeError, /query must be a non-empty DQL string/],
    ['conditions a number', { analysisField: 'message', conditions: 1 }, TypeError, /conditions must be a string/],
    ['highlight a string', { analysisField: 'message', highlight: 'yes' }, TypeError, /highlight must be a boolean/],
    [
      'timeRange not a pair',
      { analysisField: 'message', timeRange: [1] },
      TypeError,
      /timeRange must be a \[start, end\] pair/,
    ],
    ['timeRange three items', { analysisField: 'message', timeRange: [1, 2, 3] }, TypeError, /pair/],
    [
      'timeRange start after end',
      { analysisField: 'message', timeRange: [2000, 1000] },
      RangeError,
      /start \(2000\) must not be after its end \(1000\)/,
    ],
    [
      'timeRange Dates reversed',
      { analysisField: 'message', timeRange: [new Date(2000), new Date(1000)] },
      RangeError,
      /must not be after/,
    ],
    [
      'timeRange invalid Date',
      { analysisField: 'message', timeRange: [new Date('nope'), 1] },
      RangeError,
      /timeRange\[0\] \(start\) is an invalid Date/,
    ],
    [
      'timeRange in seconds with a fraction',
      { analysisField: 'message', timeRange: [1.5, 2] },
      RangeError,
      /whole number of epoch milliseconds/,
    ],
    ['timeRange negative', { analysisField: 'message', timeRange: [-1, 2] }, RangeError, /epoch milliseconds/],
    [
      'timeRange a string',
      { analysisField: 'message', timeRange: ['2023-05-08', 2] },
      TypeError,
      /Date or epoch milliseconds/,
    ],
    [
      'timeRange NaN end',
      { analysisField: 'message', timeRange: [1, Number.NaN] },
      TypeError,
      /timeRange\[1\] \(end\)/,
    ],
  ];
  it.each(badInputs)('submit: %s', async (_name, input, type, message) => {
    const error = await clock.failure(make().submit(input as never));
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('submit: a signal that is not an AbortSignal, or an unknown option', async () => {
    await expect(make().submit({ analysisField: 'message' }, { signal: {} as AbortSignal })).rejects.toThrow(TypeError);
    await expect(make().submit({ analysisField: 'message' }, { timeoutMs: 1 } as never)).rejects.toThrow(
      /unknown submit option "timeoutMs"/,
    );
  });

  it.each<[string, unknown]>([
    ['an empty task id', ''],
    ['a task id with a newline', 'task\nid'],
    ['a number', 42.5],
    ['".."', '..'],
  ])('waitForTask / pollTask with %s: TypeError', async (_name, ref) => {
    await expect(waitForTask(make(), ref as string)).rejects.toThrow(TypeError);
    expect(() => pollTask(make(), ref as string)).toThrow(TypeError);
  });
});
