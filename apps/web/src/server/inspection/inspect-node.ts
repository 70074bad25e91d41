import type { ServiceDeps } from '../deps.js';
import { toWebError } from '../errors/web-error.js';
import { toDesiredNode } from '../nodes/node-model.js';
import { connectAgent, readInstances, readNodeRecord, readPeers } from '../nodes/node-queries.js';
import { dropCniDrift, readCniInstanceIds } from './cni-drift.js';
import { toPublicDriftItems } from './drift-items.js';

/**
 * The desired state of a node from the database, compared by its agent with what its kernel has.
 * The caller holds the node's lock (so no change of ours is half-done while we look).
 */
export const diffNodeLocked = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  const [peers, instances, cniInstanceIds] = await Promise.all([
    readPeers({ db: deps.db, nodeId }),
    readInstances({ db: deps.db, nodeId }),
    readCniInstanceIds({ db: deps.db, nodeId }),
  ]);
  const desired = toDesiredNode({ node, peers, instances });
  const agent = connectAgent({ deps, node });
  try {
    const { drift, actual } = await agent.diff({ desired });
    const items = toPublicDriftItems(dropCniDrift({ items: drift, cniInstanceIds }));
    return { node, agent, instances, desired, items, actual };
  } catch (error) {
    throw toWebError(error, { nodeId, operation: 'diff' });
  }
};

/** Drift of one node: each item says what differs from the database and which call fixes it. */
export const inspectNode = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const { desired, items, actual } = await deps.nodeLock.run({
    key: nodeId,
    work: () => diffNodeLocked({ deps, nodeId }),
  });
  return { nodeId, hasDrift: items.length > 0, items, desired, actual, inspectedAt: new Date() };
};
