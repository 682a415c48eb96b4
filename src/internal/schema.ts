/**
 * zod pieces shared by the provider schemas. Every provider reads timestamps; they differ only in
 * form (epoch ms as a number or numeric string, RFC 3339 with up to nanoseconds, or `null`).
 *
 * @internal
 */
import { z } from 'zod';

/** Epoch milliseconds, as a number or a numeric string (Huawei's SDK types them as strings) → Date. */
export const epochMsDate = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, 'expected epoch milliseconds')])
  .transform((value, ctx) => {
    const date = new Date(Number(value));
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'epoch milliseconds out of range' });
      return z.NEVER;
    }
    return date;
  });

/**
 * An RFC 3339 / ISO 8601 timestamp with an offset or `Z`, any number of fraction digits (MEF sends
 * nanoseconds; `Date` keeps milliseconds) → Date.
 */
export const isoDate = z.string().transform((value, ctx) => {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(value.trim());
  const date = match ? new Date(`${match[1]}${match[2] ? match[2].slice(0, 4) : ''}${match[3]}`) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 timestamp' });
    return z.NEVER;
  }
  return date;
});
