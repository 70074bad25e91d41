import type { AgentProcess } from '@kudo/agent/testing';
import { ping } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { catchTrpc } from '../testing/catch-trpc.js';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

/**
 * node1's agent (the real CLI, in its own process) cannot be reached while the control plane changes
 * things on it: first it is gone (connections refused), then it hangs (SIGSTOP: calls time out). Every
 * change must fail visibly, be recorded as pending, leave node1 not ready with the reason, keep every
 * record consistent, and a retry once the agent is back must complete it all.
 */
describeWithNamespaces('agent unreachable during a change', () => {
  // A short deadline: a hung agent fails a call after 5 s instead of 30.
  const cluster = useTestCluster({
    nodeCount: 3,
    timeoutMs: 5_000,
    agentProcesses: ['node1'],
    addedNodes: ['node1', 'node2'],
  });
  const lab = () => cluster().lab;
  let plane: TestControlPlane;
  let node1Agent: AgentProcess;
  let node1Url = '';
  const getNode = (index: number) => {
    const node = lab().nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };
  const statusOf = async (nodeId: string) => {
    const { status, statusReason } = await plane.viewer.node.get({ nodeId });
    return { status, statusReason };
  };
  const expectConsistent = async () => {
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
  };

  beforeAll(async () => {
    plane = cluster().plane;
    node1Agent = cluster().agentProcess('node1');
    node1Url = cluster().toAddRequest('node1').agentUrl;
    for (const [index, instanceId] of ['web-1', 'web-2'].entries())
      await plane.admin.instance.create({
        nodeId: 'node1',
        instanceId,
        ports: [{ hostPort: 8000 + index, instancePort: 80, protocol: 'tcp' }],
      });
    await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'probe-2' });
  });

  it('with the agent gone, each change fails, is recorded, and marks the node', async () => {
    await node1Agent.kill('SIGKILL');

    const created = await catchTrpc(plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-3' }));
    expect(created.code).toBe('BAD_GATEWAY');
    expect(created.message).toContain('kept as failed');
    expect(await plane.viewer.instance.get({ instanceId: 'web-3' })).toMatchObject({
      status: 'failed',
      ipAddr: '10.0.0.4',
    });
    expect(await statusOf('node1')).toMatchObject({ status: 'unreachable' });

    const moved = await catchTrpc(
      plane.admin.portMapping.set({ instanceId: 'web-1', ports: [{ hostPort: 9000, instancePort: 80 }] }),
    );
    expect(moved.code).toBe('BAD_GATEWAY');
    const deleted = await catchTrpc(plane.admin.instance.delete({ instanceId: 'web-2' }));
    expect(deleted.code).toBe('BAD_GATEWAY');
    // Kept as asked: the new mapping is wanted, the deletion is under way and its address still held.
    expect((await plane.viewer.instance.get({ instanceId: 'web-1' })).portMappings).toEqual([
      expect.objectContaining({ hostPort: 9000, instancePort: 80, protocol: 'tcp' }),
    ]);
    expect(await plane.viewer.instance.get({ instanceId: 'web-2' })).toMatchObject({
      status: 'deleting',
      ipAddr: '10.0.0.3',
    });
    await expectConsistent();

    const node3 = cluster().agent('node3');
    const added = await plane.admin.node.add({
      agentUrl: node3.agent.url,
      agentToken: node3.token,
      externalIpAddr: node3.externalIpAddr,
    });
    expect(added.status).toBe('degraded');
    expect(added.statusReason).toContain('newNodeInCluster(node3) not yet applied on node node1');
    await plane.admin.instance.create({ nodeId: 'node3', instanceId: 'probe-3' });

    const check = await plane.admin.node.check({ nodeId: 'node1' });
    expect(check.status).toBe('unreachable');
    expect(check.reason).toContain(`agent at ${node1Url} did not answer`);
    const pending = (await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges;
    expect(pending.map(({ nodeId, subjectId, kind }) => `${kind} ${nodeId} ${subjectId}`).sort()).toEqual([
      'newNodeInCluster node1 node3',
      'reapplyNode node1 node1',
    ]);
    const { entries } = await plane.viewer.event.list({ limit: 20 });
    const failures = entries.filter(({ result, actor }) => result === 'error' && actor === 'alice');
    expect(failures.map(({ action, targetId }) => `${action} ${targetId}`).sort()).toEqual([
      'instance.create web-3',
      'instance.delete web-2',
      'portMapping.set web-1',
    ]);
    await expectConsistent();
  });

  it('back on its port, a retry completes every change', { timeout: 120_000 }, async () => {
    node1Agent = await cluster().restartAgentProcess({ name: 'node1' });
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    expect(await plane.admin.node.check({ nodeId: 'node3' })).toEqual({ status: 'ready', reason: null });
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.map(({ id, status }) => `${id} ${status}`)).toEqual(['web-1 running', 'web-3 running']);
    expect((await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges).toEqual([]);
    for (const [index, nodeId] of ['node1', 'node2', 'node3'].entries())
      expect(
        await findKernelProblems({ db: plane.deps.db, nodeId, namespace: getNode(index).namespace }),
      ).toEqual([]);
    await expectConsistent();
    const probe3 = (await plane.viewer.instance.get({ instanceId: 'probe-3' })).namespaceName ?? '';
    expect(await ping({ from: probe3, to: '10.0.0.4' })).toBe(true);
  });

  it('with the agent hung, calls time out, are recorded, and complete once it answers again', {
    timeout: 120_000,
  }, async () => {
    node1Agent.signal('SIGSTOP');
    // node1 misses node3's removal: it still routes to a gone node, so it is degraded until told.
    expect(await plane.admin.node.remove({ nodeId: 'node3', force: true })).toMatchObject({
      isRemoved: true,
    });
    expect(await statusOf('node1')).toMatchObject({
      status: 'degraded',
      statusReason: expect.stringContaining('deleteNodeInCluster(node3) not yet applied'),
    });
    expect(
      (await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges.map(
        ({ kind, subjectId }) => `${kind} ${subjectId}`,
      ),
    ).toEqual(['deleteNodeInCluster node3']);
    const created = await catchTrpc(plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-4' }));
    expect(created.code).toBe('BAD_GATEWAY');
    expect(created.message).toContain('did not answer setupInstance in time');
    expect(await statusOf('node1')).toMatchObject({ status: 'unreachable' });
    const deleted = await catchTrpc(plane.admin.instance.delete({ instanceId: 'web-3' }));
    expect(deleted.code).toBe('BAD_GATEWAY');
    await expectConsistent();

    node1Agent.signal('SIGCONT');
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.map(({ id, status }) => `${id} ${status}`)).toEqual(['web-1 running', 'web-4 running']);
    // Neither node1 (told by the retry) nor node2 (told at once) routes to node3 any more.
    for (const [index, nodeId] of ['node1', 'node2'].entries())
      expect(
        await findKernelProblems({ db: plane.deps.db, nodeId, namespace: getNode(index).namespace }),
      ).toEqual([]);
    await expectConsistent();
  });
});
