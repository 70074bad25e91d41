import { ZMetricsRequest } from '../../metrics/read-metrics.js';
import { createRouter, protectedProcedure } from '../trpc.js';

/** The charts: operations, latency and errors per node and for the cluster, from the agents' metrics. */
export const metricsRouter = createRouter({
  series: protectedProcedure
    .input(ZMetricsRequest)
    .query(({ ctx, input }) => ctx.services.metrics.readSeries({ request: input })),
});
