import { type Agent, startAgent } from '@kudo/agent';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { pino } from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';
import { testViewer } from '../testing/test-services.js';
import { createCaller } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';
import type { AgentEventRelay } from './agent-event-relay.js';
import type { OperationView } from './operation-view.js';

/** A tracked event: the tuple `[id, data]` from a server-side caller (`{ id, data }` over HTTP). */
const readTracked = (value: unknown) =>
  (Array.isArray(value) ? value[1] : (value as { data: unknown }).data) as OperationView;

/**
 * The Events page's operation stream, as a viewer reads it (`event.operations`), over a lab of two node
 * namespaces with a real agent each: the relay follows their event streams while the control plane
 * drives them.
 */
describeWithNamespaces('live operations of a lab cluster, from the agents and the control plane', () => {
  const cluster = useTestCluster({ nodeCount: 2 });
  let plane: TestControlPlane;
  let relay: AgentEventRelay | undefined;
  const subscription = new AbortController();
  let reading: Promise<void> | undefined;
  const updates: OperationView[] = [];
  let restartedAgent: Agent | undefined;
  const agent = (name: string) => cluster().agent(name);
  /** Waits (the test's timeout is the limit) until an update matches, and returns it. */
  const waitForUpdate = async (matches: (operation: OperationView) => boolean) => {
    for (;;) {
      const found = updates.find(matches);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** The statuses one operation went through, as `nodeName status`, in order. */
  const historyOf = (key: string) =>
    updates.filter((update) => update.key === key).map(({ nodeName, status }) => `${nodeName} ${status}`);

  beforeAll(async () => {
    plane = cluster().plane;
    cluster().onStop(async () => {
      subscription.abort();
      await reading;
      await relay?.stop();
      await restartedAgent?.close();
    });
    relay = plane.services.startEventRelay({ retry: { baseMs: 100, maxMs: 1_000 } });
    const viewer = createCaller(createInnerContext({ services: plane.services, user: testViewer }), {
      signal: subscription.signal,
    });
    const stream = await viewer.event.operations();
    reading = (async () => {
      for await (const tracked of stream) updates.push(readTracked(tracked));
    })().catch(() => undefined);
  });

  it('an instance created through the control plane runs on its node, tagged with the node name, then finishes', async () => {
    const { url, token, externalIpAddr } = agent('node1');
    await plane.admin.node.add({ agentUrl: url, agentToken: token, externalIpAddr, name: 'edge-1' });
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1' });

    const setup = await waitForUpdate(
      ({ operation, subject, status }) =>
        operation === 'setupInstance' && subject === 'web-1' && status === 'finished',
    );
    expect(setup).toMatchObject({ source: 'agent', nodeId: 'node1', nodeName: 'edge-1', error: null });
    expect(setup.durationMs).toBeGreaterThanOrEqual(0);
    expect(historyOf(setup.key)).toEqual(['edge-1 running', 'edge-1 finished']);
    // The node's own setup, done while the node was being added, came from the agent's history.
    await waitForUpdate(
      ({ operation, nodeId, status }) =>
        operation === 'setupNode' && nodeId === 'node1' && status === 'finished',
    );
    // The control plane's own operations: who asked, and the addition's steps.
    const addition = updates.filter(({ operation }) => operation === 'node.add').at(-1);
    expect(addition).toMatchObject({
      source: 'control-plane',
      actor: 'alice',
      subject: 'node1',
      status: 'finished',
      progress: { step: 1, total: 1, what: 'set up node1; announcing it to 0 nodes' },
    });
    expect(
      updates
        .filter(({ key }) => key === addition?.key)
        .map(({ status, progress }) => (progress ? `${status} ${progress.step}/${progress.total}` : status)),
    ).toEqual(['running', 'running 0/1', 'running 1/1', 'finished 1/1']);
  });

  it('a reconcile shows its progress while the agent runs the fix', async () => {
    const { hostInterfaceName } = await plane.admin.instance.get({ instanceId: 'web-1' });
    await runIn({
      namespace: agent('node1').namespace,
      command: ['ip', 'link', 'del', hostInterfaceName ?? ''],
    });
    const before = updates.length;
    const { fixed } = await plane.admin.inspection.reconcile({ nodeId: 'node1' });
    expect(fixed.length).toBeGreaterThan(0);

    const reconcile = await waitForUpdate(
      ({ operation, status }) => operation === 'inspection.reconcile' && status === 'finished',
    );
    expect(reconcile.progress).toMatchObject({ step: fixed.length, total: fixed.length });
    expect(reconcile.progress?.what).toMatch(/^fixed instance web-1: /);
    const steps = updates
      .slice(before)
      .filter(({ key }) => key === reconcile.key)
      .map(({ progress }) => progress && `${progress.step}/${progress.total}`);
    expect(steps).toEqual([
      null,
      `0/${fixed.length}`,
      ...fixed.map((_, index) => `${index + 1}/${fixed.length}`),
      `${fixed.length}/${fixed.length}`,
    ]);
    // The fix itself, on the node's agent.
    await waitForUpdate(
      (update) =>
        updates.indexOf(update) >= before &&
        update.operation === 'setupInstance' &&
        update.subject === 'web-1' &&
        update.status === 'finished',
    );
  });

  it("a failed agent operation carries the agent's code, field and reason", async () => {
    const { url, token } = agent('node2');
    // An external address on no network node1 knows: node1's agent refuses to route to it.
    await plane.admin.node.add({ agentUrl: url, agentToken: token, externalIpAddr: '203.0.113.50' });

    const refused = await waitForUpdate(
      ({ operation, nodeId, status }) =>
        operation === 'newNodeInCluster' && nodeId === 'node1' && status === 'failed',
    );
    expect(refused).toMatchObject({ nodeName: 'edge-1', subject: 'node2' });
    expect(refused.error).toMatchObject({
      code: 'UNREACHABLE',
      field: expect.stringContaining('externalIpAddr'),
    });
    expect(refused.error?.reason).toMatch(/203\.0\.113\.50/);
    expect(historyOf(refused.key)).toEqual(['edge-1 running', 'edge-1 failed']);
    const addition = await waitForUpdate(
      ({ operation, subject, status }) =>
        operation === 'node.add' && subject === 'node2' && status === 'finished',
    );
    expect(addition.progress).toEqual({
      step: 2,
      total: 2,
      what: 'announcement to node1 failed: kept as a pending change',
    });
  });

  it('follows an agent again once it is back after a restart', async () => {
    const node2 = agent('node2');
    await node2.agent.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    restartedAgent = await startAgent({
      nodeId: 'node2',
      hostNamespace: node2.namespace,
      port: Number(new URL(node2.url).port),
      token: node2.token,
      bootIdFile: node2.bootIdFile,
      logger: pino({ level: 'silent' }),
    });
    await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'api-1' });
    const setup = await waitForUpdate(
      ({ operation, subject, status }) =>
        operation === 'setupInstance' && subject === 'api-1' && status === 'finished',
    );
    expect(setup).toMatchObject({ nodeId: 'node2', nodeName: 'node2' });
  });

  it('stops following every agent when the relay stops', async () => {
    await relay?.stop();
    relay = undefined;
    const count = updates.length;
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-2' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Only the control plane's own operation arrives now: nothing from the agents.
    expect(updates.slice(count).every(({ source }) => source === 'control-plane')).toBe(true);
  });
});
