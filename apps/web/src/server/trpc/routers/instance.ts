import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { ZCreateInstanceRequest } from '../../instances/create-instance.js';
import { ZInstanceIdRequest } from '../../instances/delete-instance.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/** Instances: an address from their node's subnet, a namespace, port mappings. */
export const instanceRouter = createRouter({
  list: protectedProcedure
    .input(z.object({ nodeId: ZId.optional() }).optional())
    .query(({ ctx, input }) => ctx.services.instances.list({ nodeId: input?.nodeId })),
  get: protectedProcedure
    .input(ZInstanceIdRequest)
    .query(({ ctx, input }) => ctx.services.instances.get(input)),
  create: adminChange({ schema: ZCreateInstanceRequest, pick: (services) => services.instances.create }),
  delete: adminChange({ schema: ZInstanceIdRequest, pick: (services) => services.instances.delete }),
});
