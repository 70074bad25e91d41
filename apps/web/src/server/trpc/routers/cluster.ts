import { ZUpdateClusterSettingsRequest } from '../../cluster/cluster-settings.js';
import { adminProcedure, createRouter, protectedProcedure } from '../trpc.js';

/** The cluster's address plan: the network node subnets are carved from, and their size. */
export const clusterRouter = createRouter({
  settings: protectedProcedure.query(({ ctx }) => ctx.services.cluster.getSettings()),
  updateSettings: adminProcedure
    .input(ZUpdateClusterSettingsRequest)
    .mutation(({ ctx, input }) =>
      ctx.services.cluster.updateSettings({ actor: ctx.user.name, request: input }),
    ),
});
