import { runIn } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { pino } from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { createTrpcAgentGateway } from './agents/trpc-agent-gateway.js';
import { createDatabase } from './db/database.js';
import { createOperationFeed, type OperationUpdate } from './events/operation-feed.js';
import { createCoordination } from './locks/coordination.js';
import { createMonitorDuty } from './locks/lease.js';
import { createChangeOwner, startReplicaHeartbeat } from './locks/replica-liveness.js';
import { findKernelProblems } from './testing/cluster-audit.js';
import { crashDuring } from './testing/crash-during.js';
import { useTestCluster } from './testing/test-cluster.js';
import { createTestControlPlane } from './testing/test-services.js';

/** The node's DNAT rules of our host-ports chain: one per port mapping. */
const readHostPortRules = async (namespace: string) =>
  (await runIn({ namespace, command: ['iptables-save', '-t', 'nat'] }))
    .split('\n')
    .filter((line) => line.startsWith('-A KUDO-HOSTPORTS') && line.includes('-j DNAT'));

/**
 * Every state an operation (`action` on `subject`) goes through on a control plane's feed, from now until
 * it ends (the feed is subscribed to before this returns).
 */
const followOperation = ({
  plane,
  action,
  subject,
}: {
  plane: ReturnType<typeof createTestControlPlane>;
  action: string;
  subject: string;
}) => {
  const stop = new AbortController();
  const updates = plane.services.operations.follow({ signal: stop.signal });
  const first = updates.next();
  return (async () => {
    const seen: OperationUpdate['operation'][] = [];
    for (let next = await first; !next.done; next = await updates.next()) {
      const { operation } = next.value;
      if (operation.operation !== action || operation.subject !== subject) continue;
      seen.push(operation);
      if (operation.status !== 'running') break;
    }
    stop.abort();
    return seen;
  })();
};

/** The replicas' leases (their liveness, the monitor's duty): short, so a takeover comes soon. */
const leaseTtlMs = 5_000;

/**
 * Two control-plane replicas (each with its own Prisma client, advisory locks and LISTEN connection, as two
 * processes would have) on one PostgreSQL database, driving one 3-node lab through real agents. Only in the
 * integration-postgresql project: SQLite is one control plane by design.
 */
