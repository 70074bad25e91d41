import { parseHostCidr } from '../addressing.js';
import { formatAlias, getBridgeName, parseAlias } from '../names.js';
import type { TIsolation, TPortMappingBackend } from '../schemas.js';

/** What a node is, as far as its rules and links are concerned. Stored in the bridge's alias. */
export type NodeConfig = {
  nodeId: string;
  bridgeName: string;
  /** The bridge address with its prefix, e.g. 10.0.0.1/24. */
  nodeIpCidr: string;
  nodeIpAddr: string;
  /** The node's instance network, e.g. 10.0.0.0/24. */
  subnet: string;
  uplinkInterface: string;
  isolation: TIsolation;
  /** TCP ports of the node (the agent's, say) that instances may not reach through the bridge. */
  protectedPorts: number[];
  /** Where the host-port DNAT lives: iptables rules, or our nftables map (see port-mappings/nft-*.ts). */
  portMappingBackend: TPortMappingBackend;
};

export const createNodeConfig = ({
  nodeId,
  nodeIpCidr,
  uplinkInterface,
  isolation,
  protectedPorts = [],
  portMappingBackend = 'iptables',
}: {
  nodeId: string;
  nodeIpCidr: string;
  uplinkInterface: string;
  isolation: TIsolation;
  protectedPorts?: readonly number[];
  portMappingBackend?: TPortMappingBackend;
}): NodeConfig => {
  const cidr = parseHostCidr(nodeIpCidr);
  return {
    nodeId,
    bridgeName: getBridgeName(nodeId),
    nodeIpCidr,
    nodeIpAddr: cidr.address,
    subnet: cidr.network,
    uplinkInterface,
    isolation,
    protectedPorts: [...new Set(protectedPorts)].sort((a, b) => a - b),
    portMappingBackend,
  };
};

/** The bridge alias: the node id, its settings, and the forwarding setting found before the node was set up. */
export const formatBridgeAlias = ({
  config,
  originalForwarding,
}: {
  config: NodeConfig;
  originalForwarding: string;
}) =>
  formatAlias({
    node: config.nodeId,
    uplink: config.uplinkInterface,
    isolation: config.isolation,
    forward: originalForwarding,
    ...(config.protectedPorts.length > 0 ? { protect: config.protectedPorts.join(',') } : {}),
    // Only a non-default backend is written, so an iptables node's alias is what it always was.
    ...(config.portMappingBackend === 'nftables' ? { ports: 'nftables' } : {}),
  });

/** Reads back a node's config from its bridge (name, address and alias), or undefined if it is not ours. */
export const parseNodeConfig = ({
  alias,
  addresses,
  bridgeName,
}: {
  alias: string | undefined;
  addresses: readonly string[];
  bridgeName: string;
}): NodeConfig | undefined => {
  const fields = parseAlias(alias);
  const [nodeIpCidr] = addresses;
  if (!fields.node || !fields.uplink || !nodeIpCidr || getBridgeName(fields.node) !== bridgeName)
    return undefined;
  return createNodeConfig({
    nodeId: fields.node,
    nodeIpCidr,
    uplinkInterface: fields.uplink,
    isolation: fields.isolation === 'instances' ? 'instances' : 'none',
    protectedPorts: (fields.protect ?? '')
      .split(',')
      .filter((port) => /^\d+$/.test(port))
      .map(Number),
    portMappingBackend: fields.ports === 'nftables' ? 'nftables' : 'iptables',
  });
};
