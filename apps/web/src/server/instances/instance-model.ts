import type { Prisma } from '../../generated/prisma/client.js';

/** An instance's fields a client may see, with its port mappings. */
export const publicInstanceSelect = {
  id: true,
  nodeId: true,
  ipAddr: true,
  namespaceName: true,
  interfaceName: true,
  hostInterfaceName: true,
  status: true,
  statusReason: true,
  source: true,
  containerId: true,
  runtime: true,
  createdAt: true,
  updatedAt: true,
  portMappings: {
    select: { id: true, hostPort: true, instancePort: true, protocol: true },
    orderBy: [{ protocol: 'asc' }, { hostPort: 'asc' }],
  },
} satisfies Prisma.InstanceSelect;
