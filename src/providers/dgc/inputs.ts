/**
 * The bodies of the two imports, built from the caller's input and checked field by field before any
 * request: an import is not retried, so a bad field is better refused here, with a `TypeError` that
 * names it, than by the service after the fact. Only the documented fields are accepted, and each is
 * copied into a fresh body, so nothing the caller did not mean to send goes out. The fields are those
 * of "Importing a Job",
 * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0090.html, and
 * "Importing Connections",
 * https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0106.html.
 */
import { CONTROL_CHAR, describe } from '../../internal/checks.js';
import type { DgcImportConnectionsInput, DgcImportJobsInput } from './types.js';

/** `obs://bucket/key`: a bucket, then a non-empty object key. */
const OBS_PATH = /^obs:\/\/[^/\s]+\/\S/;
/** The longest OBS path accepted, in characters: OBS object keys are at most 1024 bytes. */
const MAX_OBS_PATH_CHARS = 1024;
const JOB_IMPORT_FIELDS = ['path', 'params', 'sameNamePolicy', 'jobsParam', 'executeUser', 'targetStatus', 'approvers'];
const SAME_NAME_POLICIES = ['SKIP', 'OVERWRITE'] as const;
const TARGET_STATUSES = ['SAVED', 'SUBMITTED', 'PRODUCTION'] as const;

/** The body of `POST /v1/{project_id}/jobs/import`. */
export function importJobsBody(input: DgcImportJobsInput): Record<string, unknown> {
  const fields = checkInput(input, 'importJobs', JOB_IMPORT_FIELDS);
  const body: Record<string, unknown> = { path: checkObsPath(fields['path'], 'importJobs') };
  if (fields['params'] !== undefined) body['params'] = checkStringMap(fields['params'], 'importJobs: params');
  if (fields['sameNamePolicy'] !== undefined) {
    body['sameNamePolicy'] = checkEnum(fields['sameNamePolicy'], SAME_NAME_POLICIES, 'importJobs: sameNamePolicy');
  }
  if (fields['jobsParam'] !== undefined) {
    body['jobsParam'] = checkList(fields['jobsParam'], 'importJobs: jobsParam', jobParam);
  }
  if (fields['executeUser'] !== undefined) {
    body['executeUser'] = checkText(fields['executeUser'], 'importJobs: executeUser');
  }
  if (fields['targetStatus'] !== undefined) {
    body['targetStatus'] = checkEnum(fields['targetStatus'], TARGET_STATUSES, 'importJobs: targetStatus');
  }
  if (fields['approvers'] !== undefined) {
    body['approvers'] = checkList(fields['approvers'], 'importJobs: approvers', approver);
  }
  return body;
}

/** The body of `POST /v1/{project_id}/connections/import`. */
export function importConnectionsBody(input: DgcImportConnectionsInput): Record<string, unknown> {
  const fields = checkInput(input, 'importConnections', ['path', 'params', 'sameNamePolicy']);
  const body: Record<string, unknown> = { path: checkObsPath(fields['path'], 'importConnections') };
  if (fields['params'] !== undefined) {
    body['params'] = checkList(fields['params'], 'importConnections: params', connectionParam);
  }
  if (fields['sameNamePolicy'] !== undefined) {
    body['sameNamePolicy'] = checkEnum(
      fields['sameNamePolicy'],
      SAME_NAME_POLICIES,
      'importConnections: sameNamePolicy',
    );
  }
  return body;
}

/** One entry of `jobsParam`: a job's name and its parameters. */
function jobParam(item: unknown, name: string): Record<string, unknown> {
  const job = checkInput(item, name, ['name', 'params']);
  return {
    name: checkText(job['name'], `${name}.name`),
    ...(job['params'] !== undefined ? { params: checkStringMap(job['params'], `${name}.params`) } : {}),
  };
}

/** One entry of `approvers`. */
function approver(item: unknown, name: string): Record<string, unknown> {
  return { approverName: checkText(checkInput(item, name, ['approverName'])['approverName'], `${name}.approverName`) };
}

/** One entry of a connection import's `params`: it needs a type, under either spelling (see `DgcConnectionParam`). */
function connectionParam(item: unknown, name: string): Record<string, unknown> {
  const connection = checkInput(item, name, ['name', 'type', 'connectionType', 'params']);
  if (connection['type'] === undefined && connection['connectionType'] === undefined) {
    throw new TypeError(`${name} needs a type (or connectionType)`);
  }
  const out: Record<string, unknown> = { name: checkText(connection['name'], `${name}.name`) };
  if (connection['type'] !== undefined) out['type'] = checkText(connection['type'], `${name}.type`);
  if (connection['connectionType'] !== undefined) {
    out['connectionType'] = checkText(connection['connectionType'], `${name}.connectionType`);
  }
  if (connection['params'] !== undefined) out['params'] = checkStringMap(connection['params'], `${name}.params`);
  return out;
}

/** An object whose keys are all `allowed`; an unknown field is refused rather than sent unchecked. */
function checkInput(value: unknown, name: string, allowed: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} needs an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new TypeError(`${name}: unknown field "${key}"`);
  }
  return value as Record<string, unknown>;
}

function checkObsPath(value: unknown, name: string): string {
  if (
    typeof value !== 'string' ||
    value.length > MAX_OBS_PATH_CHARS ||
    !OBS_PATH.test(value) ||
    CONTROL_CHAR.test(value)
  ) {
    throw new TypeError(`${name}: path must be an OBS path such as "obs://bucket/file.zip", got ${describe(value)}`);
  }
  return value;
}

function checkText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${name} must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function checkStringMap(value: unknown, name: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object of strings, got ${describe(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new TypeError(`${name}.${key} must be a string, got ${describe(item)}`);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function checkList<T>(value: unknown, name: string, each: (item: unknown, name: string) => T): T[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array, got ${describe(value)}`);
  return value.map((item, index) => each(item, `${name}[${index}]`));
}
