import { ZNodeCredentialsRequest } from '../../pki/node-credentials.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/** A node's certificate from the cluster CA: shown on the node page, rotated by an admin. */
export const nodeCredentialsRouter = createRouter({
  get: protectedProcedure
    .input(ZNodeCredentialsRequest)
    .query(({ ctx, input }) => ctx.services.credentials.get(input)),
  /** A new key on the node and a new certificate; the old one is revoked. */
  rotate: adminChange({ schema: ZNodeCredentialsRequest, pick: (services) => services.credentials.rotate }),
});
