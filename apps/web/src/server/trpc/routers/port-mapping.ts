import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { ZSetPortMappingsRequest } from '../../port-mappings/set-port-mappings.js';
import { createRouter, operatorChange, protectedProcedure } from '../trpc.js';

/** Port mappings: a node's host port reaching an instance's port. */
export const portMappingRouter = createRouter({
  list: protectedProcedure
    .input(z.object({ nodeId: ZId.optional() }).optional())
    .query(({ ctx, input }) => ctx.services.portMappings.list({ nodeId: input?.nodeId })),
  /** Changes a running instance's mappings to exactly `ports`. */
  set: operatorChange({ schema: ZSetPortMappingsRequest, pick: (services) => services.portMappings.set }),
});
