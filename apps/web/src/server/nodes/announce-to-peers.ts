import type { ServiceDeps } from '../deps.js';
import { describeError, toWebError } from '../errors/web-error.js';
import { type NodeRecord, toNodeRequest } from './node-model.js';
import { connectAgent } from './node-queries.js';
import { saveNodeStatus } from './node-status.js';
import { clearPendingChange, type PendingChangeKind, recordPendingChange } from './pending-changes.js';

/** The calls that tell other nodes about a node: its addition, its removal. */
export type PeerAnnouncement = Extract<PendingChangeKind, 'newNodeInCluster' | 'deleteNodeInCluster'>;

/** After each peer: how many have been told (or failed), of how many, and which one just finished. */
export type AnnounceProgress = {
  done: number;
  total: number;
  peer: { nodeId: string; isAnnounced: boolean };
};

/**
 * Tells every peer about a node that is added (`newNodeInCluster`) or removed (`deleteNodeInCluster`),
 * in parallel, each under its peer's lock. A peer told clears any pending change about the node; a peer
 * that could not be told gets the call as a pending change (a retry or the health monitor runs it) and
 * is marked degraded with the reason: it lacks a route to a new node, or still routes to a gone one.
 * `onProgress` is called after each peer (a failure of its own is logged, not thrown). Returns the
 * failures' messages.
 */
export const announceToPeers = async ({
  deps,
  node,
  peers,
  operation,
  onProgress,
}: {
  deps: ServiceDeps;
  node: Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>;
  peers: readonly NodeRecord[];
  operation: PeerAnnouncement;
  onProgress?: (progress: AnnounceProgress) => void;
}) => {
  const announcement = toNodeRequest(node);
  const failures: string[] = [];
  let done = 0;
  const announceToPeer = async (peer: NodeRecord) => {
    try {
      await connectAgent({ deps, node: peer })[operation](announcement);
      await clearPendingChange({ deps, nodeId: peer.id, subjectId: node.id });
      return true;
    } catch (error) {
      const webError = toWebError(error, { nodeId: peer.id, operation });
      failures.push(webError.message);
      await recordPendingChange({
        deps,
        nodeId: peer.id,
        subjectId: node.id,
        kind: operation,
        payload: announcement,
        error: webError,
      });
      await saveNodeStatus({
        deps,
        nodeId: peer.id,
        status: 'degraded',
        reason: `${operation}(${node.id}) not yet applied: ${describeError(webError)}`,
      });
      return false;
    }
  };
  await Promise.all(
    peers.map(async (peer) => {
      const isAnnounced = await deps.nodeLock.run({ key: peer.id, work: () => announceToPeer(peer) });
      done += 1;
      try {
        onProgress?.({ done, total: peers.length, peer: { nodeId: peer.id, isAnnounced } });
      } catch (error) {
        deps.logger.warn({ nodeId: node.id, error: describeError(error) }, 'announcement progress failed');
      }
    }),
  );
  return { failures };
};
