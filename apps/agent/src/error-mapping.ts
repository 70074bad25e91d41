import {
  hasInputIssues,
  isNetcoreError,
  type NetcoreError,
  type NetcoreErrorCode,
  readFirstIssue,
} from '@kudo/netcore';
import { type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';

/** The NetcoreError data a client receives in `error.data.netcore`: the one mapping from netcore to the wire. */
export type NetcoreErrorData = { code: NetcoreErrorCode; field: string | undefined; reason: string };

/** How each netcore failure reaches HTTP: the caller's fault (4xx) or the node's (5xx). */
export const trpcCodeByNetcoreCode = {
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNREACHABLE: 'PRECONDITION_FAILED',
  TIMEOUT: 'TIMEOUT',
  MISSING_DEPENDENCY: 'INTERNAL_SERVER_ERROR',
  PERMISSION_DENIED: 'INTERNAL_SERVER_ERROR',
  COMMAND_FAILED: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<NetcoreErrorCode, TRPC_ERROR_CODE_KEY>;

export const toTRPCError = (error: NetcoreError) =>
  new TRPCError({ code: trpcCodeByNetcoreCode[error.code], message: error.message, cause: error });

/**
 * The netcore data of an error: from the NetcoreError it wraps, or, for an input the procedure's zod schema
 * refused, as INVALID_INPUT naming the first offending field (the same shape netcore gives).
 */
export const readNetcoreErrorData = (error: TRPCError): NetcoreErrorData | null => {
  const { cause } = error;
  if (isNetcoreError(cause)) return { code: cause.code, field: cause.field, reason: cause.reason };
  if (error.code === 'BAD_REQUEST' && hasInputIssues(cause))
    return { code: 'INVALID_INPUT', ...readFirstIssue(cause) };
  return null;
};
