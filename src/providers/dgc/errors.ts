/**
 * The error envelope DataArts Factory and the API Gateway in front of it answer with,
 * `{"error_code": "DLF.0810", "error_msg": "..."}`, read as a taskpoll error. The DLF codes are those
 * of https://support.huaweicloud.com/intl/en-us/api-dataartsstudio/dataartsstudio_02_0313.html; the
 * gateway's (`APIG.*`, `APIGW.*`) are shared by every Huawei Cloud service behind it, and DataArts
 * Studio lists the ones its callers meet in
 * https://support.huaweicloud.com/intl/en-us/sdkreference-dataartsstudio/dataartsstudio_06_1015.html.
 */
import { z } from 'zod';
import type { TaskPollError } from '../../core/errors/index.js';
import { envelopeError, type EnvelopeKind } from '../../internal/checks.js';
import type { HttpRequest, HttpResponse } from '../../internal/http/types.js';
import { DGC_PROVIDER } from './types.js';

const errorEnvelopeSchema = z.object({ error_code: z.string().min(1), error_msg: z.unknown().optional() });

/**
 * Codes for "the task does not exist": `DLF.0810` in Huawei's docs, `DLF.20810` in the T-Systems copy
 * of the same API
 * (https://docs.otc.t-systems.com/data-arts-studio/api-ref/dataarts_factory_apis/job_development_apis/querying_system_task_details.html),
 * so both are read.
 */
const NOT_FOUND_CODES = new Set(['DLF.0810', 'DLF.20810']);
/** API Gateway: IAM authentication failed (0301), signature expired or wrong (0303). */
const AUTH_CODE = /^APIGW?\.030[13]$/;
/** API Gateway: "The throttling threshold has been reached." */
const THROTTLED_CODE = /^APIGW?\.0308$/;

/**
 * How long a throttled answer (`APIG.0308`, or a 429) without `Retry-After` holds the adapter's
 * requests, in ms: the low end of Huawei's advice for `APIG.0308`, to retry "after a short period of
 * time (for example, 2 to 5 seconds)",
 * https://support.huaweicloud.com/intl/en-us/ocr_faq/ocr_01_0041.html. The code is the API Gateway's,
 * shared by Huawei Cloud services; that FAQ is OCR's, and DataArts Factory gives no advice of its own.
 */
export const THROTTLED_FLOOR_MS = 2000;

/** Whether a non-2xx answer is the gateway throttling the caller: a 429, or `APIG.0308` on any status. */
export function isThrottled(response: HttpResponse): boolean {
  if (response.status === 429) return true;
  const code = errorEnvelopeSchema.safeParse(response.data).data?.error_code;
  return THROTTLED_CODE.test(code ?? '');
}

/**
 * The error envelope on an answer (2xx or not) as a taskpoll error; `undefined` when there is none.
 * `secrets` are masked in the provider's text: the credentials, and the request's signature too, in
 * case a gateway echoes what it checked. Any status of 500 and above, or 429, makes the error
 * transient: the gateway and DLF use them for overload and passing faults.
 */
export function envelopeErrorOf(
  response: HttpResponse,
  request: HttpRequest,
  secrets: readonly (string | undefined)[],
): TaskPollError | undefined {
  const envelope = errorEnvelopeSchema.safeParse(response.data);
  if (!envelope.success) return undefined;
  const code = envelope.data.error_code;
  const { status: httpStatus, retryAfterMs } = response;
  return envelopeError({
    provider: DGC_PROVIDER,
    request,
    response,
    code,
    text: envelope.data.error_msg,
    secrets,
    kind: classify(code, httpStatus, request.taskId !== undefined),
    transient: httpStatus >= 500 || httpStatus === 429,
    retryAfterMs,
  });
}

/**
 * What a code means. A not-found code on a poll is the task's, even on a 404; any other 404 (e.g. the
 * gateway's `APIG.0101`, no such API) is about the URL, so the message can say the endpoint may be wrong.
 */
function classify(code: string, httpStatus: number, isPoll: boolean): EnvelopeKind {
  if (NOT_FOUND_CODES.has(code) && isPoll) return 'not-found';
  if (httpStatus === 404) return 'wrong-url';
  if (AUTH_CODE.test(code)) return 'auth';
  if (THROTTLED_CODE.test(code)) return 'rate-limit';
  return 'error';
}
