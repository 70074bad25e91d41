import { ZUpdateClusterSettingsRequest } from '../../cluster/cluster-settings.js';
import { adminChange, createRouter, protectedProcedure } from '../trpc.js';

/** The cluster's address plan: the network node subnets are carved from, and their size. */
export const clusterRouter = createRouter({
  settings: protectedProcedure.query(({ ctx }) => ctx.services.cluster.getSettings()),
  updateSettings: adminChange({
    schema: ZUpdateClusterSettingsRequest,
    pick: (services) => services.cluster.updateSettings,
  }),
});
