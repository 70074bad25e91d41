import { randomBytes } from 'node:crypto';
import { createAgentLogger, startAgent } from '@kudo/agent';
import { createAgentClient } from '@kudo/agent/client';
import type { LabNode } from '@kudo/netcore/lab';
import { median, repeatMs } from '../measure.js';
import { createTracedNetcore, setupNetcoreNode, toSetupInstanceRequest } from '../methods/netcore.js';

export type AgentOverheadResult = {
  calls: number;
  directSetupMs: number;
  agentSetupMs: number;
  directNamespaceNameMs: number;
  agentNamespaceNameMs: number;
};

/**
 * The tRPC round trip on top of the direct call: an agent in this process acting in the netcore lab node,
 * on a loopback port with a token, driven by the typed client (kept-alive connections, as the control plane
 * keeps its own). The same idempotent setupInstance re-run is timed directly and through the agent, and
 * getNamespaceName (no kernel work) both ways, in pairs of alternating order.
 */
export const runAgentOverhead = async ({
  node,
  calls,
}: {
  node: LabNode;
  calls: number;
}): Promise<AgentOverheadResult> => {
  const token = randomBytes(24).toString('hex');
  const agent = await startAgent({
    nodeId: node.name,
    hostNamespace: node.namespace,
    port: 0,
    token,
    logger: createAgentLogger({ level: 'silent' }),
  });
  const client = createAgentClient({ url: agent.url, token });
  const { net } = createTracedNetcore({ node });
  const request = toSetupInstanceRequest({
    node,
    instance: { index: 0, id: 'agent-probe', hostPort: 20_000, instancePort: 8080 },
  });
  const { instanceId } = request;
  try {
    await setupNetcoreNode({ net, node });
    await net.setupInstance(request);
    await client.setupInstance.mutate(request);
    const timeBoth = async ({
      direct,
      viaAgent,
    }: {
      direct: () => unknown;
      viaAgent: () => Promise<unknown>;
    }) => {
      const directMs: number[] = [];
      const agentMs: number[] = [];
      const timeDirect = async () =>
        directMs.push(...(await repeatMs({ times: 1, work: async () => direct() })));
      const timeAgent = async () => agentMs.push(...(await repeatMs({ times: 1, work: viaAgent })));
      // Pairs in alternating order: whichever goes second finds the kernel's caches and netcore's helper
      // processes just used, and that advantage goes to each way half of the time.
      for (let index = 0; index < calls; index += 1)
        for (const time of index % 2 === 0 ? [timeDirect, timeAgent] : [timeAgent, timeDirect]) await time();
      return { direct: median(directMs), agent: median(agentMs) };
    };
    const setup = await timeBoth({
      direct: () => net.setupInstance(request),
      viaAgent: () => client.setupInstance.mutate(request),
    });
    const namespaceName = await timeBoth({
      direct: () => net.getNamespaceName(instanceId),
      viaAgent: () => client.getNamespaceName.query({ instanceId }),
    });
    return {
      calls,
      directSetupMs: setup.direct,
      agentSetupMs: setup.agent,
      directNamespaceNameMs: namespaceName.direct,
      agentNamespaceNameMs: namespaceName.agent,
    };
  } finally {
    await agent.close();
    await net.cleanInstance({ instanceId });
    await net.cleanNode({ nodeId: node.name });
    net.close();
  }
};
