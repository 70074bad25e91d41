import { ZNodeCredentialsRequest } from '../../pki/node-credentials.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** A node's certificate from the cluster CA: shown on the node page, rotated by an admin. */
export const nodeCredentialsRouter = createRouter({
  get: protectedProcedure
    .input(ZNodeCredentialsRequest)
    .query(({ ctx, input }) => ctx.services.credentials.get(input)),
  /** A new key on the node and a new certificate; the old one is revoked. */
  rotate: adminProcedure
    .input(ZNodeCredentialsRequest)
    .mutation(({ ctx, input }) => ctx.services.credentials.rotate({ actor: ctx.user.name, request: input })),
});
