import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import { publicNodeSelect } from './node-model.js';

const instanceSummarySelect = {
  id: true,
  ipAddr: true,
  status: true,
  statusReason: true,
  namespaceName: true,
  portMappings: { select: { hostPort: true, instancePort: true, protocol: true } },
} as const;

/** Every node with its instance count, oldest first (no agent token). */
export const listNodes = ({ deps }: { deps: ServiceDeps }) =>
  deps.db.node.findMany({
    select: { ...publicNodeSelect, _count: { select: { instances: true } } },
    orderBy: { createdAt: 'asc' },
  });

/** One node with its instances and what is pending for or about it (no agent token). */
export const getNode = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await deps.db.node.findUnique({
    where: { id: nodeId },
    select: {
      ...publicNodeSelect,
      instances: { select: instanceSummarySelect, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!node) throw new WebError({ code: 'NOT_FOUND', field: 'nodeId', message: `no node '${nodeId}'` });
  const pendingChanges = await deps.db.pendingChange.findMany({
    where: { OR: [{ nodeId }, { subjectId: nodeId }] },
    select: {
      id: true,
      nodeId: true,
      subjectId: true,
      kind: true,
      lastError: true,
      attempts: true,
      createdAt: true,
    },
    orderBy: { id: 'asc' },
  });
  return { ...node, pendingChanges };
};
