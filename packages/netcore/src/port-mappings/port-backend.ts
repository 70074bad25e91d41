import { isNetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { getHostCache } from '../node/host-cache.js';
import { readLocalNodeConfig } from '../node/read-node.js';
import type { TPortMappingBackend } from '../schemas.js';

/** The backend of each host namespace's node, as setupNode chose it or its bridge's alias says. */
const backends = new Map<string, TPortMappingBackend>();

export const rememberPortBackend = ({ host, backend }: { host: Host; backend: TPortMappingBackend }) => {
  backends.set(host.namespace ?? '', backend);
};

export const forgetPortBackend = (host: Host) => backends.delete(host.namespace ?? '');

/**
 * Whether the node of this host namespace keeps its port mappings in our nftables map: known from
 * setupNode or the node cache, else read once from the bridge (no node here: iptables, as before).
 */
export const isNftablesNode = async ({ host }: { host: Host }) => {
  const key = host.namespace ?? '';
  const known = backends.get(key);
  if (known) return known === 'nftables';
  const [cached] = getHostCache(host).nodes.values();
  let backend: TPortMappingBackend = cached?.config.portMappingBackend ?? 'iptables';
  if (!cached) {
    try {
      backend = (await readLocalNodeConfig({ host })).config.portMappingBackend;
    } catch (error) {
      if (!(isNetcoreError(error) && error.code === 'NOT_FOUND')) throw error;
      return false;
    }
  }
  backends.set(key, backend);
  return backend === 'nftables';
};
