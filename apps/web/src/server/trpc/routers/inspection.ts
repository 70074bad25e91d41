import { ZNodeIdRequest } from '@kudo/netcore';
import { ZCleanOrphansRequest } from '../../inspection/orphans.js';
import { ZReconcileRequest } from '../../inspection/reconcile-node.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/** How nodes differ from the database, how to make them match, and what belongs to nothing. */
export const inspectionRouter = createRouter({
  inspect: protectedProcedure
    .input(ZNodeIdRequest)
    .query(({ ctx, input }) => ctx.services.inspection.inspect(input)),
  /** Fixes one drift item (`itemId`) or all of a node's drift. */
  reconcile: adminChange({ schema: ZReconcileRequest, pick: (services) => services.inspection.reconcile }),
  /** The dry run: what cleaning a node's orphans would remove. */
  orphans: protectedProcedure
    .input(ZNodeIdRequest)
    .query(({ ctx, input }) => ctx.services.inspection.listOrphans(input)),
  cleanOrphans: adminChange({
    schema: ZCleanOrphansRequest,
    pick: (services) => services.inspection.cleanOrphans,
  }),
});
