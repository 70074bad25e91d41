import { doNetworksOverlap, isAddressInNetwork, toNetwork } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { type Link, type Route, readRoutes, runIpBatch } from '../kernel/links.js';
import { invertScript } from '../kernel/restore-script.js';
import type { createUndoStack } from '../kernel/undo-stack.js';
import { routeProtocol } from '../names.js';
import type { NodeConfig } from '../node/node-config.js';
import { listPeerSubnets, type Peer, renderPeerRouteLines, renderPeersScript } from './peer-rules.js';

type UndoStack = ReturnType<typeof createUndoStack>;

/** Checks peers against this node and the links it has; the field names the offending list entry. */
export const validatePeers = ({
  config,
  links,
  peers,
  fieldPrefix,
}: {
  config: NodeConfig;
  links: readonly Link[];
  peers: readonly Peer[];
  fieldPrefix: (index: number) => string;
}) => {
  const uplinkNetworks = links
    .filter((link) => link.name !== config.bridgeName)
    .flatMap((link) =>
      link.addresses
        .filter((cidr) => !cidr.startsWith('127.'))
        .map((cidr) => ({ cidr, network: toNetwork(cidr) })),
    );
  peers.forEach((peer, index) => {
    const fail = (code: 'INVALID_INPUT' | 'CONFLICT' | 'UNREACHABLE', field: string, reason: string) => {
      throw new NetcoreError({ code, field: `${fieldPrefix(index)}${field}`, reason });
    };
    if (peer.nodeId === config.nodeId)
      fail('INVALID_INPUT', 'nodeId', 'is this node itself, not another node');
    if (doNetworksOverlap({ a: peer.subnet, b: config.subnet }))
      fail(
        'CONFLICT',
        'nodeIp.clusterIpCidr',
        `${peer.subnet} overlaps this node's network ${config.subnet}`,
      );
    const earlier = peers
      .slice(0, index)
      .find((other) => doNetworksOverlap({ a: other.subnet, b: peer.subnet }));
    if (earlier)
      fail(
        'CONFLICT',
        'nodeIp.clusterIpCidr',
        `${peer.subnet} overlaps node '${earlier.nodeId}' (${earlier.subnet})`,
      );
    if (uplinkNetworks.some(({ cidr }) => cidr.split('/')[0] === peer.externalIpAddr))
      fail('INVALID_INPUT', 'nodeIp.externalIpAddr', `${peer.externalIpAddr} is an address of this node`);
    if (!uplinkNetworks.some(({ network }) => isAddressInNetwork({ address: peer.externalIpAddr, network })))
      fail(
        'UNREACHABLE',
        'nodeIp.externalIpAddr',
        `${peer.externalIpAddr} is not on a network this node is connected to (${uplinkNetworks.map(({ network }) => network).join(', ') || 'none'})`,
      );
  });
};

const restoreRoutes = async ({
  host,
  before,
  subnets,
}: {
  host: Host;
  before: readonly Route[];
  subnets: readonly string[];
}) => {
  const now = await readRoutes({ host, protocol: routeProtocol });
  const lines = subnets.flatMap((subnet) => {
    const previous = before.find((route) => route.destination === subnet);
    if (previous?.gateway)
      return [['route', 'replace', subnet, 'via', previous.gateway, 'proto', String(routeProtocol)]];
    return now.some((route) => route.destination === subnet)
      ? [['route', 'del', subnet, 'proto', String(routeProtocol)]]
      : [];
  });
  await runIpBatch({ host, lines });
};

/**
 * Adds or updates peers and removes others: routes via their external addresses and the rules that let
 * their traffic through without NAT. Registers its undo steps on the caller's stack.
 */
export const applyPeers = async ({
  host,
  config,
  upsert,
  remove,
  undo,
}: {
  host: Host;
  config: NodeConfig;
  upsert: readonly Peer[];
  /** Peers to remove; a subnet, when known, is removed too even if no rule recorded it. */
  remove: readonly { nodeId: string; subnet?: string }[];
  undo: UndoStack;
}) => {
  const [saved, routes] = await Promise.all([
    readIptables({ host }),
    readRoutes({ host, protocol: routeProtocol }),
  ]);
  const recorded = new Map([...listPeerSubnets(saved)].map(([nodeId, { subnet }]) => [nodeId, subnet]));
  const hasRoute = (subnet: string) => routes.some((route) => route.destination === subnet);
  const isRouteCurrent = (peer: Peer) =>
    routes.some((route) => route.destination === peer.subnet && route.gateway === peer.externalIpAddr);
  const staleSubnets = [
    ...remove.flatMap(({ nodeId, subnet }) =>
      [...new Set([recorded.get(nodeId), subnet])].filter((known): known is string => known !== undefined),
    ),
    ...upsert.flatMap((peer) => {
      const previous = recorded.get(peer.nodeId);
      return previous && previous !== peer.subnet ? [previous] : [];
    }),
  ].filter(hasRoute);
  const changedPeers = upsert.filter((peer) => !isRouteCurrent(peer));
  const routeLines = renderPeerRouteLines({ upsert: changedPeers, removeSubnets: staleSubnets });
  if (routeLines.length > 0) {
    undo.push('restore routes to other nodes', () =>
      restoreRoutes({
        host,
        before: routes,
        subnets: [...staleSubnets, ...changedPeers.map((peer) => peer.subnet)],
      }),
    );
    await runIpBatch({ host, lines: routeLines });
  }
  const script = renderPeersScript({ config, saved, upsert, remove: remove.map(({ nodeId }) => nodeId) });
  if (script.changes.length > 0) {
    undo.push('restore cluster rules', () => applyRestoreScript({ host, script: invertScript(script) }));
    await applyRestoreScript({ host, script });
  }
};
