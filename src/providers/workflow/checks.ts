/**
 * The workflow adapter's checks, made before any request: the factory's options (one settings object
 * out), a task ref, the ids of the calls, and a new job's `input`. Each failure is a `TypeError` or
 * `RangeError` that names what is wrong and never echoes a credential; the mechanics shared with the
 * other providers are in `internal/checks.ts`.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import { checkId, checkOptions, describe, isAbortSignal, numberOption, type IdRule } from '../../internal/checks.js';
import { checkBaseURL } from '../../internal/http/url.js';
import { COOKIE_NAME, PROVIDER } from './protocol.js';
import { encodeWorkflowLogin, type Auth } from './session.js';
import type { WorkflowCredentials, WorkflowJobInput, WorkflowOptions, WorkflowTaskRef } from './types.js';

/** The keys of {@link WorkflowOptions}: any other is a misspelt option. */
const KNOWN_OPTIONS = new Set([
  'baseURL',
  'token',
  'credentials',
  'tokenHeader',
  'rowSchema',
  'sampleLimit',
  'axios',
  'requestTimeoutMs',
  'pacing',
]);

/** The option defaults; `pacing` is the client's `defaultPacing`. */
export const DEFAULTS = {
  sampleLimit: 1000,
  encoding: 'json-array',
  // The provider documents no limits: the default only keeps one adapter from flooding a self-hosted Explorer.
  pacing: { maxConcurrency: 8 },
} as const;
const MAX_SAMPLE_LIMIT = 100_000;

/** The factory's options, checked and normalized. */
export interface Settings<S extends StandardSchemaV1> {
  /** Explorer's root URL without a trailing `/` or `/api-open/v1`. */
  baseURL: string;
  auth: Auth;
  /** The extra header that carries the token, if any. */
  tokenHeader: string | undefined;
  rowSchema: S;
  sampleLimit: number;
}

/**
 * Checks the factory's options (the transport's own, `axios`, `requestTimeoutMs`, `pacing`, are the
 * client's to check).
 */
export function normalizeOptions<S extends StandardSchemaV1>(options: WorkflowOptions<S>): Settings<S> {
  checkOptions(options, PROVIDER, KNOWN_OPTIONS);
  const url = checkBaseURL(options.baseURL, `${PROVIDER}: baseURL`);
  url.pathname = url.pathname.replace(/\/api-open\/v1\/?$/, '').replace(/\/$/, '');

  const hasToken = options.token !== undefined;
  const hasCredentials = options.credentials !== undefined;
  if (hasToken === hasCredentials) {
    throw new TypeError(`${PROVIDER}: give exactly one of token and credentials`);
  }
  const auth: Auth = hasToken
    ? { kind: 'token', token: checkToken(options.token) }
    : checkCredentials(options.credentials);
  const tokenHeader = checkTokenHeader(options.tokenHeader);

  // Without rowSchema, S is the default type parameter, whose output (string[]) is this schema's.
  const rowSchema =
    options.rowSchema === undefined ? (z.array(z.string()) as unknown as S) : checkRowSchema(options.rowSchema);
  const sampleLimit = sampleLimitOption('sampleLimit', options.sampleLimit, DEFAULTS.sampleLimit);
  return { baseURL: url.toString().replace(/\/$/, ''), auth, tokenHeader, rowSchema, sampleLimit };
}

/**
 * A row schema must be a Standard Schema v1: an object, or a function (arktype's schemas are), with a
 * `~standard` object of `version: 1` and a `validate` function. Checked here, as the type alone does
 * not stop a cast or plain JavaScript: a schema the adapter cannot run would fail only once a task
 * has succeeded, after the whole wait.
 */
function checkRowSchema<S extends StandardSchemaV1>(schema: S): S {
  const props = standardProps(schema);
  if (props?.version === 1 && typeof props.validate === 'function') return schema;
  const got =
    props === undefined
      ? describe(schema)
      : props.version === 1
        ? 'a "~standard" property without a validate function'
        : `a "~standard" property of version ${describe(props.version)}`;
  throw new TypeError(
    `${PROVIDER}: rowSchema must be a Standard Schema v1 (zod 3.24+ or 4, valibot, arktype, …), got ${got}`,
  );
}

/**
 * The `version` and `validate` of `value['~standard']` when that is an object; each read once, inside
 * a `try`, as any of them may be a getter, and none is trusted to be well formed.
 */
function standardProps(value: unknown): { version: unknown; validate: unknown } | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    const props: unknown = (value as { '~standard'?: unknown })['~standard'];
    if (typeof props !== 'object' || props === null) return undefined;
    const { version, validate } = props as { version?: unknown; validate?: unknown };
    return { version, validate };
  } catch {
    return undefined;
  }
}

/**
 * A `limit` of rows (the factory's `sampleLimit`, a `sampleResult` call's `limit`): a whole number from
 * 1 to 100000.
 */
export function sampleLimitOption(name: string, value: unknown, fallback: number): number {
  const limit = numberOption(`${PROVIDER}: ${name}`, value, fallback, 1, MAX_SAMPLE_LIMIT);
  if (!Number.isInteger(limit)) throw new RangeError(`${PROVIDER}: ${name} must be a whole number, got ${limit}`);
  return limit;
}

/**
 * The name of the extra token header: `explorer_token` for `true`, none for `false` or unset. A name
 * that is not an HTTP token is refused, and so is a header the adapter sets itself (`Cookie` carries
 * the token, `Authorization` the login, `Content-Type` the body's type).
 */
