import { ZNodeRequest } from '@kudo/netcore';
import { z } from 'zod';
import { authedProcedure, createRouter } from '../trpc.js';

/** The other nodes of the cluster: routes to their instance networks and the rules that let them in. */
export const clusterRouter = createRouter({
  /** Input: the list of other nodes, as netcore's addOtherNodes takes it. */
  addOtherNodes: authedProcedure.input(z.array(ZNodeRequest)).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'addOtherNodes',
      input,
      work: () => ctx.services.netcore.addOtherNodes(input),
    }),
  ),
  newNodeInCluster: authedProcedure.input(ZNodeRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'newNodeInCluster',
      input,
      work: () => ctx.services.netcore.newNodeInCluster(input),
    }),
  ),
  deleteNodeInCluster: authedProcedure.input(ZNodeRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'deleteNodeInCluster',
      input,
      work: () => ctx.services.netcore.deleteNodeInCluster(input),
    }),
  ),
});
