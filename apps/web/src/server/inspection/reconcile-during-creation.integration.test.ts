import { getVethName } from '@kudo/netcore';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { createGate } from '../testing/gate.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

/**
 * A reconcile of a whole node holds the node's lock while it fixes drift; an instance created meanwhile
 * is recorded `pending` and waits for that lock. The reconcile must leave it to its creation: not set it
 * up, not mark it running (the creation would then report a false CONFLICT).
 */
describeWithNamespaces('reconcile while an instance is being created', () => {
  let plane: TestControlPlane;
  /** Holds the next setupInstance of `web-1` (the reconcile's fix) until the test opens it. */
  let gate: ReturnType<typeof createGate> | undefined;
  const cluster = useTestCluster({
    nodeCount: 1,
    addedNodes: ['node1'],
    wrapGateway: (real) => ({
      connect: (target) => {
        const connection = real.connect(target);
        return {
          ...connection,
          setupInstance: async (input) => {
            const held = input.instanceId === 'web-1' ? gate : undefined;
            if (held) {
              gate = undefined;
              held.arrive();
              await held.opened;
            }
            return connection.setupInstance(input);
          },
        };
      },
    }),
  });

  beforeAll(async () => {
    plane = cluster().plane;
    cluster().onStop(async () => gate?.open());
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1' });
  });

  it('leaves an instance being created to its creation, which succeeds', async () => {
    const { namespace } = cluster().agent('node1');
    await runIn({ namespace, command: ['ip', 'link', 'del', getVethName('web-1')] });
    const held = createGate();
    gate = held;

    const reconciling = plane.admin.inspection.reconcile({ nodeId: 'node1' });
    await held.reached;
    const creating = plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-2' });
    await expect
      .poll(async () =>
        (await plane.viewer.instance.list({ nodeId: 'node1' })).map(({ id, status }) => `${id} ${status}`),
      )
      .toEqual(['web-1 running', 'web-2 pending']);
    held.open();

    // A failed creation is turned into its message, so the assertion shows it (a false CONFLICT).
    const [reconciled, created] = await Promise.all([
      reconciling,
      creating.catch((error: unknown) => String(error)),
    ]);
    expect(created).toMatchObject({ id: 'web-2', status: 'running' });
    expect(reconciled.fixed.map(({ resource, target }) => `${resource} ${target}`)).toEqual([
      'instance web-1',
    ]);
    // Left, and said so: when the reconcile ended, the creation had not set web-2 up yet.
    expect(reconciled.remaining.map(({ resource, target }) => `${resource} ${target}`)).toEqual([
      'instance web-2',
    ]);

    expect((await plane.viewer.inspection.inspect({ nodeId: 'node1' })).items).toEqual([]);
    expect(await findKernelProblems({ db: plane.deps.db, nodeId: 'node1', namespace })).toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
    const { entries } = await plane.viewer.event.list({
      targetType: 'instance',
      targetId: 'web-2',
      limit: 5,
    });
    expect(entries.map(({ action, result }) => `${action} ${result}`)).toEqual(['instance.create ok']);
  });
});
