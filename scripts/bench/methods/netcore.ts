import { createExecaRunner, createNetcore, type Netcore } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import { createCommandTrace } from '../command-trace.js';
import type { BenchInstance, InstanceMethod } from './instance-method.js';

/** A /20, so that the flat test's 1,000 instances fit on one node. */
const prefixLength = 20;

/** The netcore node used by every netcore measurement: 10.10.0.1/20 on the lab node's bridge. */
export const netcoreNode = ({ node }: { node: LabNode }) => ({
  nodeId: node.name,
  nodeIpAddr: '10.10.0.1',
  nodeIpCidr: `10.10.0.1/${prefixLength}`,
});

/** Instance `index` gets the (index + 2)th address of 10.10.0.0/20: 10.10.0.2, ... 10.10.3.233 for 1,000. */
const netcoreInstanceAddr = (index: number) => {
  const host = index + 2;
  if (host >= 2 ** (32 - prefixLength) - 1)
    throw new RangeError(`instance index ${index} does not fit in 10.10.0.0/${prefixLength}`);
  return `10.10.${Math.floor(host / 256)}.${host % 256}`;
};

export const toSetupInstanceRequest = ({ node, instance }: { node: LabNode; instance: BenchInstance }) => ({
  nodeId: node.name,
  nodeIpAddr: netcoreNode({ node }).nodeIpAddr,
  instanceId: instance.id,
  instanceIpCidr: `${netcoreInstanceAddr(instance.index)}/${prefixLength}`,
  ports: [{ hostPort: instance.hostPort, instancePort: instance.instancePort, protocol: 'tcp' as const }],
});

/** netcore acting in a lab node, every process it spawns recorded. */
export const createTracedNetcore = ({ node }: { node: LabNode }) => {
  const trace = createCommandTrace({ base: createExecaRunner() });
  const net = createNetcore({ hostNamespace: node.namespace, runner: trace.runner });
  return { net, trace };
};

export const setupNetcoreNode = ({
  net,
  node,
  portMappingBackend = 'iptables',
}: {
  net: Netcore;
  node: LabNode;
  portMappingBackend?: 'iptables' | 'nftables';
}) => {
  const { nodeId, nodeIpCidr } = netcoreNode({ node });
  return net.setupNode({ nodeId, nodeIpCidr, nodesIps: [], portMappingBackend });
};

/** netcore on one lab node; with `portMappingBackend: 'nftables'` its node keeps port mappings in nftables. */
export const createNetcoreMethod = ({
  node,
  portMappingBackend = 'iptables',
}: {
  node: LabNode;
  portMappingBackend?: 'iptables' | 'nftables';
}): InstanceMethod => {
  const { net, trace } = createTracedNetcore({ node });
  return {
    name: portMappingBackend === 'iptables' ? 'netcore' : `netcore (${portMappingBackend})`,
    description:
      'netcore setupInstance (namespace, veth on the bridge, address, route, one TCP port mapping) / cleanInstance',
    node,
    gatewayAddr: netcoreNode({ node }).nodeIpAddr,
    trace,
    isBaselinePristine: false,
    prepareNode: async () => {
      await setupNetcoreNode({ net, node, portMappingBackend });
    },
    setupInstance: async (instance) => {
      const request = toSetupInstanceRequest({ node, instance });
      const { namespaceName } = await net.setupInstance(request);
      return {
        name: instance.id,
        namespace: namespaceName,
        ipAddr: request.instanceIpCidr.split('/')[0] ?? '',
        hostPort: instance.hostPort,
        instancePort: instance.instancePort,
      };
    },
    cleanInstance: async (instance) => {
      await net.cleanInstance({ instanceId: instance.id });
    },
    cleanNode: async () => {
      await net.cleanNode({ nodeId: node.name });
      net.close();
    },
  };
};
