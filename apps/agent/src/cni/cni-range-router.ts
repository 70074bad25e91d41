import { authedProcedure, createRouter } from '../trpc.js';
import { ZCniRange } from './cni-schemas.js';

/**
 * The control plane's side of CNI, on the agent's authenticated API: delegate the node's CNI range (at
 * every node setup or re-apply), list the attachments and remove those whose container is gone (the
 * dashboard's orphan view).
 */
export const cniRangeRouter = createRouter({
  cni: createRouter({
    setRange: authedProcedure.input(ZCniRange).mutation(({ ctx, input }) => ctx.services.cni.setRange(input)),
    listAttachments: authedProcedure.query(({ ctx }) => ctx.services.cni.listAttachments()),
    /** Removes the attachments whose namespace is gone (the orphan view's clean). */
    removeStale: authedProcedure.mutation(({ ctx }) => ctx.services.cni.removeStale()),
  }),
});
