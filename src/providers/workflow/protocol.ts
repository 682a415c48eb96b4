/**
 * The frame of the Explorer open API as this adapter reads it: the provider's name and base path,
 * the envelope every answer comes in (`{ code, message, data }`, `code` 0 meaning success, on any
 * HTTP status), its error codes, and the error each one stands for.
 *
 * The codes are those of the "Common error codes" table of
 * https://github.com/vesoft-inc/nebula-docs/blob/master/docs-2.0/nebula-explorer/workflow/workflow-api/workflow-api-overview.md.
 * The docs do not say which HTTP status comes with an error code [unk], so the code decides on any
 * status, save a 404 without the not-found code, which says the URL is wrong.
 */
import { z } from 'zod';
import { AuthenticationError, type TaskPollError } from '../../core/errors/index.js';
import { envelopeError, type EnvelopeKind } from '../../internal/checks.js';
import type { HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { parseBody } from '../../internal/validate.js';

/** The provider name on every status and error of this adapter. */
export const PROVIDER = 'workflow.task';
/** The path every route of the open API starts with, below Explorer's root URL. */
export const API = '/api-open/v1';
/** The session cookie `/api-open/v1/connect` sets and every later request sends. */
export const COOKIE_NAME = 'explorer_token';

/** What the session sends that a server could echo, read when an error quotes provider text. */
export type Secrets = () => readonly string[];

/** The envelope every answer comes in. A numeric string code is read as its number. */
const envelopeSchema = z.object({
  code: z.union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ]),
  message: z.unknown().optional(),
  data: z.unknown().optional(),
});

type Envelope = z.output<typeof envelopeSchema>;

// --- Error codes ---------------------------------------------------------------------------------

/** ErrUnauthorized, ErrSession: the session token was refused; with credentials, log in again once. */
const SESSION_CODES: ReadonlySet<string> = new Set(['40104000', '40104001']);
/**
 * ErrInternalServer, ErrInternalDatabase, ErrInternalController: server-side failures that may pass
 * (a database or the Dag Controller briefly unreachable), so they are retried as transient.
 * ErrInternalLicense (50004003) and ErrUnknown (90004000) are not: a retry within one wait will not fix them.
 * ErrBadRequest (40004000) and ErrParam (40004001) are the caller's request: never retried.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([50004000, 50004001, 50004002]);
/** ErrNotFound: the job or task (or, for `runJob`, the workflow) does not exist. */
const NOT_FOUND_CODE = 40404000;

/** What a request is about, which decides how an error code reads. */
type Subject = 'login' | 'workflow' | 'job';

function subjectOf(path: string): Subject {
  if (path === `${API}/connect`) return 'login';
  if (path.startsWith(`${API}/workflows/`)) return 'workflow';
  return 'job';
}

/**
 * What an envelope's code means for a request about `subject`. A 404 is about the URL unless it carries
 * the not-found code for a job or task: the login route exists on every Explorer, so a 404 there always
 * means the base URL is wrong.
 */
function classify(code: number, httpStatus: number, subject: Subject): { kind: EnvelopeKind; reason?: string } {
  if (httpStatus === 404 && (subject === 'login' || code !== NOT_FOUND_CODE)) return { kind: 'wrong-url' };
  if (subject === 'login') {
    if (TRANSIENT_CODES.has(code)) return { kind: 'error', reason: 'login failed on the server side' };
    return { kind: 'auth', reason: 'login refused' };
  }
  if (Math.floor(code / 100_000) === 401) {
    return { kind: 'auth', reason: 'the session token was refused (missing, invalid or expired)' };
  }
  if (code === NOT_FOUND_CODE) {
    // A missing workflow is not a missing task: the call that names one (runJob) does not wait for it.
    if (subject === 'workflow') return { kind: 'error', reason: 'workflow not found' };
    return { kind: 'not-found', reason: 'no such job or task' };
  }
  return { kind: 'error' };
}

/** Whether `error` says the session token was refused, so that a new login may help. */
export function isSessionRefused(error: unknown): boolean {
  return (
    error instanceof AuthenticationError && error.providerCode !== undefined && SESSION_CODES.has(error.providerCode)
  );
}

// --- Reading an answer ---------------------------------------------------------------------------

/** The error an envelope with a code other than 0 stands for; any secret of the session is masked in its text. */
function answerError(
  envelope: Envelope,
  response: HttpResponse,
  request: HttpRequest,
  secrets: Secrets,
): TaskPollError {
  const { kind, reason } = classify(envelope.code, response.status, subjectOf(request.path));
  return envelopeError({
    provider: PROVIDER,
    request,
    response,
    code: String(envelope.code),
    text: envelope.message,
    secrets: secrets(),
    kind,
    reason,
    transient: TRANSIENT_CODES.has(envelope.code),
  });
}

/**
 * The client's reading of a non-2xx answer: the error its envelope stands for, or `undefined` (the
 * generic mapping by HTTP status) when it has no envelope or its code is 0.
 */
export function interpretAnswer(
  response: HttpResponse,
  request: HttpRequest,
  secrets: Secrets,
): TaskPollError | undefined {
  const envelope = envelopeSchema.safeParse(response.data);
  if (!envelope.success || envelope.data.code === 0) return undefined;
  return answerError(envelope.data, response, request, secrets);
}

/**
 * Reads a 2xx answer: the envelope, then its `data` with `dataSchema`. A code other than 0 is the
 * error it stands for: Explorer also reports failures on HTTP 200.
 */
export function readEnvelope<D extends z.ZodType>(
  response: HttpResponse,
  request: HttpRequest,
  dataSchema: D,
  secrets: Secrets,
): z.output<D> {
  const what = `${request.method} ${response.path}`;
  const context = { provider: PROVIDER, taskId: request.taskId, what, httpStatus: response.status };
  const envelope = parseBody(envelopeSchema, response.data, {
    ...context,
    notJson: response.data === undefined ? (response.text ?? '') : undefined,
  });
  if (envelope.code !== 0) throw answerError(envelope, response, request, secrets);
  return parseBody(dataSchema, envelope.data, { ...context, what: `${what} (data)` });
}
