/**
 * Reading a task's rows through the caller's `rowSchema`, a Standard Schema v1 (https://standardschema.dev)
 * of any library: each row through its `~standard.validate`, which may answer at once or with a
 * promise. Rows that fail (or a `validate` that throws) are a `ResponseValidationError` naming the row,
 * which keeps every row as received so nothing the provider sent is lost.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ResponseValidationError, type ValidationIssue } from '../../core/errors/index.js';
import { clipProviderText, describe } from '../../internal/checks.js';
import { maskSecrets } from '../../internal/redact.js';
import { PROVIDER } from './protocol.js';

/** Issues kept in the error, as for the other bodies that fail their schema. */
const MAX_ISSUES = 20;

/** Where the rows came from, for the error. */
export interface RowsContext {
  /** The path actually sent (base path included), for the message. */
  sentPath: string;
  taskId: string;
  /** The session's credentials, masked in the text the error quotes and in the rows it keeps. */
  secrets: readonly (string | undefined)[];
  signal: AbortSignal | undefined;
}

/** A row that failed, and how. */
interface Failure {
  index: number;
  issues: readonly StandardSchemaV1.Issue[];
}

/**
 * Each row through `schema`, in order; the outputs when every row passes. Rows are checked one at a
 * time: a synchronous `validate` (the common case) costs no promise per row, and an asynchronous one
 * is awaited before the next, stopping at an abort of `signal` (with its reason). Every row is checked
 * so that the error can say how many failed.
 */
export async function validateRows<S extends StandardSchemaV1>(
  schema: S,
  items: unknown[],
  context: RowsContext,
): Promise<StandardSchemaV1.InferOutput<S>[]> {
  const props = schema['~standard'];
  const out: StandardSchemaV1.InferOutput<S>[] = [];
  const failures: Failure[] = [];
  for (const [index, item] of items.entries()) {
    let result: StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>;
    try {
      const answer = props.validate(item);
      result = isPromiseLike(answer) ? await answer : answer;
      if (typeof result !== 'object' || result === null) {
        throw new TypeError(`validate returned ${describe(result)} instead of a result object`);
      }
    } catch (error) {
      if (context.signal?.aborted) throw context.signal.reason;
      throw schemaThrew(error, index, items, context);
    }
    context.signal?.throwIfAborted();
    if (result.issues) failures.push({ index, issues: result.issues });
    else out.push(result.value);
  }
  if (failures.length > 0) throw rowsError(failures, items, context);
  return out;
}

/**
 * The error for rows that fail the schema: its message names the first failing row's index, the place
 * in that row and what was wrong there, and how many rows failed; its issues (up to 20) are paths
 * within the answer's body, `['data', 'items', index, …]`.
 */
function rowsError(failures: Failure[], items: unknown[], context: RowsContext): ResponseValidationError {
  const issues: ValidationIssue[] = [];
  for (const { index, issues: rowIssues } of failures) {
    for (const issue of rowIssues) {
      if (issues.length === MAX_ISSUES) break;
      issues.push({
        path: ['data', 'items', index, ...pathOf(issue)],
        message: clipProviderText(issue.message, { secrets: context.secrets }) || 'invalid',
      });
    }
  }
  const first = failures[0] as Failure;
  const firstIssue = first.issues[0];
  const rest = firstIssue ? pathOf(firstIssue).join('.') : '';
  const where = rest ? ` at ${rest}` : '';
  const what = firstIssue ? clipProviderText(firstIssue.message, { secrets: context.secrets }) || 'invalid' : 'invalid';
  const count = failures.length > 1 ? ` (${failures.length} of ${items.length} rows do not match)` : '';
  return new ResponseValidationError(
    `${PROVIDER}: GET ${context.sentPath}: row ${first.index} does not match rowSchema${where}: ${what}${count}`,
    { provider: PROVIDER, taskId: context.taskId, issues, rows: maskSecrets(items, context.secrets) },
  );
}

/**
 * The error for a `validate` that throws (or rejects) on a row: a fault of the schema rather than of
 * the adapter, so it is this error, naming the row, with the throw as its `cause`, whether the rows
 * were read by a wait or by `sampleResult`. Not retried: the same rows would throw again.
 */
function schemaThrew(error: unknown, index: number, items: unknown[], context: RowsContext): ResponseValidationError {
  const said = error instanceof Error ? clipProviderText(error.message, { secrets: context.secrets }) : '';
  const what = `rowSchema threw ${error instanceof Error ? error.name : typeof error}${said ? `: ${said}` : ''}`;
  return new ResponseValidationError(`${PROVIDER}: GET ${context.sentPath}: row ${index}: ${what}`, {
    provider: PROVIDER,
    taskId: context.taskId,
    cause: error,
    issues: [{ path: ['data', 'items', index], message: what }],
    rows: maskSecrets(items, context.secrets),
  });
}

/** A promise, or a promise-like from another realm: what an asynchronous `validate` returns. */
function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** An issue's path as keys and indexes: a `{ key }` segment is its key; a symbol key is left out. */
function pathOf(issue: StandardSchemaV1.Issue): (string | number)[] {
  const path: (string | number)[] = [];
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key !== 'symbol') path.push(key);
  }
  return path;
}
