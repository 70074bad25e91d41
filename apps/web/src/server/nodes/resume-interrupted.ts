import { recordAudit, systemActor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { readLiveOwners } from '../locks/replica-liveness.js';
import { toNodeRequest } from './node-model.js';
import { readPeers } from './node-queries.js';

const interruptedReason = 'the control plane stopped while this was under way; set up again by its node';

/**
 * Which in-flight rows are orphans: owned by a process that holds no live lease. At start, also those of no
 * owner (a database of a control plane older than owners, or a test's): nothing else can be working on
 * them then. Later (a replica on duty looking for what a dead replica left), an ownerless row is left alone:
 * a control plane without an owner name may still be on it.
 */
const toOrphanFilter = ({ liveOwners, isStarting }: { liveOwners: string[]; isStarting: boolean }) =>
  isStarting
    ? { OR: [{ changeOwner: null }, { changeOwner: { notIn: liveOwners } }] }
    : { changeOwner: { notIn: liveOwners } };

/**
 * What a stopped process left half-done becomes pending changes, which the health monitor's next check
 * then completes. Run when a control plane starts, before it serves anyone (`isStarting`), and at each tick
 * of the replica on duty, for the changes of replicas that died meanwhile (never one a live replica owns).
 * - An instance still `pending` was being created: it is marked failed, and its node re-applied.
 * - An instance still `deleting` without a pending re-apply of its node: the re-apply finishes the deletion.
 * - At start only: a node still `pending` (being added) without pending changes about it (a database older
 *   than the addition's intent log): its setup and its announcement to the other nodes are recorded again.
 *   (An addition's intent is run by the monitor as it is, once its owner is gone: pending-changes.ts.)
 * Only the database is touched here; no agent is called.
 */
export const resumeInterruptedChanges = async ({
  deps,
  isStarting = true,
}: {
  deps: ServiceDeps;
  isStarting?: boolean;
}) => {
  const startedAt = performance.now();
  const orphaned = toOrphanFilter({ liveOwners: await readLiveOwners({ db: deps.db }), isStarting });
  const [pendingInstances, deletingInstances, reapplies] = await Promise.all([
    deps.db.instance.findMany({
      where: { status: 'pending', ...orphaned },
      select: { id: true, nodeId: true },
    }),
    deps.db.instance.findMany({
      where: { status: 'deleting', ...orphaned },
      select: { id: true, nodeId: true },
    }),
    deps.db.pendingChange.findMany({ where: { kind: 'reapplyNode' }, select: { nodeId: true } }),
  ]);
  const pendingNodes = isStarting
    ? await deps.db.node.findMany({
        where: { status: 'pending', removeRequestedAt: null },
        select: { id: true, subnet: true, externalIpAddr: true },
      })
    : [];
  const nodesToReapply = new Set(
    [...pendingInstances, ...deletingInstances]
      .map(({ nodeId }) => nodeId)
      .filter((nodeId) => !reapplies.some((change) => change.nodeId === nodeId)),
  );
  const unannouncedNodes: typeof pendingNodes = [];
  for (const node of pendingNodes)
    if ((await deps.db.pendingChange.count({ where: { subjectId: node.id } })) === 0)
      unannouncedNodes.push(node);
  if (pendingInstances.length + nodesToReapply.size + unannouncedNodes.length === 0)
    return { failedInstances: [], reappliedNodes: [], announcedNodes: [] };

  await deps.db.$transaction(async (tx) => {
    await tx.instance.updateMany({
      where: { id: { in: pendingInstances.map(({ id }) => id) }, status: 'pending' },
      data: { status: 'failed', statusReason: interruptedReason, changeOwner: null },
    });
    const changes = [...nodesToReapply].map((nodeId) => ({
      nodeId,
      subjectId: nodeId,
      kind: 'reapplyNode',
      payload: '{}',
    }));
    for (const node of unannouncedNodes) {
      changes.push({ nodeId: node.id, subjectId: node.id, kind: 'reapplyNode', payload: '{}' });
      for (const peer of await readPeers({ db: tx, nodeId: node.id }))
        changes.push({
          nodeId: peer.id,
          subjectId: node.id,
          kind: 'newNodeInCluster',
          payload: JSON.stringify(toNodeRequest(node)),
        });
    }
    for (const change of changes)
      await tx.pendingChange.upsert({
        where: { nodeId_subjectId: { nodeId: change.nodeId, subjectId: change.subjectId } },
        create: { ...change, lastError: interruptedReason },
        update: {
          kind: change.kind,
          payload: change.payload,
          lastError: interruptedReason,
          changeOwner: null,
        },
      });
  });
  const result = {
    failedInstances: pendingInstances.map(({ id }) => id),
    reappliedNodes: [...nodesToReapply],
    announcedNodes: unannouncedNodes.map(({ id }) => id),
  };
  await recordAudit({
    deps,
    record: {
      actor: systemActor,
      action: 'controlPlane.resume',
      targetType: 'cluster',
      targetId: 'control-plane',
      result: 'ok',
      details: result,
      durationMs: Math.round(performance.now() - startedAt),
    },
  });
  deps.logger.warn(result, 'resumed changes a stopped control plane left unfinished');
  return result;
};
