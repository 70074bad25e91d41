import { authedProcedure, createRouter } from '../trpc.js';

export const healthRouter = createRouter({
  health: authedProcedure.query(({ ctx }) =>
    ctx.services.operations.runQuery({ operation: 'health', work: ctx.services.readHealth }),
  ),
});
