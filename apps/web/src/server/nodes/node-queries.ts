import type { Database, DatabaseTransaction } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import type { NodeRecord } from './node-model.js';

type Reader = Database | DatabaseTransaction;

/** The fields of a NodeRecord, for a query that reads the node along with something else. */
export const nodeRecordSelect = {
  id: true,
  agentUrl: true,
  agentToken: true,
  externalIpAddr: true,
  subnet: true,
  nodeIpAddr: true,
  status: true,
  statusReason: true,
  removeRequestedAt: true,
  lastBootId: true,
} as const;

/** A node with what is needed to drive its agent (server-side only), or NOT_FOUND. */
export const readNodeRecord = async ({ db, nodeId }: { db: Reader; nodeId: string }) => {
  const node = await db.node.findUnique({ where: { id: nodeId }, select: nodeRecordSelect });
  if (!node) throw new WebError({ code: 'NOT_FOUND', field: 'nodeId', message: `no node '${nodeId}'` });
  return node;
};

/**
 * A node record (as readNodeRecord) with what allocating on it needs: its instances' ids and addresses, and
 * of its port mappings only those on `hostPorts` (the ones a request could collide with: reading every
 * mapping of a busy node for each creation grew with the node), in one query. NOT_FOUND if there is no
 * such node.
 */
export const readNodeAllocations = async ({
  db,
  nodeId,
  hostPorts,
}: {
  db: Reader;
  nodeId: string;
  hostPorts: readonly number[];
}) => {
  const node = await db.node.findUnique({
    where: { id: nodeId },
    select: {
      ...nodeRecordSelect,
      instances: { select: { id: true, ipAddr: true } },
      portMappings: {
        where: { hostPort: { in: [...new Set(hostPorts)] } },
        select: { protocol: true, hostPort: true, instanceId: true },
      },
    },
  });
  if (!node) throw new WebError({ code: 'NOT_FOUND', field: 'nodeId', message: `no node '${nodeId}'` });
  return node;
};

/** The other nodes of the cluster (a node being removed no longer counts). */
export const readPeers = ({ db, nodeId }: { db: Reader; nodeId: string }) =>
  db.node.findMany({
    where: { id: { not: nodeId }, removeRequestedAt: null },
    select: nodeRecordSelect,
    orderBy: { createdAt: 'asc' },
  });

/**
 * A node's instances the control plane owns, with their port mappings, oldest first: what it sets up,
 * re-applies and compares with the kernel. CNI attachments (source `cni`) are the runtime's, left out.
 */
export const readInstances = ({ db, nodeId }: { db: Reader; nodeId: string }) =>
  db.instance.findMany({
    where: { nodeId, source: 'control-plane' },
    select: {
      id: true,
      ipAddr: true,
      status: true,
      portMappings: { select: { hostPort: true, instancePort: true, protocol: true } },
    },
    orderBy: { createdAt: 'asc' },
  });

export const connectAgent = ({ deps, node }: { deps: ServiceDeps; node: NodeRecord }) =>
  deps.gateway.connect({ url: node.agentUrl, token: node.agentToken });
