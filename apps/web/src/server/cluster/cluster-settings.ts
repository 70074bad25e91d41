import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { Database, DatabaseTransaction } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import { type ClusterPlan, validateClusterPlan } from '../ipam/ipam.js';

const settingsId = 1;

export const ZUpdateClusterSettingsRequest = z.object({
  clusterCidr: z.string().max(18),
  nodePrefixLength: z.number().int(),
});
export type TUpdateClusterSettingsRequest = z.output<typeof ZUpdateClusterSettingsRequest>;

/** The cluster's address plan (defaults: 10.0.0.0/16, /24 per node), created on first read. */
export const readClusterPlan = async ({
  db,
}: {
  db: Database | DatabaseTransaction;
}): Promise<ClusterPlan> => {
  const settings =
    (await db.clusterSettings.findUnique({ where: { id: settingsId } })) ??
    (await db.clusterSettings.upsert({ where: { id: settingsId }, create: { id: settingsId }, update: {} }));
  return { clusterCidr: settings.clusterCidr, nodePrefixLength: settings.nodePrefixLength };
};

/** Changes the address plan; refused once a node holds a subnet of the current one. */
export const updateClusterPlan = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TUpdateClusterSettingsRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'cluster.updateSettings',
    targetType: 'cluster',
    targetId: 'settings',
    details: { ...request },
    work: async () => {
      const plan = validateClusterPlan(request);
      return deps.db.$transaction(async (tx) => {
        const nodeCount = await tx.node.count();
        if (nodeCount > 0)
          throw new WebError({
            code: 'PRECONDITION_FAILED',
            field: 'clusterCidr',
            message: `the address plan cannot change while ${nodeCount} node(s) hold subnets of it`,
          });
        await tx.clusterSettings.upsert({
          where: { id: settingsId },
          create: { id: settingsId, ...plan },
          update: plan,
        });
        return plan;
      });
    },
  });
