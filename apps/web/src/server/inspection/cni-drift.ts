import type { Database } from '../db/database.js';

/**
 * CNI attachments are instances the control plane records but does not own: a container runtime made
 * them through the node's agent (its own namespace, not one named by netcore) and removes them. They are
 * not in the desired state the agent compares the node with, so its diff reports them as `unexpected`
 * instances with `cleanInstance` as the fix: those items are dropped here, or a reconcile would cut a
 * running container off. The runtime's CHECK is what verifies them.
 */
export const readCniInstanceIds = async ({ db, nodeId }: { db: Database; nodeId: string }) =>
  new Set(
    (await db.instance.findMany({ where: { nodeId, source: 'cni' }, select: { id: true } })).map(
      ({ id }) => id,
    ),
  );

/** Drift items about anything but the node's CNI attachments. */
export const dropCniDrift = <Item extends { target: string }>({
  items,
  cniInstanceIds,
}: {
  items: readonly Item[];
  cniInstanceIds: ReadonlySet<string>;
}) => items.filter(({ target }) => !cniInstanceIds.has(target));
