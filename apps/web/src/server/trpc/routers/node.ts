import { ZNodeIdRequest } from '@kudo/netcore';
import { ZAddNodeRequest } from '../../nodes/add-node.js';
import { ZRemoveNodeRequest } from '../../nodes/remove-node.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** Nodes: the machines running an agent, their subnets and their status. */
export const nodeRouter = createRouter({
  list: protectedProcedure.query(({ ctx }) => ctx.services.nodes.list()),
  get: protectedProcedure.input(ZNodeIdRequest).query(({ ctx, input }) => ctx.services.nodes.get(input)),
  add: adminProcedure
    .input(ZAddNodeRequest)
    .mutation(({ ctx, input }) => ctx.services.nodes.add({ actor: ctx.user.name, request: input })),
  remove: adminProcedure
    .input(ZRemoveNodeRequest)
    .mutation(({ ctx, input }) => ctx.services.nodes.remove({ actor: ctx.user.name, request: input })),
  /** Completes what a partial failure left undone, then checks the node. */
  retry: adminProcedure
    .input(ZNodeIdRequest)
    .mutation(({ ctx, input }) => ctx.services.nodes.retry({ actor: ctx.user.name, request: input })),
  /** A health check now, instead of waiting for the monitor. */
  check: adminProcedure.input(ZNodeIdRequest).mutation(({ ctx, input }) => ctx.services.nodes.check(input)),
});
