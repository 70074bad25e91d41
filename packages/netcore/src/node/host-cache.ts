import type { NodeConfig } from '../node/node-config.js';
import type { Host } from './host.js';
import type { SavedTables } from './saved-rules.js';

/**
 * What netcore last knew of a host namespace's rules, shared by every netcore object of the process that
 * acts there. Reads refresh it, successful writes update it, failed writes drop it. Only the hot paths
 * (a new instance, cleaning one) rely on it; repairs and inspection always read the kernel.
 */
type HostCache = {
  tables: SavedTables | undefined;
  /** Node configs read from bridges, with the uplink's MTU; dropped by setupNode and cleanNode. */
  nodes: Map<string, { config: NodeConfig; uplinkMtu: number }>;
  /** Instance addresses (without prefix) as setupInstance gave them; dropped by cleanInstance. */
  instanceAddrs: Map<string, string>;
  /** Bumped by every write, so a read that overlapped a write does not store what it saw. */
  generation: number;
};

const caches = new Map<string, HostCache>();

export const getHostCache = (host: Host): HostCache => {
  const key = host.namespace ?? '';
  const cache = caches.get(key) ?? {
    tables: undefined,
    nodes: new Map(),
    instanceAddrs: new Map(),
    generation: 0,
  };
  caches.set(key, cache);
  return cache;
};
