import { z } from 'zod';
import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import { readLiveOwners } from '../locks/replica-liveness.js';
import { connectAgent, readNodeRecord } from './node-queries.js';

/**
 * Calls an agent still has to receive. A failed step of a multi-node change (an unreachable peer, a node
 * whose setup failed) is recorded here instead of being lost; the health monitor and `retry` run it again.
 * A newer change about the same node replaces an older one (a removal replaces a pending addition).
 */
export const pendingChangeKinds = ['reapplyNode', 'newNodeInCluster', 'deleteNodeInCluster'] as const;
export type PendingChangeKind = (typeof pendingChangeKinds)[number];

const ZPeerPayload = z.object({
  nodeId: z.string(),
  nodeIp: z.object({ clusterIpCidr: z.string(), externalIpAddr: z.string() }),
});

export const recordPendingChange = async ({
  deps,
  nodeId,
  subjectId,
  kind,
  payload = {},
  error,
}: {
  deps: ServiceDeps;
  nodeId: string;
  subjectId: string;
  kind: PendingChangeKind;
  payload?: unknown;
  error: unknown;
}) => {
  const lastError = describeError(error);
  await deps.db.pendingChange.upsert({
    where: { nodeId_subjectId: { nodeId, subjectId } },
    // A failed call is no longer anyone's change in flight: any replica runs it again.
    create: { nodeId, subjectId, kind, payload: JSON.stringify(payload), lastError, changeOwner: null },
    update: { kind, payload: JSON.stringify(payload), lastError, attempts: 0, changeOwner: null },
  });
};

/** Forgets a pending change about `subjectId` on `nodeId` (it was done, or superseded by a success). */
export const clearPendingChange = async ({
  deps,
  nodeId,
  subjectId,
}: {
  deps: ServiceDeps;
  nodeId: string;
  subjectId: string;
}) => {
  await deps.db.pendingChange.deleteMany({ where: { nodeId, subjectId } });
};

/**
 * Whether a pending change is another live control plane's change in flight (an addition it is making):
 * then it is that process's to finish, not ours to run. One whose owner is gone is anyone's.
 */
export const isOwnedByOtherLive = ({
  changeOwner,
  self,
  liveOwners,
}: {
  changeOwner: string | null;
  self: string | undefined;
  liveOwners: readonly string[];
}) => changeOwner !== null && changeOwner !== self && liveOwners.includes(changeOwner);

/**
 * Runs the pending changes a node's agent must receive, oldest first; each one that succeeds is removed,
 * each failure is kept with its error (and no owner any more). A change another live replica is making is
 * left to it (counted as left). `reapply` re-applies the node (it is given by the caller, which holds the
 * node's lock). Returns how many are left.
 */
export const runPendingChanges = async ({
  deps,
  nodeId,
  reapply,
}: {
  deps: ServiceDeps;
  nodeId: string;
  reapply: () => Promise<unknown>;
}) => {
  const [changes, liveOwners] = await Promise.all([
    deps.db.pendingChange.findMany({ where: { nodeId }, orderBy: { id: 'asc' } }),
    readLiveOwners({ db: deps.db }),
  ]);
  let left = 0;
  for (const change of changes) {
    if (isOwnedByOtherLive({ changeOwner: change.changeOwner, self: deps.changeOwner, liveOwners })) {
      left += 1;
      continue;
    }
    try {
      if (change.kind === 'reapplyNode') await reapply();
      else {
        const node = await readNodeRecord({ db: deps.db, nodeId });
        const request = ZPeerPayload.parse(JSON.parse(change.payload));
        const agent = connectAgent({ deps, node });
        if (change.kind === 'newNodeInCluster') await agent.newNodeInCluster(request);
        else await agent.deleteNodeInCluster(request);
      }
      // Delete this row only: a newer change about the same subject may have replaced it meanwhile.
      await deps.db.pendingChange.deleteMany({ where: { id: change.id, updatedAt: change.updatedAt } });
    } catch (error) {
      left += 1;
      await deps.db.pendingChange.updateMany({
        where: { id: change.id },
        data: { attempts: { increment: 1 }, lastError: describeError(error), changeOwner: null },
      });
    }
  }
  return { left };
};

/** Human summary of what is still pending for or about a node, for its status reason. */
export const describePendingChanges = (
  changes: readonly { nodeId: string; subjectId: string; kind: string; lastError: string | null }[],
) =>
  changes
    .map(({ nodeId, subjectId, kind, lastError }) => {
      const what =
        kind === 'reapplyNode'
          ? `node ${nodeId} is not fully applied`
          : `${kind}(${subjectId}) not yet applied on node ${nodeId}`;
      return lastError ? `${what} (${lastError})` : what;
    })
    .join('; ');
