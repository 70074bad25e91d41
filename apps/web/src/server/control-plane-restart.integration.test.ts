import { ping, runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { createTrpcAgentGateway } from './agents/trpc-agent-gateway.js';
import { createDatabase } from './db/database.js';
import { findDatabaseProblems, findKernelProblems } from './testing/cluster-audit.js';
import { crashDuring } from './testing/crash-during.js';
import { type TestControlPlane, useTestCluster } from './testing/test-cluster.js';
import { createTestControlPlane } from './testing/test-services.js';

/**
 * The control plane is killed while it adds a node: once before the new node's agent answered its setup,
 * once after that but before the other nodes were told. A control plane started again on the same database
 * must find the unfinished addition and complete it: the node ready, every node routing to it.
 */
describeWithNamespaces('control plane restarted in the middle of adding a node', () => {
  const cluster = useTestCluster({ nodeCount: 4, addedNodes: ['node1', 'node2'] });
  let restarted: TestControlPlane | undefined;
  const agent = (name: string) => cluster().agent(name);

  /** A new control plane on the same database file, started as the runtime starts one. */
  const restart = async () => {
    await restarted?.deps.db.$disconnect();
    restarted = createTestControlPlane({
      db: createDatabase({ databaseUrl: cluster().database.databaseUrl }),
      gateway: createTrpcAgentGateway({ timeoutMs: 30_000 }),
    });
    await restarted.services.resumeInterruptedChanges();
    // What the health monitor does first, at once, when the control plane starts.
    await restarted.services.nodes.checkAll();
    return restarted;
  };

  const expectAdded = async ({ plane, nodeId }: { plane: TestControlPlane; nodeId: string }) => {
    const nodes = await plane.viewer.node.list();
    expect(nodes.map(({ id, status, statusReason }) => ({ id, status, statusReason }))).toEqual(
      nodes.map(({ id }) => ({ id, status: 'ready', statusReason: null })),
    );
    expect(nodes.map(({ id }) => id)).toContain(nodeId);
    for (const { id } of nodes) {
      expect((await plane.viewer.node.get({ nodeId: id })).pendingChanges).toEqual([]);
      expect(
        await findKernelProblems({ db: plane.deps.db, nodeId: id, namespace: agent(id).namespace }),
      ).toEqual([]);
    }
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
    const instance = await plane.admin.instance.create({ nodeId, instanceId: `on-${nodeId}` });
    const from = (await plane.viewer.instance.get({ instanceId: 'on-node1' })).namespaceName ?? '';
    expect(await ping({ from, to: instance.ipAddr })).toBe(true);
  };

  beforeAll(async () => {
    const { plane, database } = cluster();
    cluster().onStop(async () => restarted?.deps.db.$disconnect());
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'on-node1' });
    await database.db.$disconnect();
  });

  it('killed before the new node answered its setup: completed at the next start', {
    timeout: 120_000,
  }, async () => {
    const { url, token, externalIpAddr, namespace } = agent('node3');
    await crashDuring({
      databaseUrl: cluster().database.databaseUrl,
      heldOperation: 'setupNode',
      change: 'node.add',
      input: { agentUrl: url, agentToken: token, externalIpAddr },
    });
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'type', 'bridge'] })).toBe('');
    const plane = await restart();
    expect((await plane.viewer.node.get({ nodeId: 'node3' })).subnet).toBe('10.0.2.0/24');
    await expectAdded({ plane, nodeId: 'node3' });
  });

  it('killed before the other nodes were told: completed at the next start', {
    timeout: 120_000,
  }, async () => {
    const { url, token, externalIpAddr } = agent('node4');
    await crashDuring({
      databaseUrl: cluster().database.databaseUrl,
      heldOperation: 'newNodeInCluster',
      change: 'node.add',
      input: { agentUrl: url, agentToken: token, externalIpAddr },
    });
    const routes = await runIn({
      namespace: agent('node1').namespace,
      command: ['ip', 'route', 'show', 'proto', '152'],
    });
    expect(routes).not.toContain('10.0.3.0/24');
    const plane = await restart();
    await expectAdded({ plane, nodeId: 'node4' });
  });

  it('killed while creating an instance: set up at the next start', { timeout: 120_000 }, async () => {
    await crashDuring({
      databaseUrl: cluster().database.databaseUrl,
      heldOperation: 'setupInstance',
      change: 'instance.create',
      input: { nodeId: 'node2', instanceId: 'interrupted', ports: [{ hostPort: 8080, instancePort: 80 }] },
    });
    const plane = await restart();
    expect(await plane.viewer.instance.get({ instanceId: 'interrupted' })).toMatchObject({
      status: 'running',
      ipAddr: '10.0.1.2',
    });
    const { entries } = await plane.viewer.event.list({ targetType: 'cluster', limit: 1 });
    expect(entries[0]).toMatchObject({
      actor: 'system',
      action: 'controlPlane.resume',
      details: expect.objectContaining({ failedInstances: ['interrupted'] }),
    });
    expect(
      await findKernelProblems({ db: plane.deps.db, nodeId: 'node2', namespace: agent('node2').namespace }),
    ).toEqual([]);
  });

  it('killed while deleting an instance: deleted at the next start', { timeout: 120_000 }, async () => {
    await crashDuring({
      databaseUrl: cluster().database.databaseUrl,
      heldOperation: 'cleanInstance',
      change: 'instance.delete',
      input: { instanceId: 'interrupted' },
    });
    const plane = await restart();
    expect((await plane.viewer.instance.list({ nodeId: 'node2' })).map(({ id }) => id)).toEqual([]);
    expect((await plane.viewer.node.get({ nodeId: 'node2' })).status).toBe('ready');
    expect(
      await findKernelProblems({ db: plane.deps.db, nodeId: 'node2', namespace: agent('node2').namespace }),
    ).toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
  });
});
