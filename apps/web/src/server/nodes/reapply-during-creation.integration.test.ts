import { NetcoreError } from '@kudo/netcore';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { createGate, type Gate } from '../testing/gate.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

type Intercepted = 'newNodeInCluster' | 'setupInstance';
/** What the next call of an operation (to any agent) does first: fail with `fault`, or wait at `gate`. */
type Interception = { fault: Error } | { gate: Gate };

/**
 * A re-apply (a retry, a pending re-apply, a reboot's) holds the node's lock while it sets up the node's
 * instances; an instance created meanwhile is recorded `pending` and waits for that lock. The re-apply
 * must leave it to its creation: not set it up, not mark it running (the creation would then report a
 * false CONFLICT). Here the retry of node1 first runs its older pending change (node2's announcement),
 * held until the creation's row is pending, then its pending re-apply.
 */
describeWithNamespaces('re-apply while an instance is being created', () => {
  let plane: TestControlPlane;
  const interceptions = new Map<Intercepted, Interception>();
  const intercept = async ({ operation }: { operation: Intercepted }) => {
    const next = interceptions.get(operation);
    if (!next) return;
    interceptions.delete(operation);
    if ('fault' in next) throw next.fault;
    next.gate.arrive();
    await next.gate.opened;
  };
  const unreachable = () => new NetcoreError({ code: 'UNREACHABLE', reason: 'injected by the test' });
  const statuses = async () =>
    (await plane.viewer.instance.list({ nodeId: 'node1' })).map(({ id, status }) => `${id} ${status}`);

  const cluster = useTestCluster({
    nodeCount: 2,
    wrapGateway: (real) => ({
      connect: (target) => {
        const connection = real.connect(target);
        return {
          ...connection,
          newNodeInCluster: async (input) => {
            await intercept({ operation: 'newNodeInCluster' });
            return connection.newNodeInCluster(input);
          },
          setupInstance: async (input) => {
            await intercept({ operation: 'setupInstance' });
            return connection.setupInstance(input);
          },
        };
      },
    }),
  });

  beforeAll(async () => {
    plane = cluster().plane;
    cluster().onStop(async () => {
      for (const next of interceptions.values()) if ('gate' in next) next.gate.open();
    });
    const { toAddRequest } = cluster();
    await plane.admin.node.add(toAddRequest('node1'));
    // node1 misses node2's announcement, then web-1's setup: both are pending changes on node1, in that order.
    interceptions.set('newNodeInCluster', { fault: unreachable() });
    await plane.admin.node.add(toAddRequest('node2'));
    interceptions.set('setupInstance', { fault: unreachable() });
    await expect(plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1' })).rejects.toThrow(
      'kept as failed',
    );
  });

  it('leaves an instance being created to its creation, which succeeds', async () => {
    const { pendingChanges } = await plane.viewer.node.get({ nodeId: 'node1' });
    expect(pendingChanges.map(({ kind }) => kind)).toEqual(['newNodeInCluster', 'reapplyNode']);
    const held = createGate();
    interceptions.set('newNodeInCluster', { gate: held });

    const retrying = plane.admin.node.retry({ nodeId: 'node1' });
    await held.reached;
    const creating = plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-2' });
    await expect.poll(statuses).toEqual(['web-1 failed', 'web-2 pending']);
    held.open();

    // A failed creation is turned into its message, so the assertion shows it (a false CONFLICT).
    const [retried, created] = await Promise.all([
      retrying,
      creating.catch((error: unknown) => String(error)),
    ]);
    expect(created).toMatchObject({ id: 'web-2', status: 'running' });
    expect(retried).toMatchObject({ status: 'ready' });
    expect(await statuses()).toEqual(['web-1 running', 'web-2 running']);
    expect((await plane.viewer.node.get({ nodeId: 'node1' })).pendingChanges).toEqual([]);

    expect((await plane.viewer.inspection.inspect({ nodeId: 'node1' })).items).toEqual([]);
    for (const { name, namespace } of cluster().agents)
      expect(await findKernelProblems({ db: plane.deps.db, nodeId: name, namespace })).toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
    const { entries } = await plane.viewer.event.list({
      targetType: 'instance',
      targetId: 'web-2',
      limit: 5,
    });
    expect(entries.map(({ action, result }) => `${action} ${result}`)).toEqual(['instance.create ok']);
  });
});
