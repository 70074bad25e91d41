import { createExecaRunner, createNetcore, type Netcore } from '@kudo/netcore';
import type { LabNode } from '@kudo/netcore/lab';
import { createCommandTrace } from '../command-trace.js';
import { type BenchInstance, type InstanceMethod, instanceAddr } from './instance-method.js';

const subnetPrefix = '10.10.0';

/** The netcore node used by every netcore measurement: 10.10.0.1/24 on the lab node's bridge. */
export const netcoreNode = ({ node }: { node: LabNode }) => ({
  nodeId: node.name,
  nodeIpAddr: `${subnetPrefix}.1`,
  nodeIpCidr: `${subnetPrefix}.1/24`,
});

export const toSetupInstanceRequest = ({ node, instance }: { node: LabNode; instance: BenchInstance }) => ({
  nodeId: node.name,
  nodeIpAddr: netcoreNode({ node }).nodeIpAddr,
  instanceId: instance.id,
  instanceIpCidr: `${instanceAddr({ subnetPrefix, index: instance.index })}/24`,
  ports: [{ hostPort: instance.hostPort, instancePort: instance.instancePort, protocol: 'tcp' as const }],
});

/** netcore acting in a lab node, every process it spawns recorded. */
export const createTracedNetcore = ({ node }: { node: LabNode }) => {
  const trace = createCommandTrace({ base: createExecaRunner() });
  const net = createNetcore({ hostNamespace: node.namespace, runner: trace.runner });
  return { net, trace };
};

export const setupNetcoreNode = ({ net, node }: { net: Netcore; node: LabNode }) => {
  const { nodeId, nodeIpCidr } = netcoreNode({ node });
  return net.setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
};

export const createNetcoreMethod = ({ node }: { node: LabNode }): InstanceMethod => {
  const { net, trace } = createTracedNetcore({ node });
  return {
    name: 'netcore',
    description:
      'netcore setupInstance (namespace, veth on the bridge, address, route, one TCP port mapping) / cleanInstance',
    node,
    gatewayAddr: netcoreNode({ node }).nodeIpAddr,
    trace,
    isBaselinePristine: false,
    prepareNode: async () => {
      await setupNetcoreNode({ net, node });
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
