import { ping, snapshotKernel } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgentClient } from './client.js';
import { type Agent, startAgent } from './start-agent.js';
import { createScratch, createTestToken, toLabAgentArgs } from './testing/agent-harness.js';
import { type AgentProcess, spawnAgentProcess } from './testing/agent-process.js';
import {
  normalizeNodeSnapshot as normalize,
  reconcileThroughAgent as reconcile,
} from './testing/node-twin.js';

const nodeIpCidr = '10.0.0.1/24';
const instance = (id: string, octet: number) => ({
  instanceId: id,
  instanceIpCidr: `10.0.0.${octet}/24`,
  ports: [{ hostPort: 20_000 + octet, instancePort: 8080, protocol: 'tcp' as const }],
});
const base = [0, 1, 2, 3].map((index) => instance(`base-${index}`, 10 + index));
const burst = Array.from({ length: 14 }, (_, index) => instance(`burst-${index}`, 30 + index));
/** The base instances the burst deletes. */
const deleted = ['base-0', 'base-1', 'base-2'];

/**
 * The agent CLI, in its own process, gets a burst of concurrent changes from many clients (setups and
 * deletions that reach netcore together) and is SIGKILLed as they run. Restarted on its port, the
 * drift its own `diff` reports, fixed with the calls each item names (what the control plane's reconcile
 * does), must leave the node identical to a twin node that was given the same desired state cleanly, with
 * no orphan left.
 */
describeWithNamespaces('agent killed during a burst of changes', () => {
  const lab = useTestLab({ nodeCount: 2 });
  const token = createTestToken();
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  const processes: AgentProcess[] = [];
  let twin: Agent | undefined;
  const getNode = (index: number) => {
    const node = lab().nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };
  const spawnAgent = async ({ port }: { port: number }) => {
    const agent = spawnAgentProcess({
      args: toLabAgentArgs({
        namespace: getNode(0).namespace,
        scratch,
        port,
      }),
    });
    processes.push(agent);
    const url = await agent.listening;
    return { agent, url, client: createAgentClient({ url, token }) };
  };

  beforeAll(async () => {
    scratch = await createScratch({ token });
  });
  afterAll(async () => {
    for (const agent of processes) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    await twin?.close();
    await scratch?.remove();
  });

  it('recovers to exactly the desired state, identical to a node that never crashed', {
    timeout: 180_000,
  }, async () => {
    const first = await spawnAgent({ port: 0 });
    const port = Number(new URL(first.url).port);
    await first.client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr });
    for (const request of base)
      await first.client.setupInstance.mutate({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', ...request });

    const countLines = (message: string) => first.agent.getStdout().split(`"msg":"${message}"`).length - 1;
    const countStarted = () => countLines('operation started');
    const countEnded = () => countLines('operation finished') + countLines('operation failed');
    const startedBefore = countStarted();
    let inFlightAtKill = 0;
    const killed = new Promise<void>((resolve) => {
      const onData = () => {
        // Killed once 6 changes of the burst have started: instance changes run together, so at most
        // 5 are done and the others are cut short inside one of netcore's groups, or never started.
        if (countStarted() < startedBefore + 6) return;
        first.agent.child.stdout?.off('data', onData);
        first.agent.child.kill('SIGKILL');
        inFlightAtKill = countStarted() - countEnded();
        resolve();
      };
      first.agent.child.stdout?.on('data', onData);
    });
    // One client per call: every change is its own HTTP request; the agent lets them reach netcore together.
    const changes = [
      ...burst.slice(0, 4).map((request) => ({ kind: 'setupInstance', request })),
      ...deleted.map((instanceId) => ({ kind: 'cleanInstance', request: { instanceId } })),
      ...burst.slice(4).map((request) => ({ kind: 'setupInstance', request })),
    ];
    const outcomes = await Promise.allSettled(
      changes.map(({ kind, request }) => {
        const client = createAgentClient({ url: first.url, token });
        return kind === 'setupInstance'
          ? client.setupInstance.mutate({
              nodeId: 'node1',
              nodeIpAddr: '10.0.0.1',
              ...(request as (typeof burst)[number]),
            })
          : client.cleanInstance.mutate(request as { instanceId: string });
      }),
    );
    await killed;
    expect(await first.agent.exited).toBe('SIGKILL');
    // Killed in the middle of a group: several changes were inside netcore together.
    expect(inFlightAtKill).toBeGreaterThan(1);
    const failed = outcomes.filter(({ status }) => status === 'rejected').length;
    // At most 6 ended before the kill (the 6th may finish before the signal lands); the rest never will.
    expect(failed).toBeGreaterThanOrEqual(changes.length - 6);

    const second = await spawnAgent({ port });
    expect(second.url).toBe(first.url);
    const desired = {
      nodeId: 'node1',
      nodeIpCidr,
      instances: [...base.filter(({ instanceId }) => !deleted.includes(instanceId)), ...burst],
    };
    const fixed = await reconcile({ client: second.client, desired });
    console.log(
      `[crash] ${changes.length} concurrent changes, agent SIGKILLed as the 6th started (${inFlightAtKill} in netcore together): ${failed} failed, ${fixed.length} drift items fixed after the restart`,
    );
    expect(fixed.length).toBeGreaterThan(0);
    expect((await second.client.diff.query({ desired })).drift).toEqual([]);
    const known = { nodeIds: ['node1'], instanceIds: desired.instances.map(({ instanceId }) => instanceId) };
    expect((await second.client.orphans.query({ known })).orphans).toEqual([]);
    const unreachable = [];
    for (const { instanceId, instanceIpCidr } of desired.instances)
      if (!(await ping({ from: getNode(0).namespace, to: instanceIpCidr.split('/')[0] ?? '' })))
        unreachable.push(instanceId);
    expect(unreachable).toEqual([]);

    // The twin: node2's namespace, the same node id and desired state, applied without a crash.
    twin = await startAgent({
      nodeId: 'node1',
      hostNamespace: getNode(1).namespace,
      port: 0,
      token,
      bootIdFile: scratch.bootIdFile,
      logger: pino({ level: 'silent' }),
    });
    const twinClient = createAgentClient({ url: twin.url, token });
    await twinClient.setupNode.mutate({ nodeId: 'node1', nodeIpCidr });
    await twinClient.setupInstances.mutate({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instances: desired.instances,
    });
    const crashed = normalize({
      snapshot: await snapshotKernel({ namespace: getNode(0).namespace }),
      namespace: getNode(0).namespace,
      uplink: getNode(0).externalIpAddr,
      agentPort: port,
    });
    const clean = normalize({
      snapshot: await snapshotKernel({ namespace: getNode(1).namespace }),
      namespace: getNode(1).namespace,
      uplink: getNode(1).externalIpAddr,
      agentPort: twin.port,
    });
    expect(crashed.namespaces).toHaveLength(desired.instances.length);
    expect(crashed).toEqual(clean);
  });
});
