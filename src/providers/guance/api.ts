/**
 * The logmine Open API on the wire: the provider's name, the two calls' paths, and the shapes of
 * their answers. Every answer comes in Guance's standard envelope (`{ code, content, errorCode,
 * message, success, traceId }`, https://docs.guance.com/en/open-api/); `content` is per call
 * (`logmine/sendtask.md`, `logmine/querytask.md` in https://github.com/GuanceCloud/guance-docs).
 *
 * The schemas are strict on the documented fields and open to others, so a field Guance adds later
 * passes through (and stays in a status's `raw`).
 *
 * @internal
 */
import { z } from 'zod';
import { clusterSchema } from './clusters.js';

/** The provider name on every status and error. */
export const PROVIDER = 'guance.logmine';
/** Starts a clustering task. */
export const SEND_PATH = '/api/v1/logmine/send_task';
/** Reads a task's status and, once it is `ok`, its clusters. */
export const QUERY_PATH = '/api/v1/logmine/query_task';

/** `traceId`: the doc table says Boolean, the examples send a numeric string. */
const traceId = z.union([z.string(), z.number(), z.boolean()]);

/** The standard envelope. */
const envelope = z.looseObject({
  code: z.number(),
  content: z.unknown(),
  errorCode: z.string(),
  message: z.string(),
  success: z.boolean(),
  traceId,
});

/** A `send_task` answer: the new task's id. */
export const sendTaskBody = envelope.extend({
  content: z.looseObject({ taskId: z.string().min(1) }),
});

/**
 * A `query_task` answer at any stage: only `taskStatus` is relied on, since a task that has not
 * finished may carry no clusters yet.
 */
export const queryTaskBody = envelope.extend({
  content: z.looseObject({ taskStatus: z.string(), data: z.unknown().optional(), docCount: z.unknown().optional() }),
});

/** A `query_task` answer of type {@link queryTaskBody}. */
export type QueryTaskBody = z.output<typeof queryTaskBody>;

/** An `ok` answer: `data` and `docCount` are then relied on. */
export const finishedTaskBody = envelope.extend({
  content: z.looseObject({
    taskStatus: z.string(),
    data: z.array(clusterSchema),
    docCount: z.number().int().nonnegative(),
  }),
});

/**
 * Just enough of an envelope to tell an error answer (any HTTP status) from a good one. Guance sends
 * its envelope with errors too, and one that says `success: false` is an error even on an HTTP 200.
 */
export const errorEnvelope = z.looseObject({
  code: z.number().optional(),
  errorCode: z.string(),
  message: z.string().nullish(),
  success: z.boolean().optional(),
});

/** An answer's envelope, read as far as {@link errorEnvelope} reads it. */
export type ErrorEnvelope = z.output<typeof errorEnvelope>;
