import { getVethName } from '@kudo/netcore';
import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentGateway } from '../agents/agent-gateway.js';
import { createTrpcAgentGateway } from '../agents/trpc-agent-gateway.js';
import { findDatabaseProblems, findKernelProblems } from '../testing/cluster-audit.js';
import { startLabAgents } from '../testing/lab-agents.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';

/** A call held at a gate: `reached` resolves when it arrives, `open()` lets it through. */
const createGate = () => {
  let open: () => void = () => undefined;
  let arrive: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  return { opened, reached, open, arrive };
};

/**
 * A reconcile of a whole node holds the node's lock while it fixes drift; an instance created meanwhile
 * is recorded `pending` and waits for that lock. The reconcile must leave it to its creation: not set it
 * up, not mark it running (the creation would then report a false CONFLICT).
 */
describeWithNamespaces('reconcile while an instance is being created', () => {
  const lab = useTestLab({ nodeCount: 1 });
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let labAgents: Awaited<ReturnType<typeof startLabAgents>> | undefined;
  let plane: ReturnType<typeof createTestControlPlane>;
  /** Holds the next setupInstance of `web-1` (the reconcile's fix) until the test opens it. */
  let gate: ReturnType<typeof createGate> | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    labAgents = await startLabAgents({ lab: lab() });
    const real = createTrpcAgentGateway({ timeoutMs: 30_000 });
    const gateway: AgentGateway = {
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
    };
    plane = createTestControlPlane({ db: database.db, gateway });
    const { url, token, externalIpAddr } = labAgents.get('node1');
    await plane.admin.node.add({ agentUrl: url, agentToken: token, externalIpAddr });
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1' });
  });
  afterAll(async () => {
    gate?.open();
    await labAgents?.stopAll();
    await database?.remove();
  });

  it('leaves an instance being created to its creation, which succeeds', async () => {
    const { namespace } = labAgents?.get('node1') ?? { namespace: '' };
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
