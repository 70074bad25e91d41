import {
  ZCleanInstanceRequest,
  ZId,
  ZSetPortMappingsRequest,
  ZSetupInstanceRequest,
  ZSetupInstancesRequest,
} from '@kudo/netcore';
import { z } from 'zod';
import { authedProcedure, createRouter } from '../trpc.js';
import { netcoreMutation } from './netcore-mutation.js';

/** Instances on this node: namespace, veth, address, route and port mappings. */
export const instanceRouter = createRouter({
  setupInstance: netcoreMutation({ operation: 'setupInstance', schema: ZSetupInstanceRequest }),
  /** Many instances at once, all or nothing: what re-applying a node after a reboot needs. */
  setupInstances: netcoreMutation({ operation: 'setupInstances', schema: ZSetupInstancesRequest }),
  cleanInstance: netcoreMutation({ operation: 'cleanInstance', schema: ZCleanInstanceRequest }),
  setPortMappings: netcoreMutation({ operation: 'setPortMappings', schema: ZSetPortMappingsRequest }),
  /** The network namespace an instance of this id gets on this node (deterministic; nothing is read). */
  getNamespaceName: authedProcedure.input(z.object({ instanceId: ZId })).query(({ ctx, input }) =>
    ctx.services.operations.runQuery({
      operation: 'getNamespaceName',
      work: async () => ({ namespaceName: ctx.services.netcore.getNamespaceName(input.instanceId) }),
    }),
  ),
});
