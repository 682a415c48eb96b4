/**
 * The server's side of the request log: each request gets a record as soon as it is routed (so a hung
 * or reset request still shows up), and the record learns how the request ended.
 */
import type { ServerResponse } from 'node:http';
import type { InternalClock } from '../clock.js';
import { recordBody, recordHeaders, recordQuery, type OpenRecord, type Recorder } from '../recorder.js';
import { encode, type ProviderModule, type Route, type SimRequest, type SimResponse } from './route.js';

/** Starts the record of a request, credentials redacted, with both clocks' time of arrival. */
export function openRecord(
  recorder: Recorder,
  clock: InternalClock,
  request: SimRequest,
  module: ProviderModule | undefined,
  route: Route | undefined,
): OpenRecord {
  return recorder.open({
    time: Date.now(),
    simTime: clock.now(),
    provider: module?.name,
    route: route?.id,
    method: request.method,
    path: request.rawPath,
    query: recordQuery(request.query),
    headers: recordHeaders(request.rawHeaders),
    body: recordBody(request.body, request.headers['content-type']),
  });
}

/** Sends an answer and notes it on the record. */
export function send(res: ServerResponse, record: OpenRecord, response: SimResponse): void {
  record.status = response.status;
  record.outcome = 'answered';
  const { payload, contentType } = encode(response);
  // The client may have gone (or a fault destroyed the socket) while the answer was being made.
  if (res.destroyed) return;
  res.writeHead(response.status, {
    ...response.headers,
    'Content-Type': contentType,
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}
