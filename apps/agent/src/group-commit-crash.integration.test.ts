import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { expect, it } from 'vitest';
import { createAgentClient } from './client.js';
import {
  crashNodeIpCidr as nodeIpCidr,
  toCrashInstance,
  useCrashTestNodes,
} from './testing/crash-fixture.js';
import { reconcileThroughAgent } from './testing/node-twin.js';

const base = Array.from({ length: 10 }, (_, index) =>
  toCrashInstance({ instanceId: `base-${index}`, octet: 10 + index }),
);
const wave = Array.from({ length: 40 }, (_, index) =>
  toCrashInstance({ instanceId: `wave-${index}`, octet: 30 + index }),
);
/** The base instances the wave removes. */
const removed = base.slice(0, 8).map(({ instanceId }) => instanceId);

/**
 * A deploy and a drain at once: 40 setups and 8 deletions from 48 clients reach the agent (its CLI, in
 * its own process) together, netcore takes them in groups, and the agent is SIGKILLed while a group is
 * in the kernel. Restarted, the node is brought to the desired state by the calls its `diff` names; the
 * kernel (`ip -j`, iptables-save) must then equal a twin node given that state cleanly.
 */
describeWithNamespaces('agent killed in the middle of a group commit', () => {
  const { token, spawnAgent, findSilentInstances, compareWithTwin } = useCrashTestNodes();

  it('reconcile brings the node to exactly the desired state, as on a node that never crashed', {
    timeout: 240_000,
  }, async () => {
    const first = await spawnAgent({ port: 0 });
    const port = Number(new URL(first.url).port);
    await first.client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr });
    await first.client.setupInstances.mutate({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instances: base });

    const countLines = (message: string) =>
      first.agent.entries.filter((entry) => entry.msg === message).length;
    const countStarted = () => countLines('operation started');
    const countEnded = () => countLines('operation finished') + countLines('operation failed');
    const startedBefore = countStarted();
    let inFlightAtKill = 0;
    // Killed once 30 changes of the wave are in the agent: a group of them is then in netcore.
    const killed = first.agent
      .waitForLog(() => countStarted() >= startedBefore + 30)
      .then(() => {
        first.agent.signal('SIGKILL');
        inFlightAtKill = countStarted() - countEnded();
      });
    const outcomes = await Promise.allSettled([
      ...wave.map((request) =>
        createAgentClient({ url: first.url, token }).setupInstance.mutate({
          nodeId: 'node1',
          nodeIpAddr: '10.0.0.1',
          ...request,
        }),
      ),
      ...removed.map((instanceId) =>
        createAgentClient({ url: first.url, token }).cleanInstance.mutate({ instanceId }),
      ),
    ]);
    await killed;
    expect(await first.agent.exited).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThan(1);
    const failed = outcomes.filter(({ status }) => status === 'rejected').length;
    expect(failed).toBeGreaterThan(0);

    const second = await spawnAgent({ port });
    const desired = {
      nodeId: 'node1',
      nodeIpCidr,
      instances: [...base.filter(({ instanceId }) => !removed.includes(instanceId)), ...wave],
    };
    const fixed = await reconcileThroughAgent({ client: second.client, desired });
    console.log(
      `[group crash] ${outcomes.length} changes at once, SIGKILL with ${inFlightAtKill} in the agent: ${failed} failed at the client, ${fixed.length} drift items fixed`,
    );
    expect((await second.client.diff.query({ desired })).drift).toEqual([]);
    const known = { nodeIds: ['node1'], instanceIds: desired.instances.map(({ instanceId }) => instanceId) };
    expect((await second.client.orphans.query({ known })).orphans).toEqual([]);
    const silent = await findSilentInstances({ instances: desired.instances });
    expect(silent).toEqual([]);

    const { crashed, clean } = await compareWithTwin({ instances: desired.instances, agentPort: port });
    expect(crashed.namespaces).toHaveLength(desired.instances.length);
    expect(crashed).toEqual(clean);
  });
});
