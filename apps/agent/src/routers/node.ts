import { ZNodeIdRequest, ZSetupNodeRequest } from '@kudo/netcore';
import { authedProcedure, createRouter } from '../trpc.js';

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
  setupIptables: authedProcedure.input(ZNodeIdRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'setupIptables',
      input,
      work: () => ctx.services.netcore.setupIptables(input),
    }),
  ),
  cleanNode: authedProcedure.input(ZNodeIdRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'cleanNode',
      input,
      work: () => ctx.services.netcore.cleanNode(input),
    }),
  ),
});
