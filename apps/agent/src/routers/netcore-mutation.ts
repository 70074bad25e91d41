import type { Netcore } from '@kudo/netcore';
import type { z } from 'zod';
import { authedProcedure } from '../trpc.js';

/** The netcore operations that change the node and take one request, run as they are. */
type NetcoreChanges = Pick<
  Netcore,
  | 'setupIptables'
  | 'cleanNode'
  | 'addOtherNodes'
  | 'newNodeInCluster'
  | 'deleteNodeInCluster'
  | 'setupInstance'
  | 'setupInstances'
  | 'cleanInstance'
  | 'setPortMappings'
>;

type Request<Operation extends keyof NetcoreChanges> = Parameters<NetcoreChanges[Operation]>[0];
type Result<Operation extends keyof NetcoreChanges> = Awaited<ReturnType<NetcoreChanges[Operation]>>;

/**
 * A netcore operation as one of this agent's mutations: the request parsed with `schema`, then run in
 * the operation queue (one change at a time, logged, timed, counted and streamed as events).
 */
export const netcoreMutation = <
  Operation extends keyof NetcoreChanges,
  Schema extends z.ZodType<Request<Operation>, unknown>,
>({
  operation,
  schema,
}: {
  operation: Operation;
  schema: Schema;
}) =>
  authedProcedure.input(schema).mutation(({ ctx, input }) => {
    // TypeScript cannot tie a method picked by a generic name to its own request type: the one cast here.
    const change = ctx.services.netcore[operation] as unknown as (
      request: Request<Operation>,
    ) => Promise<Result<Operation>>;
    return ctx.services.operations.runMutation({ operation, input, work: () => change(input) });
  });
