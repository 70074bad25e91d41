import { parseHostCidr } from '../addressing.js';
import { toPeer } from '../cluster/peer-rules.js';
import { renderRuleArguments } from '../kernel/restore-script.js';
import { createNodeConfig } from '../node/node-config.js';
import { dynamicChains, nodeHooks, renderNodeChainRules } from '../node/node-rules.js';
import { formatPortKey } from '../port-mappings/port-mapping-rules.js';
import type { TPort } from '../schemas.js';
import { parseInput } from '../validate.js';
import { type DriftItem, ZDesiredNode } from './drift.js';
import type { NodeSnapshot } from './node-snapshot.js';

const describePorts = (ports: readonly TPort[]) =>
  ports
    .map((port) => `${formatPortKey(port)}→${port.instancePort}`)
    .sort()
    .join(', ') || 'none';

/** A host CIDR for a network (its first address), as the cluster operations expect. */
const firstHostOf = (subnet: string) => {
  const [network = '', prefix = ''] = subnet.split('/');
  const parts = network.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return `${parts.join('.')}/${prefix}`;
};

/**
 * Compares what a node should have with what its kernel has. Each drift item names the resource, what is
 * wrong, and the netcore call that fixes it. Pure: no kernel access.
 */
export const diffNode = ({
  desired: desiredInput,
  actual,
}: {
  desired: unknown;
  actual: NodeSnapshot;
}): DriftItem[] => {
  const desired = parseInput({ schema: ZDesiredNode, input: desiredInput });
  const node = `node ${desired.nodeId}`;
  const nodeIpAddr = parseHostCidr(desired.nodeIpCidr).address;
  const setupNode = {
    operation: 'setupNode' as const,
    input: {
      nodeId: desired.nodeId,
      nodeIpCidr: desired.nodeIpCidr,
      nodesIps: desired.peers,
      isolation: desired.isolation,
      ...(desired.protectedPorts ? { protectedPorts: desired.protectedPorts } : {}),
      ...(desired.portMappingBackend ? { portMappingBackend: desired.portMappingBackend } : {}),
    },
  };
  if (!actual.bridge)
    return [
      {
        kind: 'missing',
        resource: 'bridge',
        target: node,
        detail: 'the node bridge does not exist',
        fix: setupNode,
      },
    ];
  if (!actual.bridge.addresses.includes(desired.nodeIpCidr))
    return [
      {
        kind: 'different',
        resource: 'bridge',
        target: node,
        detail: `bridge has ${actual.bridge.addresses.join(', ') || 'no address'}, expected ${desired.nodeIpCidr}`,
        fix: setupNode,
      },
    ];

  const items: DriftItem[] = [];
  const setupIptables = { operation: 'setupIptables' as const, input: { nodeId: desired.nodeId } };
  if (!actual.forwarding)
    items.push({
      kind: 'different',
      resource: 'forwarding',
      target: node,
      detail: 'IPv4 forwarding is off',
      fix: setupIptables,
    });
  const protectedPorts = desired.protectedPorts ?? actual.protectedPorts;
  const config = createNodeConfig({
    ...desired,
    protectedPorts,
    uplinkInterface: actual.uplinkInterface ?? '',
  });
  const expectedRules = [...renderNodeChainRules(config), ...nodeHooks].map(
    ({ table, chain, rule }) => `${table} -A ${chain} ${renderRuleArguments(rule)}`,
  );
  const missingRules = expectedRules.filter((line) => !actual.rules.includes(line));
  if (actual.nftables && !actual.nftables.hasTable)
    items.push({
      kind: 'missing',
      resource: 'node-rules',
      target: node,
      detail: 'nftables table ip kudo (the port mappings) is missing',
      fix: setupIptables,
    });
  const missingChains = dynamicChains
    .map(({ table, chain }) => `${table}/${chain}`)
    .filter((chain) => !actual.chains.includes(chain));
  if (missingRules.length + missingChains.length > 0)
    items.push({
      kind: 'missing',
      resource: 'node-rules',
      target: node,
      detail: `missing ${[...missingChains.map((chain) => `chain ${chain}`), ...missingRules.map((line) => `rule ${line}`)].join('; ')}`,
      fix: setupIptables,
    });

  for (const instance of desired.instances) {
    const found = actual.instances.find((candidate) => candidate.instanceId === instance.instanceId);
    const setupInstance = {
      operation: 'setupInstance' as const,
      input: { nodeId: desired.nodeId, nodeIpAddr, ...instance },
    };
    const problem = !found?.hasNamespace
      ? 'namespace is missing'
      : !found.veth
        ? 'veth is missing'
        : found.veth.master !== actual.bridge.name
          ? `veth is not on the bridge (master ${found.veth.master ?? 'none'})`
          : !found.veth.isUp
            ? 'veth is down'
            : found.instanceIpCidr !== instance.instanceIpCidr
              ? `address is ${found.instanceIpCidr ?? 'missing'}, expected ${instance.instanceIpCidr}`
              : undefined;
    if (problem) {
      items.push({
        kind: found ? 'different' : 'missing',
        resource: 'instance',
        target: instance.instanceId,
        detail: problem,
        fix: setupInstance,
      });
      continue;
    }
    const want = describePorts(instance.ports);
    const have = describePorts(found?.portMappings ?? []);
    if (want !== have)
      items.push({
        kind: 'different',
        resource: 'port-mappings',
        target: instance.instanceId,
        detail: `port mappings are ${have}, expected ${want}`,
        fix: {
          operation: 'setPortMappings',
          input: { instanceId: instance.instanceId, ports: instance.ports },
        },
      });
  }
  for (const instance of actual.instances)
    if (!desired.instances.some((wanted) => wanted.instanceId === instance.instanceId))
      items.push({
        kind: 'unexpected',
        resource: 'instance',
        target: instance.instanceId,
        detail: 'instance is not in the desired state',
        fix: { operation: 'cleanInstance', input: { instanceId: instance.instanceId } },
      });

  for (const request of desired.peers) {
    const peer = toPeer(request);
    const found = actual.peers.find((candidate) => candidate.nodeId === peer.nodeId);
    const problem = !found
      ? 'no route or rules for this node'
      : !found.hasRoute
        ? `route to ${peer.subnet} is missing`
        : found.subnet !== peer.subnet || found.gateway !== peer.externalIpAddr
          ? `routes ${found.subnet} via ${found.gateway ?? '?'}, expected ${peer.subnet} via ${peer.externalIpAddr}`
          : !found.hasRules
            ? 'forwarding or no-NAT rule is missing'
            : undefined;
    if (problem)
      items.push({
        kind: found ? 'different' : 'missing',
        resource: 'peer',
        target: peer.nodeId,
        detail: problem,
        fix: { operation: 'newNodeInCluster', input: request },
      });
  }
  for (const peer of actual.peers)
    if (!desired.peers.some((wanted) => wanted.nodeId === peer.nodeId))
      items.push({
        kind: 'unexpected',
        resource: 'peer',
        target: peer.nodeId,
        detail: `routes ${peer.subnet} to a node that is not in the cluster`,
        fix: {
          operation: 'deleteNodeInCluster',
          input: {
            nodeId: peer.nodeId,
            nodeIp: { clusterIpCidr: firstHostOf(peer.subnet), externalIpAddr: peer.gateway ?? '0.0.0.0' },
          },
        },
      });
  return items;
};
