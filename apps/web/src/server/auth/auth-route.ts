import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { isWebError } from '../errors/web-error.js';
import { findCrossSiteRefusal } from '../http/cross-site.js';
import { trpcCodeByWebCode } from '../trpc/trpc.js';

/** A refusal as the sign-in form reads it: `{ error: { field, message } }`. */
export const refuseAuthRequest = ({
  status,
  field,
  message,
  headers,
}: {
  status: number;
  field?: string;
  message: string;
  headers?: Record<string, string>;
}) => NextResponse.json({ error: { field, message } }, { status, headers });

const statusByTrpcCode: Partial<Record<(typeof trpcCodeByWebCode)[keyof typeof trpcCodeByWebCode], number>> =
  {
    BAD_REQUEST: 400,
    NOT_FOUND: 404,
    CONFLICT: 409,
  };

/**
 * A signed-out JSON route of /api/auth (a set-password link's): refused from another site, the body parsed
 * with `schema` (400 naming the field), then `work`; a WebError it throws answers with its code and field.
 */
export const handleAuthRequest = async <Schema extends z.ZodType, Result>({
  request,
  schema,
  work,
}: {
  request: Request;
  schema: Schema;
  work: (input: z.output<Schema>) => Promise<Result>;
}) => {
  const crossSite = findCrossSiteRefusal({
    method: request.method,
    headers: request.headers,
    url: request.url,
  });
  if (crossSite) return refuseAuthRequest({ status: 403, message: crossSite });
  const parsed = schema.safeParse(await request.json().catch(() => undefined));
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    return refuseAuthRequest({
      status: 400,
      field: issue?.path.join('.') || undefined,
      message: issue?.message ?? 'invalid',
    });
  }
  try {
    return NextResponse.json(await work(parsed.data));
  } catch (error) {
    if (!isWebError(error)) throw error;
    return refuseAuthRequest({
      status: statusByTrpcCode[trpcCodeByWebCode[error.code]] ?? 500,
      field: error.field,
      message: error.message,
    });
  }
};
