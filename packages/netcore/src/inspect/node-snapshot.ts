import type { PortMapping } from '../port-mappings/port-mapping-rules.js';

/** An instance as the kernel shows it on this node. */
export type ActualInstance = {
  instanceId: string;
  namespaceName: string;
  hasNamespace: boolean;
  /** Host-side veth, when present. */
  veth: { name: string; master: string | undefined; isUp: boolean; isIsolated: boolean } | undefined;
  /** Address on the instance's eth0, as `a.b.c.d/n`. */
  instanceIpCidr: string | undefined;
  portMappings: PortMapping[];
};

/** Another node as this node's routes and rules show it. */
export type ActualPeer = {
  nodeId: string;
  subnet: string;
  gateway: string | undefined;
  hasRoute: boolean;
  hasRules: boolean;
};

/** A typed snapshot of what really exists for a node, read from the kernel (`ip -j`, `iptables-save`). */
export type NodeSnapshot = {
  nodeId: string;
  hostNamespace: string | undefined;
  bridge: { name: string; addresses: string[]; isUp: boolean; mtu: number } | undefined;
  uplinkInterface: string | undefined;
  isolation: 'none' | 'instances' | undefined;
  protectedPorts: number[];
  forwarding: boolean;
  instances: ActualInstance[];
  peers: ActualPeer[];
  /** Our chains, as `table/CHAIN`. */
  chains: string[];
  /** On a node whose port mappings live in nftables only: whether our table (`ip kudo`) exists. */
  nftables?: { hasTable: boolean };
  /** Our rules (in our chains, and our hooks in built-in chains), as iptables-save prints them. */
  rules: string[];
  /** Interfaces and namespaces that look like ours but belong to no instance of this node (see findOrphans). */
  readAt: string;
};
