import type { Prisma } from '../../generated/prisma/client.js';

/** An instance's own fields a client may see (publicInstanceSelect without its port mappings). */
export const publicInstanceFieldsSelect = {
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
} satisfies Prisma.InstanceSelect;

/** An instance's fields a client may see, with its port mappings. */
export const publicInstanceSelect = {
  ...publicInstanceFieldsSelect,
  portMappings: {
    select: { id: true, hostPort: true, instancePort: true, protocol: true },
    orderBy: [{ protocol: 'asc' }, { hostPort: 'asc' }],
  },
} satisfies Prisma.InstanceSelect;
