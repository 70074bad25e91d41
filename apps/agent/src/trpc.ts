import { formatFieldIssue, isNetcoreError, type Netcore } from '@kudo/netcore';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Logger } from 'pino';
import type { CniService } from './cni/cni-service.js';
import { readNetcoreErrorData, toTRPCError } from './error-mapping.js';
import type { EventLog } from './services/event-log.js';
import type { Health } from './services/health.js';
import type { Operations } from './services/operations.js';
import type { CredentialService } from './tls/credential-service.js';

/** Everything a procedure may use; built once per agent. */
export type AgentServices = {
  nodeId: string;
  hostNamespace: string | undefined;
  netcore: Netcore;
  operations: Operations;
  events: EventLog;
  readHealth: () => Promise<Health>;
  /** The agent's TLS credentials and their renewal; undefined for a plain-HTTP agent on loopback. */
  credentials: CredentialService | undefined;
  logger: Logger;
  /** The agent's own port: every setupNode protects it, so instances cannot reach the agent through the bridge. */
  protectedPorts: number[];
  /** Container attachments through the `kudo` CNI plugin, from the range the control plane delegates. */
  cni: CniService;
};

/** The inner context: no HTTP in it, so `createCaller` can drive the router in tests. */
export type AgentContext = { services: AgentServices; isAuthenticated: boolean };

export const createInnerContext = ({ services, isAuthenticated }: AgentContext): AgentContext => ({
  services,
  isAuthenticated,
});

const t = initTRPC.context<AgentContext>().create({
  // Never send stack traces to callers, whatever NODE_ENV says.
  isDev: false,
  errorFormatter: ({ shape, error }) => {
    const netcore = readNetcoreErrorData(error);
    // A refused input reads like a netcore refusal (`field: reason`), not like a dump of zod issues.
    const message = netcore && !isNetcoreError(error.cause) ? formatFieldIssue(netcore) : shape.message;
    return { ...shape, message, data: { ...shape.data, netcore } };
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
});

export const createRouter = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** A NetcoreError thrown by a procedure becomes a tRPC error of the mapped code, keeping it as cause. */
const mapNetcoreErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isNetcoreError(result.error.cause)) throw toTRPCError(result.error.cause);
  return result;
});

const requireAuthentication = t.middleware(({ ctx, next }) => {
  if (!ctx.isAuthenticated)
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' });
  return next();
});

/** Every agent procedure: authenticated, with netcore failures mapped. */
export const authedProcedure = t.procedure.use(mapNetcoreErrors).use(requireAuthentication);
