import { startDemoServer } from './demo-servers.js';
import type { LabCluster } from './lab-cluster.js';

/** The instances `npm start` creates to show something: a web server per node for the first two nodes. */
const examples = [
  {
    nodeIndex: 0,
    instanceId: 'web-1',
    ports: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' as const }],
  },
  {
    nodeIndex: 1,
    instanceId: 'api-1',
    ports: [
      { hostPort: 8080, instancePort: 80, protocol: 'tcp' as const },
      { hostPort: 9090, instancePort: 80, protocol: 'tcp' as const },
    ],
  },
  { nodeIndex: 0, instanceId: 'worker-1', ports: [] },
];

/**
 * Creates the example instances through the API and starts an HTTP server in each one with a port
 * mapping, so `curl http://<node external address>:8080/` from the lab's outside client answers.
 */
export const createExampleInstances = async ({ cluster }: { cluster: LabCluster }) => {
  const created: { instanceId: string; nodeName: string; ipAddr: string; url?: string }[] = [];
  for (const example of examples) {
    const agent = cluster.agents[example.nodeIndex];
    if (!agent) continue;
    const instance = await cluster.api.instance.create.mutate({
      nodeId: agent.nodeName,
      instanceId: example.instanceId,
      ports: example.ports,
    });
    const [firstPort] = example.ports;
    if (firstPort && instance.namespaceName) {
      const server = await startDemoServer({
        namespace: instance.namespaceName,
        port: firstPort.instancePort,
        name: example.instanceId,
      });
      cluster.onStop(async () => server.stop());
    }
    created.push({
      instanceId: example.instanceId,
      nodeName: agent.nodeName,
      ipAddr: instance.ipAddr,
      url: firstPort ? `http://${agent.externalIpAddr}:${firstPort.hostPort}/` : undefined,
    });
  }
  return created;
};
