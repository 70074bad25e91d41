import type { AgentProcess } from '@kudo/agent/testing';
import { ping, request, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

/**
 * node1's agent is the real CLI in its own process. It is SIGKILLed while it works through a burst of
 * changes from the control plane (once in the middle of an instance's setup, once in the middle of a
 * deletion), then started again on the same port. Inspect and reconcile, then a retry of what the control
 * plane recorded as pending, must bring node1 to exactly the database's state, leaking nothing.
 */
describeWithNamespaces('agent killed in the middle of a burst of operations', () => {
  const cluster = useTestCluster({
    nodeCount: 2,
    agentProcesses: ['node1'],
    addedNodes: ['node1', 'node2'],
  });
  const lab = () => cluster().lab;
  let plane: TestControlPlane;
  let node1Agent: AgentProcess;
  const getNode = (index: number) => {
    const node = lab().nodes[index];
    if (!node) throw new Error(`the lab has no node ${index + 1}`);
    return node;
  };

  /** Sends every operation at once; SIGKILLs the agent as the `nth` `operation` of the burst starts on it. */
  const burstAndKill = async ({
    operations,
    operation,
    nth,
  }: {
    operations: (() => Promise<unknown>)[];
    operation: string;
    nth: number;
  }) => {
    const countStarted = () =>
      node1Agent.entries.filter((entry) => entry.msg === 'operation started' && entry.operation === operation)
        .length;
    const before = countStarted();
    const outcomes = Promise.allSettled(operations.map((run) => run()));
    await node1Agent.waitForLog(() => countStarted() >= before + nth);
    expect(await node1Agent.kill('SIGKILL')).toBe('SIGKILL');
    return (await outcomes).filter((outcome) => outcome.status === 'rejected').length;
  };

  /** Restarts the agent on its port; inspect, reconcile, retry; then nothing may differ or leak. */
  const recoverNode1 = async () => {
    node1Agent = await cluster().restartAgentProcess({ name: 'node1' });
    const inspection = await plane.viewer.inspection.inspect({ nodeId: 'node1' });
    expect(inspection.hasDrift).toBe(true);
    const reconciled = await plane.admin.inspection.reconcile({ nodeId: 'node1' });
    expect(reconciled.remaining).toEqual([]);
    expect((await plane.viewer.inspection.orphans({ nodeId: 'node1' })).orphans).toEqual([]);
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.filter(({ status }) => status !== 'running')).toEqual([]);
    expect((await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges).toEqual([]);
    expect(
      await findKernelProblems({ db: plane.deps.db, nodeId: 'node1', namespace: getNode(0).namespace }),
    ).toEqual([]);
    expect(
      await findKernelProblems({ db: plane.deps.db, nodeId: 'node2', namespace: getNode(1).namespace }),
    ).toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
    return { instances, driftItems: inspection.items.length };
  };

  const create = (instanceId: string, hostPort: number) => () =>
    plane.admin.instance.create({
      nodeId: 'node1',
      instanceId,
      ports: [{ hostPort, instancePort: 8080, protocol: 'tcp' }],
    });

  beforeAll(async () => {
    plane = cluster().plane;
    node1Agent = cluster().agentProcess('node1');
    for (let index = 0; index < 6; index += 1) await create(`base-${index}`, 10_000 + index)();
    await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'probe' });
  });

  it('killed while setting up instances: the database state is reached again, nothing leaks', {
    timeout: 120_000,
  }, async () => {
    const operations = [
      ...Array.from({ length: 8 }, (_, index) => create(`burst-${index}`, 11_000 + index)),
      ...[0, 1].map(
        (index) => () =>
          plane.admin.portMapping.set({
            instanceId: `base-${index}`,
            ports: [{ hostPort: 12_000 + index, instancePort: 8080, protocol: 'tcp' }],
          }),
      ),
    ];
    const failed = await burstAndKill({ operations, operation: 'setupInstance', nth: 3 });
    // At most 5 ended before the kill (2 port changes, 3 setups): every later one failed, recorded as pending.
    expect(failed).toBeGreaterThanOrEqual(5);
    expect((await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges).not.toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);

    const { instances, driftItems } = await recoverNode1();
    console.log(
      `[agent-crash] ${operations.length} changes, killed as the 3rd setup started: ${failed} failed, ${driftItems} drift items reconciled`,
    );
    expect(instances.map(({ id }) => id).sort()).toEqual(
      [
        ...Array.from({ length: 6 }, (_, i) => `base-${i}`),
        ...Array.from({ length: 8 }, (_, i) => `burst-${i}`),
      ].sort(),
    );
  });

  it('killed while deleting instances: deleted ones are gone from the kernel and the database', {
    timeout: 120_000,
  }, async () => {
    const operations = [
      ...[2, 3, 4, 5].map((index) => () => plane.admin.instance.delete({ instanceId: `base-${index}` })),
      ...Array.from({ length: 4 }, (_, index) => create(`late-${index}`, 13_000 + index)),
    ];
    const failed = await burstAndKill({ operations, operation: 'cleanInstance', nth: 2 });
    // At most 6 ended before the kill (4 creations, 2 deletions).
    expect(failed).toBeGreaterThanOrEqual(2);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);

    const { instances, driftItems } = await recoverNode1();
    console.log(
      `[agent-crash] ${operations.length} changes, killed as the 2nd deletion started: ${failed} failed, ${driftItems} drift items reconciled`,
    );
    expect(instances.map(({ id }) => id).sort()).toEqual(
      [
        'base-0',
        'base-1',
        ...Array.from({ length: 8 }, (_, i) => `burst-${i}`),
        ...Array.from({ length: 4 }, (_, i) => `late-${i}`),
      ].sort(),
    );
  });

  it('after both crashes every instance answers, and a changed port mapping leads to its instance', async () => {
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    const probe = (await plane.viewer.instance.get({ instanceId: 'probe' })).namespaceName ?? '';
    const unreachable: string[] = [];
    for (const { id, ipAddr } of instances)
      if (!(await ping({ from: probe, to: ipAddr }))) unreachable.push(id);
    expect(unreachable).toEqual([]);
    const changed = instances.find(({ id }) => id === 'base-1');
    expect(changed?.portMappings.map(({ hostPort }) => hostPort)).toEqual([12_001]);
    const server = await startServer({ namespace: changed?.namespaceName ?? '', port: 8080, name: 'base-1' });
    try {
      const { outside } = lab();
      expect(await request({ from: outside.namespace, host: getNode(0).externalIpAddr, port: 12_001 })).toBe(
        `hello from base-1 to ${outside.ipAddr}`,
      );
    } finally {
      await server.stop();
    }
  });
});
