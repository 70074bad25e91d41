import { formatFieldIssue, hasInputIssues, readFirstIssue } from '@kudo/netcore';
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { SessionUser } from '../auth/session.js';
import { readSessionUser } from '../auth/session.js';
import { isWebError, toWebError, type WebErrorCode } from '../errors/web-error.js';
import { getServices } from '../runtime.js';
import type { Services } from '../services.js';

/** The context without HTTP: what `createCaller` gets in tests and server code. */
export type InnerContext = { services: Services; user: SessionUser | null };

export const createInnerContext = ({ services, user }: InnerContext): InnerContext => ({ services, user });

/** The context of an HTTP request: the process's services and the request's signed-in user. */
export const createHttpContext = async ({ req }: { req: Request }): Promise<InnerContext> =>
  createInnerContext({
    services: await getServices(),
    user: await readSessionUser({ headers: req.headers }),
  });

/** How each WebError reaches a client; the one place control-plane codes meet tRPC/HTTP codes. */
export const trpcCodeByWebCode = {
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  AGENT_UNREACHABLE: 'BAD_GATEWAY',
  AGENT_UNAUTHORIZED: 'BAD_GATEWAY',
  AGENT_INCOMPATIBLE: 'BAD_GATEWAY',
  AGENT_FAILED: 'BAD_GATEWAY',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<WebErrorCode, TRPC_ERROR_CODE_KEY>;

/**
 * What a client reads in `error.data.web`: the code, the field of the request to highlight (an agent's
 * refusal already translated to the web request's field), the node that failed.
 */
export type WebErrorData = { code: WebErrorCode; field: string | undefined; nodeId: string | undefined };

/** The first problem of an input the procedure's zod schema refused: the field and a readable message. */
const readInputIssue = (error: TRPCError) => {
  if (error.code !== 'BAD_REQUEST' || !hasInputIssues(error.cause)) return undefined;
  const issue = readFirstIssue(error.cause);
  return { field: issue.field, message: formatFieldIssue(issue) };
};

const readWebErrorData = (error: TRPCError): WebErrorData | null => {
  const { cause } = error;
  if (isWebError(cause)) return { code: cause.code, field: cause.field, nodeId: cause.nodeId };
  const issue = readInputIssue(error);
  return issue ? { code: 'INVALID_INPUT', field: issue.field, nodeId: undefined } : null;
};

const t = initTRPC.context<InnerContext>().create({
  // Stack traces never leave the server.
  isDev: false,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    // A refused input reads "ports.0.hostPort: must be 1-65535", not zod's JSON.
    message: readInputIssue(error)?.message ?? shape.message,
    data: { ...shape.data, web: readWebErrorData(error) },
  }),
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 25_000 } },
});

export const createRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** A WebError (or any failure) thrown by a service becomes a tRPC error of the mapped code, keeping it as cause. */
const mapErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  // Our own refusals (input validation, sign-in, role) already have their code.
  if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR') return result;
  const webError = toWebError(result.error.cause ?? result.error);
  if (webError.code === 'INTERNAL') ctx.services.logger.error({ err: result.error.cause }, 'internal error');
  throw new TRPCError({ code: trpcCodeByWebCode[webError.code], message: webError.message, cause: webError });
});

/** Anyone, signed in or not (only what is safe to show to the world). */
export const publicProcedure = t.procedure.use(mapErrors);

/** A signed-in user (viewer or admin): every read of the cluster. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** An admin: every change of the cluster. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin')
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${ctx.user.name} is a viewer: changes need an admin`,
    });
  return next({ ctx });
});

/**
 * An admin's change, as every change procedure is: the request parsed with `schema`, then the service
 * function `pick` names, called with it and the admin's name (the audit log's actor).
 */
export const adminChange = <Schema extends z.ZodType, Result>({
  schema,
  pick,
}: {
  schema: Schema;
  pick: (services: Services) => (change: { actor: string; request: z.output<Schema> }) => Promise<Result>;
}) =>
  adminProcedure.input(schema).mutation(({ ctx, input }) =>
    // tRPC infers the input of a generic schema lazily; it is the schema's output.
    pick(ctx.services)({ actor: ctx.user.name, request: input as z.output<Schema> }),
  );
