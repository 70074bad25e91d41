import { formatFieldIssue, hasInputIssues, readFirstIssue } from '@kudo/netcore';
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { type ContextUser, formatActor, hasRole, type UserRole } from '../auth/context-user.js';
import { readRequestUser } from '../auth/request-user.js';
import { isWebError, toWebError, type WebErrorCode } from '../errors/web-error.js';
import { getServices } from '../runtime.js';
import type { Services } from '../services.js';

/** The context without HTTP: what `createCaller` gets in tests and server code. */
export type InnerContext = { services: Services; user: ContextUser | null };

export const createInnerContext = ({ services, user }: InnerContext): InnerContext => ({ services, user });

/** The context of an HTTP request: the process's services and the request's signed-in user. */
export const createHttpContext = async ({ req }: { req: Request }): Promise<InnerContext> => {
  const services = await getServices();
  return createInnerContext({ services, user: await readRequestUser({ services, headers: req.headers }) });
};

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

/**
 * What a procedure declares: the least role it needs (`public`: anyone). The access test reads it to know
 * what to expect of every procedure for every role.
 */
export type ProcedureMeta = { role: UserRole | 'public' };

const t = initTRPC
  .context<InnerContext>()
  .meta<ProcedureMeta>()
  .create({
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
export const publicProcedure = t.procedure.meta({ role: 'public' }).use(mapErrors);

/**
 * A signed-in user of any role: every read of the cluster, and what concerns one's own account. A token
 * of scope `read` is refused every change.
 */
export const protectedProcedure = publicProcedure.meta({ role: 'viewer' }).use(({ ctx, type, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  if (type === 'mutation' && ctx.user.scope === 'read')
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `token ${ctx.user.tokenName ?? ''} has scope read: changes need a token of scope write`,
    });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

const roleNouns: Record<UserRole, string> = {
  admin: 'an admin',
  operator: 'an operator',
  viewer: 'a viewer',
};

/** Procedures for users of at least role `least` (admin > operator > viewer). */
const requireRole = (least: UserRole) =>
  protectedProcedure.meta({ role: least }).use(({ ctx, next }) => {
    if (!hasRole({ role: ctx.user.role, least }))
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `${ctx.user.name} is ${roleNouns[ctx.user.role]}: this needs ${least === 'admin' ? 'an admin' : 'an operator or an admin'}`,
      });
    return next({ ctx });
  });

/** An operator or an admin: instances and port mappings. */
export const operatorProcedure = requireRole('operator');

/** An admin: nodes, joins, orphan cleanup, cluster settings, users, and other users' sessions. */
export const adminProcedure = requireRole('admin');

type ChangeOptions<Schema extends z.ZodType, Result> = {
  schema: Schema;
  pick: (services: Services) => (change: { actor: string; request: z.output<Schema> }) => Promise<Result>;
};

/**
 * A change, as every change procedure is: the request parsed with `schema`, then the service function `pick`
 * names, called with it and the user as the audit log's actor (their name, and the token's if through one).
 */
const createChange = <Schema extends z.ZodType, Result>(
  procedure: typeof operatorProcedure,
  { schema, pick }: ChangeOptions<Schema, Result>,
) =>
  procedure.input(schema).mutation(({ ctx, input }) =>
    // tRPC infers the input of a generic schema lazily; it is the schema's output.
    pick(ctx.services)({ actor: formatActor({ user: ctx.user }), request: input as z.output<Schema> }),
  );

/** An admin's change (see createChange). */
export const adminChange = <Schema extends z.ZodType, Result>(options: ChangeOptions<Schema, Result>) =>
  createChange(adminProcedure, options);

/** An operator's (or admin's) change: instances and port mappings (see createChange). */
export const operatorChange = <Schema extends z.ZodType, Result>(options: ChangeOptions<Schema, Result>) =>
  createChange(operatorProcedure, options);
