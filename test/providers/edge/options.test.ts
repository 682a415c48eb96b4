// The factory's options: what it makes, what it refuses and accepts.
import { Agent as HttpsAgent } from 'node:https';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { edgeLogDump, EDGE_DEFAULTS, type EdgeLogDumpOptions } from '../../../src/providers/edge/index.js';
import { ID, TASK_PATH, task } from './mef.js';
import { BASE, signal, useMefNock } from './nock-setup.js';

const { make, settle } = useMefNock();

describe('edgeLogDump options', () => {
  it('makes an adapter named edge.logDump with no cancel (MEF has no cancel call)', () => {
    const edge = make();
    expect(edge.provider).toBe('edge.logDump');
    expect(edge.cancel).toBeUndefined();
    expect(typeof edge.submit).toBe('function');
    expect(typeof edge.download).toBe('function');
    expect(EDGE_DEFAULTS.pacing).toEqual({ maxConcurrency: 1, requestsPerInterval: 1, intervalMs: 100 });
    expect(EDGE_DEFAULTS.downloadTimeoutMs).toBe(2 * 60 * 60 * 1000);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'https://mef.test', /options must be an object/],
    ['an unknown option', { baseURL: BASE, rejectUnauthorized: false }, /unknown option "rejectUnauthorized"/],
    ['no baseURL', {}, /baseURL must be a URL string/],
    ['a baseURL with a query', { baseURL: `${BASE}/?x=1` }, /must not have a query/],
    [
      'tls and httpsAgent together',
      { baseURL: BASE, tls: {}, httpsAgent: new HttpsAgent() },
      /either tls or httpsAgent/,
    ],
    ['tls with an http baseURL', { baseURL: 'http://mef.test', tls: {} }, /baseURL must use https when tls is given/],
    [
      'httpsAgent with an http baseURL',
      { baseURL: 'http://mef.test', httpsAgent: new HttpsAgent() },
      /must use https when httpsAgent/,
    ],
    ['an httpsAgent that is not one', { baseURL: BASE, httpsAgent: {} }, /httpsAgent must be an https.Agent/],
    [
      'an httpsAgent that does not verify the server',
      { baseURL: BASE, httpsAgent: new HttpsAgent({ rejectUnauthorized: false }) },
      /rejectUnauthorized: false; the MEF server certificate is always verified/,
    ],
    ['tls that is not an object', { baseURL: BASE, tls: 'pem' }, /tls must be an object/],
    [
      'tls.rejectUnauthorized',
      { baseURL: BASE, tls: { rejectUnauthorized: false } },
      /unknown tls option "rejectUnauthorized": the server certificate is always verified/,
    ],
    ['a bad downloadTimeoutMs', { baseURL: BASE, downloadTimeoutMs: 0 }, /downloadTimeoutMs must be from 1/],
    ['a bad maxDownloadBytes', { baseURL: BASE, maxDownloadBytes: -1 }, /maxDownloadBytes must be from 1/],
    ['a bad requestTimeoutMs', { baseURL: BASE, requestTimeoutMs: 'soon' }, /requestTimeoutMs must be a number/],
    ['bad pacing', { baseURL: BASE, pacing: { maxConcurrency: 0 } }, /pacing.maxConcurrency/],
  ])('rejects %s with a TypeError or RangeError', (_name, options, message) => {
    let thrown: unknown;
    try {
      edgeLogDump(options as EdgeLogDumpOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });

  it('accepts an http baseURL without tls (plain text: simulator or TLS-terminating sidecar), and pacing: false', async () => {
    const edge = make({ baseURL: 'http://127.0.0.1:9', pacing: false, maxDownloadBytes: Number.POSITIVE_INFINITY });
    const scope = nock('http://127.0.0.1:9').get(TASK_PATH).query({ taskId: ID }).reply(200, task('processing'));
    const value = await settle(edge.getStatus(ID, { signal: signal() }));
    expect(value?.state).toBe('running');
    scope.done();
  });
});
