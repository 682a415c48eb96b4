/**
 * Checking a provider's parsed body against the zod schema its adapter relies on: the one place a
 * body that does not match becomes a `ResponseValidationError`, with the issues as data.
 *
 * @internal
 */
import type { z } from 'zod';
import { ResponseValidationError, type ValidationIssue } from '../core/errors/index.js';

/** Where a body came from, for the error. */
export interface BodyContext {
  provider: string;
  taskId?: string | undefined;
  /** e.g. `'GET /api/v1/logmine/query_task'`. */
  what: string;
  httpStatus?: number | undefined;
  /** Set when the body was not JSON at all: its first characters. */
  notJson?: string | undefined;
}

/**
 * Validates a parsed body with a zod schema; a mismatch is a `ResponseValidationError` listing the
 * issues, never retried. A body that is not JSON at all (`context.notJson`: an empty body, a proxy's
 * page) is a transient `ResponseValidationError`: the answer did not come through intact, so a poll
 * retries it within its budget.
 */
export function parseBody<S extends z.ZodType>(schema: S, data: unknown, context: BodyContext): z.output<S> {
  if (context.notJson !== undefined) {
    throw new ResponseValidationError(`${context.provider}: ${context.what} answered with a body that is not JSON`, {
      provider: context.provider,
      taskId: context.taskId,
      httpStatus: context.httpStatus,
      transient: true,
      issues: [{ path: [], message: 'body is not JSON' }],
    });
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues: ValidationIssue[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: issue.message,
  }));
  const first = issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  throw new ResponseValidationError(
    `${context.provider}: ${context.what} answered with an unexpected body${where}: ${first?.message ?? 'invalid'}`,
    { provider: context.provider, taskId: context.taskId, httpStatus: context.httpStatus, issues },
  );
}
