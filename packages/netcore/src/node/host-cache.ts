import type { Host } from '../kernel/host.js';
import type { NodeConfig } from './node-config.js';

/**
 * What netcore last knew of a host namespace's node and instances, shared by every netcore object of the
 * process that acts there. Only the hot paths (a new instance, new port mappings) rely on it; repairs and
 * inspection always read the kernel. (The model of the iptables rules is kept apart, in kernel/iptables.ts.)
 */
type HostCache = {
  /** Node configs read from bridges, with the uplink's MTU; dropped by setupNode and cleanNode. */
  nodes: Map<string, { config: NodeConfig; uplinkMtu: number }>;
  /** Instance addresses (without prefix) as setupInstance gave them; dropped by cleanInstance. */
  instanceAddrs: Map<string, string>;
};

const caches = new Map<string, HostCache>();

export const getHostCache = (host: Host): HostCache => {
  const key = host.namespace ?? '';
  const cache = caches.get(key) ?? { nodes: new Map(), instanceAddrs: new Map() };
  caches.set(key, cache);
  return cache;
};
