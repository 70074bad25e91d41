import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { toWebError } from '../errors/web-error.js';
import { connectAgent, readNodeRecord } from '../nodes/node-queries.js';

export const ZCleanOrphansRequest = z.object({
  nodeId: ZId,
  /** Only list what would be removed (the default): the plan to review before cleaning. */
  dryRun: z.boolean().default(true),
});
export type TCleanOrphansRequest = z.output<typeof ZCleanOrphansRequest>;

/** Everything the database knows on and around a node: the agent never cleans any of it. */
const readKnown = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const [instances, others] = await Promise.all([
    deps.db.instance.findMany({ where: { nodeId }, select: { id: true } }),
    deps.db.node.findMany({ where: { id: { not: nodeId } }, select: { id: true } }),
  ]);
  return {
    nodeIds: [nodeId],
    instanceIds: instances.map(({ id }) => id),
    peerNodeIds: others.map(({ id }) => id),
  };
};

/** What carries netcore's marks on a node but belongs to nothing in the database. Changes nothing. */
export const listOrphans = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  const known = await readKnown({ deps, nodeId });
  try {
    const { orphans } = await connectAgent({ deps, node }).orphans({ known });
    return { nodeId, dryRun: true, orphans };
  } catch (error) {
    throw toWebError(error, { nodeId, operation: 'orphans' });
  }
};

/** Removes a node's orphans; with `dryRun` (the default) only returns the plan. */
export const cleanOrphans = async ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TCleanOrphansRequest;
}) => {
  const { nodeId, dryRun } = request;
  if (dryRun) return listOrphans({ deps, nodeId });
  return runAudited({
    deps,
    actor,
    action: 'inspection.cleanOrphans',
    targetType: 'node',
    targetId: nodeId,
    work: async (note) => {
      const node = await readNodeRecord({ db: deps.db, nodeId });
      const { orphans } = await deps.nodeLock.run({
        key: nodeId,
        work: async () =>
          connectAgent({ deps, node }).cleanOrphans({ known: await readKnown({ deps, nodeId }) }),
      });
      note.details = { removed: orphans.map(({ resource, name }) => `${resource} ${name}`) };
      return { nodeId, dryRun: false, orphans };
    },
  });
};
