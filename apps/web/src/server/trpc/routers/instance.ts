import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { ZCreateInstanceRequest } from '../../instances/create-instance.js';
import { ZInstanceIdRequest } from '../../instances/delete-instance.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** Instances: an address from their node's subnet, a namespace, port mappings. */
export const instanceRouter = createRouter({
  list: protectedProcedure
    .input(z.object({ nodeId: ZId.optional() }).optional())
    .query(({ ctx, input }) => ctx.services.instances.list({ nodeId: input?.nodeId })),
  get: protectedProcedure
    .input(ZInstanceIdRequest)
    .query(({ ctx, input }) => ctx.services.instances.get(input)),
  create: adminProcedure
    .input(ZCreateInstanceRequest)
    .mutation(({ ctx, input }) => ctx.services.instances.create({ actor: ctx.user.name, request: input })),
  delete: adminProcedure
    .input(ZInstanceIdRequest)
    .mutation(({ ctx, input }) => ctx.services.instances.delete({ actor: ctx.user.name, request: input })),
});
