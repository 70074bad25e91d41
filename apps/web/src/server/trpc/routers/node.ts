import { ZNodeIdRequest } from '@kudo/netcore';
import { ZAddNodeRequest } from '../../nodes/add-node.js';
import { ZRemoveNodeRequest } from '../../nodes/remove-node.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/** Nodes: the machines running an agent, their subnets and their status. */
export const nodeRouter = createRouter({
  list: protectedProcedure.query(({ ctx }) => ctx.services.nodes.list()),
  get: protectedProcedure.input(ZNodeIdRequest).query(({ ctx, input }) => ctx.services.nodes.get(input)),
  add: adminChange({ schema: ZAddNodeRequest, pick: (services) => services.nodes.add }),
  remove: adminChange({ schema: ZRemoveNodeRequest, pick: (services) => services.nodes.remove }),
  /** Completes what a partial failure left undone, then checks the node. */
  retry: adminChange({ schema: ZNodeIdRequest, pick: (services) => services.nodes.retry }),
  /** A health check now, instead of waiting for the monitor. */
  check: adminChange({ schema: ZNodeIdRequest, pick: (services) => services.nodes.checkNow }),
});
