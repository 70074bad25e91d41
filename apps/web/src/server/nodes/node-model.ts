import type { TNodeRequest, TPort, TProtocol, ZDesiredNode } from '@kudo/netcore';
import type { z } from 'zod';
import { getInstanceIpCidr, getNodeIpCidr } from '../ipam/ipam.js';

export const nodeStatuses = ['pending', 'ready', 'unreachable', 'degraded', 'drifted'] as const;
export type NodeStatus = (typeof nodeStatuses)[number];

export const instanceStatuses = ['pending', 'running', 'failed', 'deleting'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

/** A node's fields a client may see: everything but the agent token. */
export const publicNodeSelect = {
  id: true,
  name: true,
  agentUrl: true,
  externalIpAddr: true,
  subnet: true,
  nodeIpAddr: true,
  status: true,
  statusReason: true,
  removeRequestedAt: true,
  lastBootId: true,
  lastSeenAt: true,
  agentVersion: true,
  kernel: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** What the services need of a node row to drive its agent (server-side only: it has the token). */
export type NodeRecord = {
  id: string;
  agentUrl: string;
  agentToken: string;
  externalIpAddr: string;
  subnet: string;
  nodeIpAddr: string;
};

export type PortRecord = { hostPort: number; instancePort: number; protocol: string };
export type InstanceRecord = {
  id: string;
  ipAddr: string;
  status: string;
  portMappings: PortRecord[];
};

export const toPorts = (mappings: readonly PortRecord[]): TPort[] =>
  mappings
    .map(({ hostPort, instancePort, protocol }) => ({
      hostPort,
      instancePort,
      protocol: protocol as TProtocol,
    }))
    .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.hostPort - b.hostPort);

/** A node as other nodes' agents know it (netcore's NodeRequest): its bridge address and its uplink address. */
export const toNodeRequest = (node: Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>): TNodeRequest => ({
  nodeId: node.id,
  nodeIp: { clusterIpCidr: getNodeIpCidr(node.subnet), externalIpAddr: node.externalIpAddr },
});

/** The setupInstance request of an instance on its node. */
export const toSetupInstanceRequest = ({
  node,
  instance,
}: {
  node: Pick<NodeRecord, 'id' | 'subnet' | 'nodeIpAddr'>;
  instance: Pick<InstanceRecord, 'id' | 'ipAddr' | 'portMappings'>;
}) => ({
  nodeId: node.id,
  nodeIpAddr: node.nodeIpAddr,
  instanceId: instance.id,
  instanceIpCidr: getInstanceIpCidr({ ipAddr: instance.ipAddr, subnet: node.subnet }),
  ports: toPorts(instance.portMappings),
});

/** Instances that should exist on the node: all but those being deleted. */
export const isInstanceWanted = (status: string) => status !== 'deleting';

/** What a node should have, in netcore's diffNode terms (every field given, none left to defaults). */
export type DesiredNode = z.output<typeof ZDesiredNode>;

/** What a node should have according to the database. */
export const toDesiredNode = ({
  node,
  peers,
  instances,
}: {
  node: Pick<NodeRecord, 'id' | 'subnet' | 'nodeIpAddr'>;
  peers: readonly Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>[];
  instances: readonly InstanceRecord[];
}): DesiredNode => ({
  nodeId: node.id,
  nodeIpCidr: getNodeIpCidr(node.subnet),
  isolation: 'none',
  instances: instances
    .filter((instance) => isInstanceWanted(instance.status))
    .map((instance) => {
      const { instanceIpCidr, ports } = toSetupInstanceRequest({ node, instance });
      return { instanceId: instance.id, instanceIpCidr, ports };
    }),
  peers: peers.map(toNodeRequest),
});
