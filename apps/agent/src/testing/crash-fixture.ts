import { ping, snapshotKernel } from '@kudo/netcore/testing';
import { useTestLab } from '@kudo/netcore/testing/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createAgentClient } from '../client.js';
import { type Agent, startAgent } from '../start-agent.js';
import { createScratch, createTestToken, toLabAgentArgs } from './agent-harness.js';
import { type AgentProcess, spawnAgentProcess } from './agent-process.js';
import { normalizeNodeSnapshot } from './node-twin.js';

/** The node address of the crash tests' node1 (its instances are in 10.0.0.0/24). */
export const crashNodeIpCidr = '10.0.0.1/24';
const crashNodeIpAddr = '10.0.0.1';

/** An instance of node1 at 10.0.0.OCTET, with host port 20000 + OCTET mapped to its port 8080. */
export const toCrashInstance = ({ instanceId, octet }: { instanceId: string; octet: number }) => ({
  instanceId,
  instanceIpCidr: `10.0.0.${octet}/24`,
  ports: [{ hostPort: 20_000 + octet, instancePort: 8080, protocol: 'tcp' as const }],
});

type CrashInstance = ReturnType<typeof toCrashInstance>;

/**
 * The fixture of the agent crash tests (inside `describeWithNamespaces`): a lab of two nodes, the agent
 * CLI acting in node1's namespace in its own process (spawned again on its port after a SIGKILL), and a
 * twin agent in node2's namespace, given the same desired state cleanly, to compare node1's kernel with.
 * After the file's tests every agent is stopped and the scratch directory removed, even when stopping an
 * agent fails.
 */
export const useCrashTestNodes = () => {
  const lab = useTestLab({ nodeCount: 2 });
  const token = createTestToken();
  let scratch: Awaited<ReturnType<typeof createScratch>> | undefined;
  const processes: AgentProcess[] = [];
  let twin: Agent | undefined;
  const getNode = (index: number) => {
    const node = lab().nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };
  const getScratch = () => {
    if (!scratch) throw new Error('the scratch directory is not made yet');
    return scratch;
  };

  beforeAll(async () => {
    scratch = await createScratch({ token });
  });
  afterAll(async () => {
    try {
      for (const agent of processes) await agent.kill('SIGKILL');
      await twin?.close();
    } finally {
      await scratch?.remove();
    }
  });

  /** The agent CLI on node1, listening on `port` (0: a free one), with a client of its own. */
  const spawnAgent = async ({ port }: { port: number }) => {
    const agent = spawnAgentProcess({
      args: toLabAgentArgs({ namespace: getNode(0).namespace, scratch: getScratch(), port }),
    });
    processes.push(agent);
    const url = await agent.listening;
    return { agent, url, client: createAgentClient({ url, token }) };
  };

  /** The ids of the instances node1 cannot ping. */
  const findSilentInstances = async ({ instances }: { instances: readonly CrashInstance[] }) => {
    const silent: string[] = [];
    for (const { instanceId, instanceIpCidr } of instances)
      if (!(await ping({ from: getNode(0).namespace, to: instanceIpCidr.split('/')[0] ?? '' })))
        silent.push(instanceId);
    return silent;
  };

  /**
   * Starts the twin (node2's namespace, node1's id), sets it up with `instances` cleanly, and answers both
   * nodes' kernels normalized (`crashed`: node1's, whose agent listens on `agentPort`; `clean`: the twin's).
   */
  const compareWithTwin = async ({
    instances,
    agentPort,
  }: {
    instances: CrashInstance[];
    agentPort: number;
  }) => {
    twin = await startAgent({
      nodeId: 'node1',
      hostNamespace: getNode(1).namespace,
      port: 0,
      token,
      bootIdFile: getScratch().bootIdFile,
      logger: pino({ level: 'silent' }),
    });
    const twinClient = createAgentClient({ url: twin.url, token });
    await twinClient.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: crashNodeIpCidr });
    await twinClient.setupInstances.mutate({ nodeId: 'node1', nodeIpAddr: crashNodeIpAddr, instances });
    const crashed = normalizeNodeSnapshot({
      snapshot: await snapshotKernel({ namespace: getNode(0).namespace }),
      namespace: getNode(0).namespace,
      uplink: getNode(0).externalIpAddr,
      agentPort,
    });
    const clean = normalizeNodeSnapshot({
      snapshot: await snapshotKernel({ namespace: getNode(1).namespace }),
      namespace: getNode(1).namespace,
      uplink: getNode(1).externalIpAddr,
      agentPort: twin.port,
    });
    return { crashed, clean };
  };

  return { token, spawnAgent, findSilentInstances, compareWithTwin };
};