describeWithNamespaces('two control-plane replicas on one PostgreSQL database', () => {
  const cluster = useTestCluster({ nodeCount: 4 });
  const replicas: ReturnType<typeof createTestControlPlane>[] = [];
  const replica = (index: number) => {
    const found = replicas[index];
    if (!found) throw new Error(`replica ${index} is not started`);
    return found;
  };

  /** Replica B's health monitor, on duty (its lease), every 200 ms until `isDone` (the test's timeout bounds it). */
  const monitorUntil = async ({ isDone }: { isDone: () => Promise<boolean> }) => {
    const { databaseUrl } = cluster().database;
    const duty = createMonitorDuty({
      db: replica(1).deps.db,
      databaseUrl,
      holder: 'replica-b',
      ttlMs: leaseTtlMs,
    });
    const monitor = replica(1).services.startHealthMonitor({ intervalMs: 200, isOnDuty: duty.isOnDuty });
    try {
      while (!(await isDone())) await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await monitor.stop();
      await duty.leave();
    }
  };

  beforeAll(async () => {
    const { databaseUrl } = cluster().database;
    for (const index of [0, 1]) {
      const db = createDatabase({ databaseUrl });
      const logger = pino({ level: 'silent' });
      // Each replica's own operation feed, which also gets the operations the other replicas run.
      const operations = createOperationFeed();
      const { nodeLock, events } = await createCoordination({
        databaseUrl,
        logger,
        onRemoteOperation: (change) => operations.publishControlPlaneChange({ change }),
      });
      // Each replica owns its changes in flight and keeps them alive with a lease, as runtime.ts does.
      const replicaId = `replica-${index}`;
      const changeOwner = createChangeOwner({ replicaId });
      const heartbeat = await startReplicaHeartbeat({
        db,
        replicaId,
        owner: changeOwner,
        ttlMs: leaseTtlMs,
        logger,
      });
      cluster().onStop(async () => {
        await heartbeat.stop();
        await Promise.all([nodeLock.close(), events.close()]);
        await db.$disconnect();
      });
      // The cluster CA is shared configuration, like the session secret: every replica signs with it.
      replicas.push(
        createTestControlPlane({
          db,
          gateway: createTrpcAgentGateway({ timeoutMs: 30_000 }),
          authority: cluster().plane.deps.authority,
          nodeLock,
          events,
          operations,
          changeOwner,
        }),
      );
    }
    for (const [index, name] of ['node1', 'node2', 'node3'].entries())
      await replica(index % 2).admin.node.add(cluster().toAddRequest(name));
  });

  it('100 concurrent creations split across both replicas: no address or host port given twice', async () => {
    // Instances i and i+3 (same node, same host port) go to different replicas: exactly one of them wins.
    const requests = Array.from({ length: 100 }, (_, index) => ({
      replica: index % 2,
      request: {
        nodeId: `node${(index % 3) + 1}`,
        instanceId: `replica-${index}`,
        ports: [{ hostPort: 30_000 + Math.floor(index / 6), instancePort: 80, protocol: 'tcp' as const }],
      },
    }));
    const results = await Promise.allSettled(
      requests.map(({ replica: index, request }) => replica(index).admin.instance.create(request)),
    );
    const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(created).toHaveLength(51);
    expect(refusals.map((error) => (error as { code?: string }).code)).toEqual(Array(49).fill('CONFLICT'));
    expect(created.every(({ status }) => status === 'running')).toBe(true);

    const instances = await replica(1).viewer.instance.list();
    expect(instances).toHaveLength(51);
    expect(new Set(instances.map(({ ipAddr }) => ipAddr)).size).toBe(51);
    const mappings = await replica(0).viewer.portMapping.list();
    const hostPorts = mappings.map(({ nodeId, protocol, hostPort }) => `${nodeId}/${protocol}/${hostPort}`);
    expect(new Set(hostPorts).size).toBe(51);
    for (const { name, namespace } of cluster().lab.nodes.filter(({ name }) => name !== 'node4')) {
      const onNode = instances.filter(({ nodeId }) => nodeId === name).map(({ id }) => id);
      const rules = await readHostPortRules(namespace);
      expect(rules).toHaveLength(onNode.length);
      expect(rules.map((rule) => /kudo:instance=([^"\s]+)/.exec(rule)?.[1]).sort()).toEqual(onNode.sort());
      expect((await replica(0).viewer.inspection.inspect({ nodeId: name })).items).toEqual([]);
    }
  });

  it('a change made through replica A reaches a subscriber of replica B live', async () => {
    const stop = new AbortController();
    const events = replica(1).services.events.follow({ signal: stop.signal });
    const first = events.next(); // subscribes now: anything published from here on is queued for us
    const created = await replica(0).admin.instance.create({ nodeId: 'node2', instanceId: 'seen-by-b' });
    expect(created.status).toBe('running');
    let next = await first;
    while (!next.done && !(next.value.action === 'instance.create' && next.value.targetId === 'seen-by-b'))
      next = await events.next();
    stop.abort();
    expect(next.value).toMatchObject({ action: 'instance.create', targetId: 'seen-by-b', result: 'ok' });
  });

  it('an operation run through replica A reaches the operation feed of replica B live, step by step', async () => {
    // Both feeds followed from now on: B's must show the operation exactly as A's own feed shows it.
    const onA = followOperation({ plane: replica(0), action: 'node.retry', subject: 'node3' });
    const onB = followOperation({ plane: replica(1), action: 'node.retry', subject: 'node3' });
    // A re-apply node3 still has to receive: the retry runs it, step by step (the node, then its instances).
    await replica(0).deps.db.pendingChange.create({
      data: { nodeId: 'node3', subjectId: 'node3', kind: 'reapplyNode', payload: '{}', lastError: 'missed' },
    });
    await replica(0).admin.node.retry({ nodeId: 'node3' });
    const [seenOnA, seenOnB] = await Promise.all([onA, onB]);
    expect(seenOnA.filter(({ progress }) => progress !== null).length).toBeGreaterThan(1);
    expect(seenOnA.at(-1)).toMatchObject({ status: 'finished', error: null, actor: 'alice' });
    expect(seenOnB).toEqual(seenOnA);
  });

  it('a replica SIGKILLed while adding a node: the other leaves it alone while it lives, then completes it once its lease ran out', {
    timeout: 120_000,
  }, async () => {
    const { databaseUrl } = cluster().database;
    const db = replica(1).deps.db;
    const { url, token, externalIpAddr, namespace } = cluster().agent('node4');
    const peers = ['node1', 'node2', 'node3'];
    const readRoutes = (node: string) =>
      runIn({ namespace: cluster().agent(node).namespace, command: ['ip', 'route', 'show', 'proto', '152'] });
    // Replica A (its own process, lease and locks) adds node4 and is killed before node4's agent answered.
    await crashDuring({
      databaseUrl,
      heldOperation: 'setupNode',
      change: 'node.add',
      input: { agentUrl: url, agentToken: token, externalIpAddr },
      replica: { replicaId: 'replica-a', ttlMs: leaseTtlMs },
      whileHeld: async () => {
        // While A lives, replica B neither resumes its addition nor runs its announcements to the peers.
        expect(await replica(1).services.resumeInterruptedChanges()).toEqual({
          failedInstances: [],
          reappliedNodes: [],
          announcedNodes: [],
        });
        for (const peer of peers) await replica(1).services.nodes.check({ nodeId: peer });
        const intents = await db.pendingChange.findMany({ where: { subjectId: 'node4' } });
        expect(intents).toHaveLength(4);
        expect(intents.every(({ changeOwner }) => changeOwner?.startsWith('replica-a#'))).toBe(true);
        const { subnet } = await db.node.findUniqueOrThrow({ where: { id: 'node4' } });
        for (const peer of peers) expect(await readRoutes(peer)).not.toContain(subnet);
      },
    });
    expect((await replica(1).viewer.node.get({ nodeId: 'node4' })).status).toBe('pending');
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'type', 'bridge'] })).toBe('');

    // Replica B's health monitor, on duty: once A's lease ran out, it completes the addition.
    await monitorUntil({
      isDone: async () => (await db.node.findUniqueOrThrow({ where: { id: 'node4' } })).status === 'ready',
    });

    const node4 = await replica(1).viewer.node.get({ nodeId: 'node4' });
    expect(node4).toMatchObject({ status: 'ready', statusReason: null, pendingChanges: [] });
    expect(await runIn({ namespace, command: ['ip', '-o', 'link', 'show', 'type', 'bridge'] })).not.toBe('');
    const routes = await runIn({
      namespace: cluster().agent('node1').namespace,
      command: ['ip', 'route', 'show', 'proto', '152'],
    });
    expect(routes).toContain(node4.subnet);
    // Exactly the kernel the database wants on every node: node4's bridge, rules and its 3 peer routes, and a
    // route to node4 on each peer (and nothing twice).
    for (const node of [...peers, 'node4'])
      expect(
        await findKernelProblems({ db, nodeId: node, namespace: cluster().agent(node).namespace }),
      ).toEqual([]);
    const node4Routes = (await readRoutes('node4')).split('\n').filter(Boolean);
    expect(node4Routes).toHaveLength(3);
    for (const peer of peers)
      expect((await readRoutes(peer)).split('\n').filter((line) => line.includes(node4.subnet))).toHaveLength(
        1,
      );
  });

  it('a replica SIGKILLed while creating an instance: left alone while it lives, then set up by the other', {
    timeout: 120_000,
  }, async () => {
    const { databaseUrl } = cluster().database;
    const db = replica(1).deps.db;
    await crashDuring({
      databaseUrl,
      heldOperation: 'setupInstance',
      change: 'instance.create',
      input: { nodeId: 'node1', instanceId: 'taken-over', ports: [{ hostPort: 31_000, instancePort: 80 }] },
      replica: { replicaId: 'replica-c', ttlMs: leaseTtlMs },
      whileHeld: async () => {
        expect(await replica(1).services.resumeInterruptedChanges()).toMatchObject({ failedInstances: [] });
        expect(await db.instance.findUniqueOrThrow({ where: { id: 'taken-over' } })).toMatchObject({
          status: 'pending',
          changeOwner: expect.stringMatching(/^replica-c#/),
        });
      },
    });
    await monitorUntil({
      isDone: async () =>
        (await db.instance.findUniqueOrThrow({ where: { id: 'taken-over' } })).status === 'running',
    });
    const { entries } = await replica(1).viewer.event.list({ targetType: 'cluster', limit: 1 });
    expect(entries[0]).toMatchObject({
      actor: 'system',
      action: 'controlPlane.resume',
      details: expect.objectContaining({ failedInstances: ['taken-over'] }),
    });
    expect(
      await findKernelProblems({ db, nodeId: 'node1', namespace: cluster().agent('node1').namespace }),
    ).toEqual([]);
    expect(await readHostPortRules(cluster().agent('node1').namespace)).toContainEqual(
      expect.stringContaining('kudo:instance=taken-over'),
    );
  });
});
