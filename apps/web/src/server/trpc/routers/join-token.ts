import { ZCreateJoinTokenRequest, ZJoinTokenIdRequest } from '../../join/join-tokens.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/**
 * Join tokens: how a new machine joins the cluster (`kudo-agent join`). Only admins make or revoke one (a
 * token adds a node); like every read, the list (who made which token, when it expires, which node used it;
 * never a token) and the CA's certificate are open to viewers.
 */
export const joinTokenRouter = createRouter({
  /** A new token; the answer is the only time the token itself is seen. */
  create: adminChange({ schema: ZCreateJoinTokenRequest, pick: (services) => services.join.createToken }),
  list: protectedProcedure.query(({ ctx }) => ctx.services.join.listTokens()),
  revoke: adminChange({ schema: ZJoinTokenIdRequest, pick: (services) => services.join.revokeToken }),
  /** The cluster CA's certificate and its fingerprint, for the join command's `--ca-hash`. */
  ca: protectedProcedure.query(({ ctx }) => ctx.services.join.readCa()),
});
