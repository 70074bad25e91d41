import { ZDesiredNode, ZKnownResources, ZNodeIdRequest } from '@kudo/netcore';
import { z } from 'zod';
import { authedProcedure, createRouter } from '../trpc.js';

/** What really exists on the node, how it differs from what should, and what belongs to nothing. */
export const inspectionRouter = createRouter({
  inspect: authedProcedure.input(ZNodeIdRequest).query(({ ctx, input }) =>
    ctx.services.operations.runQuery({
      operation: 'inspect',
      work: () => ctx.services.netcore.inspectNode(input),
    }),
  ),
  /** Reads the node and compares it with `desired`; each drift item names the call that fixes it. */
  diff: authedProcedure.input(z.object({ desired: ZDesiredNode })).query(({ ctx, input }) =>
    ctx.services.operations.runQuery({
      operation: 'diff',
      work: async () => {
        const actual = await ctx.services.netcore.inspectNode({ nodeId: input.desired.nodeId });
        const drift = ctx.services.netcore.diffNode({ desired: input.desired, actual });
        return { hasDrift: drift.length > 0, drift, actual };
      },
    }),
  ),
  /** The dry run: what cleanOrphans would remove, and how. Changes nothing. */
  orphans: authedProcedure.input(z.object({ known: ZKnownResources })).query(({ ctx, input }) =>
    ctx.services.operations.runQuery({
      operation: 'orphans',
      work: async () => ({
        dryRun: true as const,
        orphans: await ctx.services.netcore.findOrphans({ known: input.known }),
      }),
    }),
  ),
  /** Removes what carries netcore's marks but is not in `known` (always for real: `orphans` is the dry run). */
  cleanOrphans: authedProcedure.input(z.object({ known: ZKnownResources })).mutation(({ ctx, input }) =>
    ctx.services.operations.runMutation({
      operation: 'cleanOrphans',
      input,
      work: () => ctx.services.netcore.cleanOrphans({ known: input.known, dryRun: false }),
    }),
  ),
});
