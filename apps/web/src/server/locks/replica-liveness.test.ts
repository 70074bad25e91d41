import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeInterruptedChanges } from '../nodes/resume-interrupted.js';
import { createTestDatabase, readTestProvider } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { createChangeOwner, readLiveOwners, startReplicaHeartbeat } from './replica-liveness.js';

const logger = pino({ level: 'silent' });

/** Changes in flight and their owners: a live replica's are left to it, a dead one's are resumed. */
describe(`changes in flight on ${readTestProvider()}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    database = await createTestDatabase();
    await database.db.node.create({
      data: {
        id: 'node1',
        name: 'node1',
        agentUrl: 'http://198.51.100.11:7070',
        agentToken: 'token',
        externalIpAddr: '198.51.100.11',
        subnet: '10.0.1.0/24',
        nodeIpAddr: '10.0.1.1',
        status: 'ready',
      },
    });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await database.remove();
  });

  const startReplica = async (replicaId: string) => {
    const owner = createChangeOwner({ replicaId });
    const heartbeat = await startReplicaHeartbeat({
      db: database.db,
      replicaId,
      owner,
      ttlMs: 60_000,
      logger,
    });
    stops.push(heartbeat.stop);
    return { owner, heartbeat };
  };
  const createPending = (id: string, ipAddr: string, changeOwner: string | null) =>
    database.db.instance.create({ data: { id, nodeId: 'node1', ipAddr, status: 'pending', changeOwner } });
  const deps = () =>
    createTestControlPlane({ db: database.db, gateway: { connect: () => ({}) as never } }).deps;

  it("resumes a dead replica's creation, never a live one's, and an ownerless one only at start", async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    expect((await readLiveOwners({ db: database.db })).sort()).toEqual([a.owner, b.owner].sort());
    await createPending('by-a', '10.0.1.2', a.owner);
    await createPending('by-b', '10.0.1.3', b.owner);
    await createPending('by-none', '10.0.1.4', null);

    // Everyone alive: a tick of the replica on duty finds nothing to take over.
    expect(await resumeInterruptedChanges({ deps: deps(), isStarting: false })).toMatchObject({
      failedInstances: [],
    });
    // Replica A stops (its lease given up, as a killed one's runs out): its creation is resumed.
    await a.heartbeat.stop();
    expect(await resumeInterruptedChanges({ deps: deps(), isStarting: false })).toEqual({
      failedInstances: ['by-a'],
      reappliedNodes: ['node1'],
      announcedNodes: [],
    });
    const statuses = await database.db.instance.findMany({ select: { id: true, status: true } });
    expect(Object.fromEntries(statuses.map(({ id, status }) => [id, status]))).toEqual({
      'by-a': 'failed',
      'by-b': 'pending',
      'by-none': 'pending',
    });
    // A control plane starting also takes the ownerless one, still never B's.
    expect(await resumeInterruptedChanges({ deps: deps() })).toMatchObject({ failedInstances: ['by-none'] });
  });

  it('a replica restarted under its id takes over what its previous process left, at once', async () => {
    const first = await startReplica('replica-a');
    await createPending('left-behind', '10.0.1.2', first.owner);
    // The process dies without giving its lease up; a new one starts under the same replica id.
    const second = await startReplica('replica-a');
    expect(await readLiveOwners({ db: database.db })).toEqual([second.owner]);
    expect(await resumeInterruptedChanges({ deps: deps() })).toMatchObject({
      failedInstances: ['left-behind'],
    });
  });
});
