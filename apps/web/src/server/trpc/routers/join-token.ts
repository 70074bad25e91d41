import { ZCreateJoinTokenRequest, ZJoinTokenIdRequest } from '../../join/join-tokens.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/**
 * Join tokens: how a new machine joins the cluster (`kudo-agent join`). Only admins make or revoke one (a
 * token adds a node); like every read, the list (who made which token, when it expires, which node used it;
 * never a token) and the CA's certificate are open to viewers.
 */
export const joinTokenRouter = createRouter({
  /** A new token; the answer is the only time the token itself is seen. */
  create: adminProcedure
    .input(ZCreateJoinTokenRequest)
    .mutation(({ ctx, input }) => ctx.services.join.createToken({ actor: ctx.user.name, request: input })),
  list: protectedProcedure.query(({ ctx }) => ctx.services.join.listTokens()),
  revoke: adminProcedure
    .input(ZJoinTokenIdRequest)
    .mutation(({ ctx, input }) => ctx.services.join.revokeToken({ actor: ctx.user.name, request: input })),
  /** The cluster CA's certificate and its fingerprint, for the join command's `--ca-hash`. */
  ca: protectedProcedure.query(({ ctx }) => ctx.services.join.readCa()),
});
