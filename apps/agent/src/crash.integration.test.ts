import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { expect, it } from 'vitest';
import { createAgentClient } from './client.js';
import {
  crashNodeIpCidr as nodeIpCidr,
  toCrashInstance,
  useCrashTestNodes,
} from './testing/crash-fixture.js';
import { reconcileThroughAgent as reconcile } from './testing/node-twin.js';

const base = [0, 1, 2, 3].map((index) => toCrashInstance({ instanceId: `base-${index}`, octet: 10 + index }));
const burst = Array.from({ length: 14 }, (_, index) =>
  toCrashInstance({ instanceId: `burst-${index}`, octet: 30 + index }),
);
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
  const { token, spawnAgent, findSilentInstances, compareWithTwin } = useCrashTestNodes();

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
    const unreachable = await findSilentInstances({ instances: desired.instances });
    expect(unreachable).toEqual([]);

    // The twin: node2's namespace, the same node id and desired state, applied without a crash.
    const { crashed, clean } = await compareWithTwin({ instances: desired.instances, agentPort: port });
    expect(crashed.namespaces).toHaveLength(desired.instances.length);
    expect(crashed).toEqual(clean);
  });
});
