import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { ZCreateInstanceRequest } from '../../instances/create-instance.js';
import { ZInstanceIdRequest } from '../../instances/delete-instance.js';
import { createRouter, operatorChange, protectedProcedure } from '../trpc.js';

/** Instances: an address from their node's subnet, a namespace, port mappings. */
export const instanceRouter = createRouter({
  list: protectedProcedure
    .input(z.object({ nodeId: ZId.optional() }).optional())
    .query(({ ctx, input }) => ctx.services.instances.list({ nodeId: input?.nodeId })),
  get: protectedProcedure
    .input(ZInstanceIdRequest)
    .query(({ ctx, input }) => ctx.services.instances.get(input)),
  create: operatorChange({ schema: ZCreateInstanceRequest, pick: (services) => services.instances.create }),
  delete: operatorChange({ schema: ZInstanceIdRequest, pick: (services) => services.instances.delete }),
});
