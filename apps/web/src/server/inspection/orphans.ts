import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import type { AgentConnection } from '../agents/agent-gateway.js';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { toWebError } from '../errors/web-error.js';
import { connectAgent, readNodeRecord } from '../nodes/node-queries.js';
import { toStaleAttachmentOrphans } from './cni-orphans.js';

export const ZCleanOrphansRequest = z.object({
  nodeId: ZId,
  /** Only list what would be removed (the default): the plan to review before cleaning. */
  dryRun: z.boolean().default(true),
});
export type TCleanOrphansRequest = z.output<typeof ZCleanOrphansRequest>;

/**
 * Everything known on and around a node, which the agent never cleans as an orphan: what the database
 * holds, and every CNI attachment the agent lists (one the relay has not recorded yet included; those
 * whose container is gone are the agent's CNI GC's to remove, not netcore's orphan cleaning).
 */
const readKnown = async ({
  deps,
  nodeId,
  agent,
}: {
  deps: ServiceDeps;
  nodeId: string;
  agent: AgentConnection;
}) => {
  const [instances, others, { attachments }] = await Promise.all([
    deps.db.instance.findMany({ where: { nodeId }, select: { id: true } }),
    deps.db.node.findMany({ where: { id: { not: nodeId } }, select: { id: true } }),
    agent.listCniAttachments().catch((error: unknown) => {
      throw toWebError(error, { nodeId, operation: 'cni.listAttachments' });
    }),
  ]);
  const known = {
    nodeIds: [nodeId],
    instanceIds: [
      ...new Set([...instances.map(({ id }) => id), ...attachments.map(({ instanceId }) => instanceId)]),
    ],
    peerNodeIds: others.map(({ id }) => id),
  };
  return { known, staleAttachments: toStaleAttachmentOrphans(attachments) };
};

/**
 * What carries netcore's marks on a node but belongs to nothing in the database, and the CNI attachments
 * whose container is gone. Changes nothing.
 */
export const listOrphans = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  const agent = connectAgent({ deps, node });
  const { known, staleAttachments } = await readKnown({ deps, nodeId, agent });
  try {
    const { orphans } = await agent.orphans({ known });
    return { nodeId, dryRun: true, orphans: [...orphans, ...staleAttachments] };
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
      const agent = connectAgent({ deps, node });
      const orphans = await deps.nodeLock.run({
        key: nodeId,
        work: async () => {
          const { known, staleAttachments } = await readKnown({ deps, nodeId, agent });
          const cleaned = await agent.cleanOrphans({ known });
          if (staleAttachments.length === 0) return cleaned.orphans;
          // The agent decides again which are stale: one attached since the listing is kept.
          const { removed } = await agent.removeStaleCniAttachments().catch((error: unknown) => {
            throw toWebError(error, { nodeId, operation: 'cni.removeStale' });
          });
          return [...cleaned.orphans, ...staleAttachments.filter(({ name }) => removed.includes(name))];
        },
      });
      note.details = { removed: orphans.map(({ resource, name }) => `${resource} ${name}`) };
      return { nodeId, dryRun: false, orphans };
    },
  });
};
