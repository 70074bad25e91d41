import { isNetcoreError } from '@kudo/netcore';
import { initTRPC, TRPCError } from '@trpc/server';
import { readNetcoreErrorData } from '../error-mapping.js';
import { type CniRefusalCode, isCniRefusal } from './cni-errors.js';
import { ZCniAddRequest, ZCniCheckRequest, ZCniDelRequest, ZCniGcRequest } from './cni-schemas.js';
import type { CniService } from './cni-service.js';

/** What the plugin learns of a refusal besides the message: the agent's reason, or netcore's code and field. */
export type CniErrorData = { code: CniRefusalCode; field: string | undefined } | null;

const trpcCodeByRefusal = {
  NO_RANGE: 'PRECONDITION_FAILED',
  RANGE_FULL: 'PRECONDITION_FAILED',
  ALREADY_ATTACHED: 'CONFLICT',
  NOT_ATTACHED: 'NOT_FOUND',
  DRIFT: 'PRECONDITION_FAILED',
} as const satisfies Record<CniRefusalCode, string>;

/** The socket's context: the CNI service alone (whoever opens the socket is root: its mode is 0600). */
export type CniSocketContext = { cni: CniService };

const t = initTRPC.context<CniSocketContext>().create({
  isDev: false,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: {
      ...shape.data,
      cni: isCniRefusal(error.cause) ? { code: error.cause.code, field: error.cause.field } : null,
      netcore: readNetcoreErrorData(error),
    },
  }),
});

/** Refusals and netcore failures become tRPC errors the plugin can read (`data.cni`, `data.netcore`). */
const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const { cause } = result.error;
  if (isCniRefusal(cause))
    throw new TRPCError({ code: trpcCodeByRefusal[cause.code], message: cause.message, cause });
  if (isNetcoreError(cause)) {
    const code =
      cause.code === 'INVALID_INPUT'
        ? 'BAD_REQUEST'
        : cause.code === 'CONFLICT'
          ? 'CONFLICT'
          : 'INTERNAL_SERVER_ERROR';
    throw new TRPCError({ code, message: cause.message, cause });
  }
  return result;
});

/** The CNI operations, served on the node's unix socket only (never on the agent's TCP port). */
export const cniSocketRouter = t.router({
  cni: t.router({
    add: procedure.input(ZCniAddRequest).mutation(({ ctx, input }) => ctx.cni.add(input)),
    del: procedure.input(ZCniDelRequest).mutation(({ ctx, input }) => ctx.cni.del(input)),
    check: procedure.input(ZCniCheckRequest).mutation(({ ctx, input }) => ctx.cni.check(input)),
    gc: procedure.input(ZCniGcRequest).mutation(({ ctx, input }) => ctx.cni.gc(input)),
    status: procedure.query(({ ctx }) => ctx.cni.status()),
  }),
});

export type CniSocketRouter = typeof cniSocketRouter;
