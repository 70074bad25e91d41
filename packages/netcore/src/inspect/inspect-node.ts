import { listPeerSubnets } from '../cluster/peer-rules.js';
import type { Host } from '../kernel/host.js';
import { readIptables } from '../kernel/iptables.js';
import { type Link, readLinks, readRoutes } from '../kernel/links.js';
import { mapWithLimit } from '../kernel/map-with-limit.js';
import { hasNamespace, readInstanceAddress } from '../kernel/namespaces.js';
import { isOurRule } from '../kernel/our-rules.js';
import { readSysctls } from '../kernel/sysctl.js';
import { getBridgeName, getNamespaceName, isOurChain, parseAlias, routeProtocol } from '../names.js';
import { forwardingSysctl } from '../node/node-sysctls.js';
import { findNodeConfig } from '../node/read-node.js';
import { readNftState } from '../port-mappings/nft-port-mappings.js';
import { listPortMappings, listReachablePortMappings } from '../port-mappings/port-mapping-rules.js';
import { ZNodeIdRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import type { ActualInstance, NodeSnapshot } from './node-snapshot.js';

const instanceIdOf = (link: Link) => parseAlias(link.alias).instance;

/** Reads what exists for a node: bridge, instances (namespace, veth, address, port mappings), peers, our rules. */
export const inspectNode = async ({
  host,
  request,
}: {
  host: Host;
  request: unknown;
}): Promise<NodeSnapshot> => {
  const { nodeId } = parseInput({ schema: ZNodeIdRequest, input: request });
  const [links, saved, routes, sysctls] = await Promise.all([
    readLinks({ host }),
    readIptables({ host }),
    readRoutes({ host, protocol: routeProtocol }),
    readSysctls({ host, keys: [forwardingSysctl] }),
  ]);
  const bridgeName = getBridgeName(nodeId);
  const bridge = links.find((link) => link.name === bridgeName);
  const config = findNodeConfig({ links, nodeId });
  // A node with the nftables backend keeps its mappings in our map (read from the kernel, which also
  // refreshes the model a repair works from); any left in iptables are shown too, so drift finds them.
  const nft = config?.portMappingBackend === 'nftables' ? await readNftState({ host }) : undefined;
  // Only mappings packets can reach count as present; an unreachable one (its bucket lost its jump) still
  // names its instance, so the instance is inspected and its mappings reported missing.
  const mappings = [
    ...listReachablePortMappings(saved).map(({ mapping }) => mapping),
    ...(nft?.mappings ?? []),
  ];
  const owners = listPortMappings(saved).map(({ mapping }) => mapping.instanceId);
  const veths = links.filter(
    (link) => link.kind === 'veth' && instanceIdOf(link) !== undefined && link.master === bridgeName,
  );
  const instanceIds = [
    ...new Set([...veths.map(instanceIdOf), ...owners, ...mappings.map((mapping) => mapping.instanceId)]),
  ]
    .filter((id): id is string => id !== undefined)
    .sort();
  const instances = await mapWithLimit({
    items: instanceIds,
    limit: 8,
    work: async (instanceId): Promise<ActualInstance> => {
      const namespaceName = getNamespaceName(instanceId, { prefix: host.namespacePrefix });
      const veth = veths.find((link) => instanceIdOf(link) === instanceId);
      const isPresent = hasNamespace(namespaceName);
      return {
        instanceId,
        namespaceName,
        hasNamespace: isPresent,
        veth: veth && { name: veth.name, master: veth.master, isUp: veth.isUp, isIsolated: veth.isIsolated },
        instanceIpCidr: isPresent ? await readInstanceAddress({ host, namespaceName }) : undefined,
        portMappings: mappings.filter((mapping) => mapping.instanceId === instanceId),
      };
    },
  });
  const peerSubnets = listPeerSubnets(saved);
  const peerIds = [...peerSubnets.keys()].sort();
  return {
    nodeId,
    hostNamespace: host.namespace,
    bridge: bridge && { name: bridge.name, addresses: bridge.addresses, isUp: bridge.isUp, mtu: bridge.mtu },
    uplinkInterface: config?.uplinkInterface,
    isolation: config?.isolation,
    protectedPorts: config?.protectedPorts ?? [],
    forwarding: sysctls[forwardingSysctl] === '1',
    instances,
    peers: peerIds.map((peerId) => {
      const subnet = peerSubnets.get(peerId)?.subnet ?? '';
      const route = routes.find((candidate) => candidate.destination === subnet);
      return {
        nodeId: peerId,
        subnet,
        gateway: route?.gateway,
        hasRoute: route !== undefined,
        hasRules: peerSubnets.get(peerId)?.isComplete ?? false,
      };
    }),
    chains: (['filter', 'nat'] as const).flatMap((table) =>
      [...saved.chains[table]].filter(isOurChain).map((chain) => `${table}/${chain}`),
    ),
    ...(nft ? { nftables: { hasTable: nft.hasTable } } : {}),
    rules: saved.rules.filter(isOurRule).map((rule) => `${rule.table} ${rule.line}`),
    readAt: new Date().toISOString(),
  };
};