function checkTokenHeader(header: unknown): string | undefined {
  if (header === true) return COOKIE_NAME;
  if (typeof header === 'string') {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header) || /^(cookie|authorization|content-type)$/i.test(header)) {
      throw new TypeError(
        `${PROVIDER}: tokenHeader must be a header name other than Cookie, Authorization or Content-Type`,
      );
    }
    return header;
  }
  if (header !== undefined && header !== false) {
    throw new TypeError(`${PROVIDER}: tokenHeader must be a boolean or a header name, got ${describe(header)}`);
  }
  return undefined;
}

/** A cookie value: visible ASCII without `"`, `,`, `;`, `\` or spaces (RFC 6265). */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token === '') {
    throw new TypeError(`${PROVIDER}: token must be a non-empty string, got ${describe(token)}`);
  }
  if (!COOKIE_VALUE.test(token)) {
    throw new TypeError(
      `${PROVIDER}: token must be a cookie value (no spaces, quotes, commas, semicolons or control characters)`,
    );
  }
  return token;
}

const CREDENTIAL_KEYS = ['username', 'password', 'graphAddress', 'graphPort', 'encoding'];

function checkCredentials(credentials: unknown): Auth {
  checkOptions(credentials, PROVIDER, CREDENTIAL_KEYS, { name: 'credentials' });
  const c = credentials as Partial<Record<keyof WorkflowCredentials, unknown>>;
  if (typeof c.username !== 'string' || c.username === '') {
    throw new TypeError(`${PROVIDER}: credentials.username must be a non-empty string, got ${describe(c.username)}`);
  }
  if (typeof c.password !== 'string') {
    throw new TypeError(`${PROVIDER}: credentials.password must be a string, got ${describe(c.password)}`);
  }
  if (typeof c.graphAddress !== 'string' || c.graphAddress.trim() === '') {
    throw new TypeError(
      `${PROVIDER}: credentials.graphAddress must be a non-empty string, got ${describe(c.graphAddress)}`,
    );
  }
  const port = c.graphPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    const message = `${PROVIDER}: credentials.graphPort must be a whole number from 1 to 65535, got ${describe(port)}`;
    throw typeof port === 'number' ? new RangeError(message) : new TypeError(message);
  }
  const encoding = c.encoding ?? DEFAULTS.encoding;
  if (encoding !== 'json-array' && encoding !== 'colon') {
    throw new TypeError(`${PROVIDER}: credentials.encoding must be 'json-array' or 'colon', got ${describe(encoding)}`);
  }
  // The colon form cannot tell where a user name with a colon ends.
  if (encoding === 'colon' && c.username.includes(':')) {
    throw new TypeError(`${PROVIDER}: credentials.username must not contain ":" with the 'colon' encoding`);
  }
  return {
    kind: 'credentials',
    encoded: encodeWorkflowLogin(c.username, c.password, encoding),
    graphAddress: c.graphAddress,
    graphPort: port,
  };
}

/** A checked ref: the ids as they go in a path, and the task id as given. */
export interface CheckedRef {
  /** The job id, digits only: safe in a path as it is. */
  job: string;
  /** The task id, encoded as one path segment. */
  task: string;
  /** The task id as given, for statuses and errors. */
  taskId: string;
}

/** A job id: a whole number ≥ 0 or a string of digits (the provider's ids are numbers), safe in a path as it is. */
export const JOB_ID: IdRule = {
  name: 'jobId',
  numbers: true,
  pattern: /^\d{1,20}$/,
  expected: 'a whole number or a string of digits',
};
/** A task id (32 hex characters in the docs); any non-blank id is accepted and encoded for the path. */
const TASK_ID: IdRule = { name: 'ref.taskId', pattern: /\S/, expected: 'a non-empty string', maxLength: 128 };

/** Checks a ref and encodes its ids for the path. */
export function checkRef(ref: unknown): CheckedRef {
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    throw new TypeError(`${PROVIDER}: a ref must be { jobId, taskId }, got ${describe(ref)}`);
  }
  const { jobId, taskId } = ref as Partial<WorkflowTaskRef>;
  const job = checkId(jobId, PROVIDER, { ...JOB_ID, name: 'ref.jobId' });
  const task = checkId(taskId, PROVIDER, TASK_ID);
  return { job, task: encodeURIComponent(task), taskId: task };
}

/** A workflow id, encoded as one path segment. */
export function workflowSegment(workflowId: unknown): string {
  return encodeURIComponent(checkId(workflowId, PROVIDER, { name: 'workflowId', numbers: true }));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Where a misplaced signal goes: `runJob(id, { signal })` or `runJob(id, signal)` passes it as `input`. */
const SIGNAL_HINT = ': a signal goes in the options argument, runJob(workflowId, input, { signal })';

/** Checks a new job's `input`: an object of components, each an object of string or finite number parameters. */
export function checkInput(input: unknown): WorkflowJobInput {
  if (!isPlainObject(input)) {
    const got = isAbortSignal(input) ? `an AbortSignal${SIGNAL_HINT}` : describe(input);
    throw new TypeError(`${PROVIDER}: input must be an object, got ${got}`);
  }
  for (const [component, params] of Object.entries(input)) {
    const at = `input[${JSON.stringify(component.slice(0, 40))}]`;
    if (!isPlainObject(params)) {
      const got = isAbortSignal(params) ? 'an AbortSignal' : describe(params);
      const hint = isAbortSignal(params) || component === 'signal' ? SIGNAL_HINT : '';
      throw new TypeError(`${PROVIDER}: ${at} must be an object of parameters, got ${got}${hint}`);
    }
    for (const [param, value] of Object.entries(params)) {
      const ok = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok) {
        throw new TypeError(
          `${PROVIDER}: ${at}[${JSON.stringify(param.slice(0, 40))}] ` +
            `must be a string or a finite number, got ${describe(value)}`,
        );
      }
    }
  }
  return input as WorkflowJobInput;
}
