import type { ServiceDeps } from '../deps.js';

/** Port mappings, of one node or all: which host port reaches which instance port. */
export const listPortMappings = ({ deps, nodeId }: { deps: ServiceDeps; nodeId?: string }) =>
  deps.db.portMapping.findMany({
    where: nodeId ? { nodeId } : {},
    select: {
      id: true,
      nodeId: true,
      instanceId: true,
      hostPort: true,
      instancePort: true,
      protocol: true,
      instance: { select: { ipAddr: true, status: true } },
    },
    orderBy: [{ nodeId: 'asc' }, { protocol: 'asc' }, { hostPort: 'asc' }],
  });
