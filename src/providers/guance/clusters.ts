/**
 * The result of a finished logmine task: the clusters `query_task` returns with `taskStatus: ok`
 * (`logmine/querytask.md`, https://github.com/GuanceCloud/guance-docs), how one is read off the wire,
 * and {@link parseClusterMessage} for a cluster's representative log text.
 */
import { z } from 'zod';
import { describe } from '../../internal/checks.js';
import { parseJson } from '../../internal/http/body.js';

/** One cluster of similar log lines. */
export interface GuanceLogmineCluster {
  /** How many documents fell into the cluster. */
  count: number;
  /** The ids of those documents (the provider's `docids`), e.g. `L_1683535329738_chcbbp44c5rvac7jvckg`. */
  docIds: string[];
  /** The representative log text. It is often itself JSON: see {@link parseClusterMessage}. */
  message: string;
}

/** The result of a finished logmine task. */
export interface GuanceLogmineResult {
  /** How many documents were analysed. */
  docCount: number;
  /** The clusters, as the provider orders them. */
  clusters: GuanceLogmineCluster[];
}

/**
 * One element of `content.data`, renamed into a {@link GuanceLogmineCluster}: `docids` becomes
 * `docIds`, so the result reads like the rest of the library. Fields the docs do not list are dropped.
 */
export const clusterSchema = z
  .looseObject({
    count: z.number().int().nonnegative(),
    docids: z.array(z.string()),
    message: z.string(),
  })
  .transform(({ count, docids, message }): GuanceLogmineCluster => ({ count, docIds: docids, message }));

/** A cluster message, parsed: JSON (an object or an array) or plain text. */
export type GuanceClusterMessage =
  | {
      /** The message is a JSON object or array. */
      kind: 'json';
      /** The parsed JSON (`__proto__` keys dropped). */
      value: Record<string, unknown> | unknown[];
    }
  | {
      /** The message is plain text (a JSON scalar counts as text). */
      kind: 'text';
      /** The message, unchanged. */
      value: string;
    };

/**
 * Reads a cluster's `message`: `{ kind: 'json', value }` when it is a JSON object or array (structured
 * log lines are), `{ kind: 'text', value }` otherwise. Scalars such as `"404"` or `"true"` stay text:
 * they are log words, not structure.
 */
export function parseClusterMessage(message: string): GuanceClusterMessage {
  if (typeof message !== 'string') throw new TypeError(`message must be a string, got ${describe(message)}`);
  const first = message.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      const value = parseJson(message);
      if (typeof value === 'object' && value !== null)
        return { kind: 'json', value: value as Record<string, unknown> | unknown[] };
    } catch {
      // Not JSON after all: it is text.
    }
  }
  return { kind: 'text', value: message };
}
