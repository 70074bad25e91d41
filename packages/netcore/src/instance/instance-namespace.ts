import type { Host } from '../kernel/host.js';
import { getNamespaceName, getVethName } from '../names.js';

export const getInstanceNames = ({ host, instanceId }: { host: Host; instanceId: string }) => ({
  namespaceName: getNamespaceName(instanceId, { prefix: host.namespacePrefix }),
  vethName: getVethName(instanceId),
});
