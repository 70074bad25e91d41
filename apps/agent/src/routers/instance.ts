import {
  ZCleanInstanceRequest,
  ZId,
  ZSetPortMappingsRequest,
  ZSetupInstanceRequest,
  ZSetupInstancesRequest,
} from '@kudo/netcore';
import { z } from 'zod';
import { authedProcedure, createRouter } from '../trpc.js';

/** Instances on this node: namespace, veth, address, route and port mappings. */
export const instanceRouter = createRouter({
  setupInstance: authedProcedure.input(ZSetupInstanceRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'setupInstance',
      input,
      work: () => ctx.services.netcore.setupInstance(input),
    }),
  ),
  /** Many instances at once, all or nothing: what re-applying a node after a reboot needs. */
  setupInstances: authedProcedure.input(ZSetupInstancesRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'setupInstances',
      input,
      work: () => ctx.services.netcore.setupInstances(input),
    }),
  ),
  cleanInstance: authedProcedure.input(ZCleanInstanceRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'cleanInstance',
      input,
      work: () => ctx.services.netcore.cleanInstance(input),
    }),
  ),
  setPortMappings: authedProcedure.input(ZSetPortMappingsRequest).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'setPortMappings',
      input,
      work: () => ctx.services.netcore.setPortMappings(input),
    }),
  ),
  /** The network namespace an instance of this id gets on this node (deterministic; nothing is read). */
  getNamespaceName: authedProcedure.input(z.object({ instanceId: ZId })).query(({ ctx, input }) =>
    ctx.services.operations.runQuery({
      operation: 'getNamespaceName',
      work: async () => ({ namespaceName: ctx.services.netcore.getNamespaceName(input.instanceId) }),
    }),
  ),
});
