import { ZApiTokenIdRequest, ZCreateApiTokenRequest } from '../../tokens/api-tokens.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/**
 * Personal API tokens for scripts (`Authorization: Bearer kudo_...`). Every user makes, lists and revokes
 * their own; an admin also lists and revokes anyone's. A token's secret is in the answer of `create` only.
 */
export const tokenRouter = createRouter({
  create: protectedProcedure
    .input(ZCreateApiTokenRequest)
    .mutation(({ ctx, input }) => ctx.services.tokens.create({ owner: ctx.user, request: input })),
  list: protectedProcedure.query(({ ctx }) => ctx.services.tokens.list({ userId: ctx.user.id })),
  listAll: adminProcedure.query(({ ctx }) => ctx.services.tokens.list({})),
  revoke: protectedProcedure
    .input(ZApiTokenIdRequest)
    .mutation(({ ctx, input }) => ctx.services.tokens.revoke({ owner: ctx.user, request: input })),
});
