import { ZNodeIdRequest, ZSetupNodeRequest } from '@kudo/netcore';
import { authedProcedure, createRouter } from '../trpc.js';
import { netcoreMutation } from './netcore-mutation.js';

/** The node itself: its bridge, forwarding and rules. */
export const nodeRouter = createRouter({
  setupNode: authedProcedure.input(ZSetupNodeRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'setupNode',
      input,
      work: () =>
        ctx.services.netcore.setupNode({
          ...input,
          protectedPorts: [...input.protectedPorts, ...ctx.services.protectedPorts],
        }),
    }),
  ),
  setupIptables: netcoreMutation({ operation: 'setupIptables', schema: ZNodeIdRequest }),
  cleanNode: netcoreMutation({ operation: 'cleanNode', schema: ZNodeIdRequest }),
});
