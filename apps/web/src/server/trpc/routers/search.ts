import { searchCluster, ZSearchRequest } from '../../search/search-cluster.js';
import { createRouter, protectedProcedure } from '../trpc.js';

/** One search over the cluster: nodes, instances, addresses, namespaces, container ids and host ports. */
export const searchRouter = createRouter({
  query: protectedProcedure
    .input(ZSearchRequest)
    .query(({ ctx, input }) => searchCluster({ services: ctx.services, request: input })),
});
