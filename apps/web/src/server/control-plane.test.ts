import { NetcoreError } from '@kudo/netcore';
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchTrpc } from './testing/catch-trpc.js';
import { createFakeAgentGateway } from './testing/fake-agent-gateway.js';
import { createTestDatabase } from './testing/test-database.js';
import { createTestControlPlane } from './testing/test-services.js';

/**
 * The services through the web app's router, with agents faked in memory: what the control plane decides
 * and records, and what it asks agents to do. (The lab test proves the same flows with real agents.)
 */

/** A tracked event: `{ id, data }` over HTTP, but the tuple `[id, data]` from a server-side caller. */
const readTracked = (value: unknown) =>
  Array.isArray(value)
    ? { id: value[0] as string, data: value[1] as unknown }
    : (value as { id: string; data: unknown });

const readWebError = (error: TRPCError) =>
  error.cause && 'code' in error.cause
    ? { code: error.cause.code, field: (error.cause as { field?: string }).field }
    : {};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const fake = createFakeAgentGateway();
let plane: ReturnType<typeof createTestControlPlane>;
const agents = {
  node1: fake.addAgent({ nodeId: 'node1' }),
  node2: fake.addAgent({ nodeId: 'node2' }),
  node3: fake.addAgent({ nodeId: 'node3' }),
  node4: fake.addAgent({ nodeId: 'node4' }),
};
const addNode = (name: keyof typeof agents, externalIpAddr: string) =>
  plane.admin.node.add({ agentUrl: agents[name].url, agentToken: agents[name].token, externalIpAddr });

beforeAll(async () => {
  database = await createTestDatabase();
  plane = createTestControlPlane({ db: database.db, gateway: fake.gateway });
});
afterAll(async () => {
  await database?.remove();
});

describe('control plane with fake agents', () => {
  it('adds nodes with consecutive subnets, routes to the existing nodes, and announcements to them', async () => {
    const node1 = await addNode('node1', '198.51.100.11');
    const node2 = await addNode('node2', '198.51.100.12');
    const node3 = await addNode('node3', '198.51.100.13');
    expect(
      [node1, node2, node3].map(({ subnet, nodeIpAddr, status }) => ({ subnet, nodeIpAddr, status })),
    ).toEqual([
      { subnet: '10.0.0.0/24', nodeIpAddr: '10.0.0.1', status: 'ready' },
      { subnet: '10.0.1.0/24', nodeIpAddr: '10.0.1.1', status: 'ready' },
      { subnet: '10.0.2.0/24', nodeIpAddr: '10.0.2.1', status: 'ready' },
    ]);
    expect(fake.callsTo({ url: agents.node3.url, operation: 'setupNode' })[0]?.input).toEqual({
      nodeId: 'node3',
      nodeIpCidr: '10.0.2.1/24',
      nodesIps: [
        { nodeId: 'node1', nodeIp: { clusterIpCidr: '10.0.0.1/24', externalIpAddr: '198.51.100.11' } },
        { nodeId: 'node2', nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: '198.51.100.12' } },
      ],
    });
    for (const peer of [agents.node1, agents.node2])
      expect(
        fake.callsTo({ url: peer.url, operation: 'newNodeInCluster' }).map((call) => call.input),
      ).toContainEqual({
        nodeId: 'node3',
        nodeIp: { clusterIpCidr: '10.0.2.1/24', externalIpAddr: '198.51.100.13' },
      });
  });

  it('never returns an agent token, and lets viewers read but not change', async () => {
    const listed = JSON.stringify([
      await plane.viewer.node.list(),
      await plane.viewer.node.get({ nodeId: 'node1' }),
    ]);
    expect(listed).not.toContain(agents.node1.token);
    expect(listed).not.toContain('agentToken');
    expect(
      (
        await catchTrpc(
          addNode
            .call(null, 'node4', '198.51.100.14')
            .then(() => plane.viewer.node.retry({ nodeId: 'node1' })),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect((await catchTrpc(plane.anonymous.node.list())).code).toBe('UNAUTHORIZED');
    await plane.admin.node.remove({ nodeId: 'node4' });
  });

  it('refuses a second registration of the same agent', async () => {
    const error = await catchTrpc(addNode('node1', '198.51.100.21'));
    expect(error.code).toBe('CONFLICT');
    expect(readWebError(error)).toMatchObject({ code: 'CONFLICT', field: 'agentUrl' });
  });

  it('allocates instance addresses after the node address and records port mappings', async () => {
    const web = await plane.admin.instance.create({
      nodeId: 'node1',
      instanceId: 'web-1',
      ports: [{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }],
    });
    const db = await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'db-1' });
    expect([web.ipAddr, web.status, db.ipAddr]).toEqual(['10.0.0.2', 'running', '10.0.0.3']);
    expect(fake.callsTo({ url: agents.node1.url, operation: 'setupInstance' }).at(0)?.input).toEqual({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'web-1',
      instanceIpCidr: '10.0.0.2/24',
      ports: [{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }],
    });
  });

  it('refuses a host port already mapped on the node before calling the agent', async () => {
    const before = fake.callsTo({ url: agents.node1.url }).length;
    const error = await catchTrpc(
      plane.admin.instance.create({
        nodeId: 'node1',
        instanceId: 'web-2',
        ports: [{ hostPort: 80, instancePort: 9090, protocol: 'tcp' }],
      }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain("already mapped to instance 'web-1'");
    expect(readWebError(error)).toMatchObject({ field: 'ports.0.hostPort' });
    const portError = await catchTrpc(
      plane.admin.portMapping.set({
        instanceId: 'db-1',
        ports: [{ hostPort: 80, instancePort: 5432, protocol: 'tcp' }],
      }),
    );
    expect(portError.code).toBe('CONFLICT');
    expect(fake.callsTo({ url: agents.node1.url }).length).toBe(before);
    expect(await plane.admin.instance.list({ nodeId: 'node1' })).toHaveLength(2);
  });

  it('refuses an instance id already used, on its node or another, before calling the agent', async () => {
    const calls = () =>
      [agents.node1, agents.node2].flatMap(({ url }) => fake.callsTo({ url, operation: 'setupInstance' }))
        .length;
    const before = calls();
    for (const nodeId of ['node1', 'node2']) {
      const error = await catchTrpc(
        plane.admin.instance.create({
          nodeId,
          instanceId: 'web-1',
          ports: [{ hostPort: 8081, instancePort: 8080, protocol: 'tcp' }],
        }),
      );
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toContain("there is already an instance 'web-1'");
      expect(readWebError(error)).toMatchObject({ field: 'instanceId' });
    }
    expect(calls()).toBe(before);
    expect(await plane.admin.instance.list({ nodeId: 'node2' })).toEqual([]);
    expect((await plane.admin.instance.get({ instanceId: 'web-1' })).ipAddr).toBe('10.0.0.2');
  });

  it('never hands out the same address to concurrent creations', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        plane.admin.instance.create({ nodeId: 'node2', instanceId: `burst-${index}` }),
      ),
    );
    const addresses = created.map((instance) => instance.ipAddr);
    expect(new Set(addresses).size).toBe(12);
    expect(addresses.every((address) => address.startsWith('10.0.1.'))).toBe(true);
    await Promise.all(created.map(({ id }) => plane.admin.instance.delete({ instanceId: id })));
    expect(await plane.admin.instance.list({ nodeId: 'node2' })).toEqual([]);
  });

  it('keeps nothing when the agent refuses an instance, and frees its address', async () => {
    fake.failNext({
      url: agents.node2.url,
      operation: 'setupInstance',
      error: new NetcoreError({
        code: 'CONFLICT',
        field: 'ports.0.hostPort',
        reason: 'host port tcp/22 is in use',
      }),
    });
    const error = await catchTrpc(
      plane.admin.instance.create({
        nodeId: 'node2',
        instanceId: 'ssh-1',
        ports: [{ hostPort: 22, instancePort: 22 }],
      }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(readWebError(error)).toMatchObject({ field: 'ports.0.hostPort' });
    expect(await plane.admin.instance.list({ nodeId: 'node2' })).toEqual([]);
    expect((await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'app-1' })).ipAddr).toBe(
      '10.0.1.2',
    );
  });

  it('restores the previous mappings when the agent refuses new ones', async () => {
    fake.failNext({
      url: agents.node1.url,
      operation: 'setPortMappings',
      error: new NetcoreError({ code: 'CONFLICT', reason: 'in use by something else' }),
    });
    await catchTrpc(
      plane.admin.portMapping.set({ instanceId: 'web-1', ports: [{ hostPort: 81, instancePort: 8080 }] }),
    );
    const instance = await plane.admin.instance.get({ instanceId: 'web-1' });
    expect(instance.portMappings.map(({ hostPort }) => hostPort)).toEqual([80]);
    const changed = await plane.admin.portMapping.set({
      instanceId: 'web-1',
      ports: [{ hostPort: 8000, instancePort: 8080, protocol: 'tcp' }],
    });
    expect(changed.portMappings.map(({ hostPort }) => hostPort)).toEqual([8000]);
  });

  it('keeps an instance the agent could not set up as failed, and sets it up when the agent answers', async () => {
    fake.setDown({ url: agents.node3.url, isDown: true });
    const error = await catchTrpc(plane.admin.instance.create({ nodeId: 'node3', instanceId: 'late-1' }));
    expect(error.code).toBe('BAD_GATEWAY');
    expect((await plane.admin.instance.get({ instanceId: 'late-1' })).status).toBe('failed');
    expect((await plane.admin.node.check({ nodeId: 'node3' })).status).toBe('unreachable');
    fake.setDown({ url: agents.node3.url, isDown: false });
    expect(await plane.admin.node.check({ nodeId: 'node3' })).toEqual({ status: 'ready', reason: null });
    expect((await plane.admin.instance.get({ instanceId: 'late-1' })).status).toBe('running');
  });

  it('marks a node unreachable without losing its records', async () => {
    fake.setDown({ url: agents.node1.url, isDown: true });
    const status = await plane.admin.node.check({ nodeId: 'node1' });
    expect(status.status).toBe('unreachable');
    expect(status.reason).toContain('did not answer');
    expect((await plane.admin.instance.list({ nodeId: 'node1' })).map(({ id }) => id)).toEqual([
      'web-1',
      'db-1',
    ]);
    fake.setDown({ url: agents.node1.url, isDown: false });
    expect((await plane.admin.node.check({ nodeId: 'node1' })).status).toBe('ready');
  });

  it('re-applies a node whose boot id changed, and says so in the audit log', async () => {
    fake.reboot({ url: agents.node1.url, bootId: 'boot-2' });
    expect((await plane.admin.node.check({ nodeId: 'node1' })).status).toBe('ready');
    expect(fake.callsTo({ url: agents.node1.url, operation: 'setupInstances' }).at(-1)?.input).toEqual({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instances: [
        {
          instanceId: 'web-1',
          instanceIpCidr: '10.0.0.2/24',
          ports: [{ hostPort: 8000, instancePort: 8080, protocol: 'tcp' }],
        },
        { instanceId: 'db-1', instanceIpCidr: '10.0.0.3/24', ports: [] },
      ],
    });
    const { entries } = await plane.viewer.event.list({ targetType: 'node', targetId: 'node1' });
    // The newest entry is the admin's own check (audited since every change is); the re-apply it caused is next.
    expect(entries[0]).toMatchObject({ actor: 'alice', action: 'node.check', result: 'ok' });
    expect(entries[1]).toMatchObject({
      actor: 'system',
      action: 'node.reapply',
      result: 'ok',
      details: {
        reason: 'reboot detected: the agent reports a new boot id',
        previousBootId: 'boot-1',
        bootId: 'boot-2',
      },
    });
  });

  it('re-applies instances one by one when the bulk call is refused, so only the faulty one fails', async () => {
    // Twice: the check re-applies after the reboot, then once more as the pending re-apply.
    for (const attempt of [1, 2]) {
      fake.failNext({
        url: agents.node1.url,
        operation: 'setupInstances',
        error: new NetcoreError({ code: 'COMMAND_FAILED', reason: `ip netns add failed (${attempt})` }),
      });
      fake.failNext({
        url: agents.node1.url,
        operation: 'setupInstance',
        error: new NetcoreError({ code: 'COMMAND_FAILED', reason: 'veth refused' }),
        matches: (input) => (input as { instanceId: string }).instanceId === 'web-1',
      });
    }
    fake.reboot({ url: agents.node1.url, bootId: 'boot-3' });
    const status = await plane.admin.node.check({ nodeId: 'node1' });
    expect(status.status).toBe('degraded');
    expect(status.reason).toContain('veth refused');
    const instances = await plane.viewer.instance.list({ nodeId: 'node1' });
    expect(instances.map(({ id, status }) => [id, status])).toEqual([
      ['web-1', 'failed'],
      ['db-1', 'running'],
    ]);
    expect(await plane.admin.node.retry({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
    expect((await plane.viewer.instance.get({ instanceId: 'web-1' })).status).toBe('running');
  });

  it('leaves a node degraded when a peer cannot be told about it, and a retry completes it', async () => {
    fake.setDown({ url: agents.node2.url, isDown: true });
    const node4 = await addNode('node4', '198.51.100.14');
    expect(node4.status).toBe('degraded');
    expect(node4.statusReason).toContain('newNodeInCluster(node4) not yet applied on node node2');
    expect((await plane.admin.node.get({ nodeId: 'node2' })).pendingChanges).toHaveLength(1);
    fake.setDown({ url: agents.node2.url, isDown: false });
    expect(await plane.admin.node.retry({ nodeId: 'node4' })).toEqual({ status: 'ready', reason: null });
    expect((await plane.admin.node.get({ nodeId: 'node2' })).pendingChanges).toEqual([]);
    expect(
      fake.callsTo({ url: agents.node2.url, operation: 'newNodeInCluster' }).at(-1)?.input,
    ).toMatchObject({
      nodeId: 'node4',
    });
  });

  it('shows drift and reconciles it with the fix each item names', async () => {
    fake.setDrift({
      url: agents.node3.url,
      drift: [
        {
          kind: 'different',
          resource: 'port-mappings',
          target: 'late-1',
          detail: 'port mappings are none, expected tcp/80→80',
          fix: { operation: 'setPortMappings', input: { instanceId: 'late-1', ports: [] } },
        },
      ],
    });
    expect((await plane.admin.node.check({ nodeId: 'node3' })).status).toBe('drifted');
    const inspection = await plane.viewer.inspection.inspect({ nodeId: 'node3' });
    expect(inspection.items).toHaveLength(1);
    const itemId = inspection.items[0]?.id ?? '';
    fake.setDrift({ url: agents.node3.url, drift: [] });
    expect((await catchTrpc(plane.admin.inspection.reconcile({ nodeId: 'node3', itemId }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('keeps a node whose own cleanup failed until its removal is forced, without re-applying it', async () => {
    fake.setDown({ url: agents.node4.url, isDown: true });
    const error = await catchTrpc(plane.admin.node.remove({ nodeId: 'node4' }));
    expect(error.code).toBe('BAD_GATEWAY');
    expect(error.message).toContain('retry the removal, or force it');
    fake.setDown({ url: agents.node4.url, isDown: false });
    fake.reboot({ url: agents.node4.url, bootId: 'boot-9' });
    const setups = fake.callsTo({ url: agents.node4.url, operation: 'setupNode' }).length;
    expect((await plane.admin.node.check({ nodeId: 'node4' })).reason).toContain('removal did not finish');
    expect(fake.callsTo({ url: agents.node4.url, operation: 'setupNode' })).toHaveLength(setups);
    fake.setDown({ url: agents.node4.url, isDown: true });
    const removed = await plane.admin.node.remove({ nodeId: 'node4', force: true });
    expect(removed.isRemoved).toBe(true);
    expect(removed.failures.join()).toContain('cleanNode on node node4 failed');
    for (const peer of [agents.node1, agents.node2])
      expect(fake.callsTo({ url: peer.url, operation: 'deleteNodeInCluster' }).at(-1)?.input).toMatchObject({
        nodeId: 'node4',
      });
  });

  it('refuses to remove a node with instances unless forced, and tells the other nodes', async () => {
    const error = await catchTrpc(plane.admin.node.remove({ nodeId: 'node3' }));
    expect(error.code).toBe('PRECONDITION_FAILED');
    expect(await plane.admin.node.remove({ nodeId: 'node3', force: true })).toMatchObject({
      isRemoved: true,
    });
    expect(fake.callsTo({ url: agents.node3.url, operation: 'cleanInstance' }).at(-1)?.input).toEqual({
      instanceId: 'late-1',
    });
    expect(fake.callsTo({ url: agents.node3.url, operation: 'cleanNode' })).toHaveLength(1);
    for (const peer of [agents.node1, agents.node2])
      expect(fake.callsTo({ url: peer.url, operation: 'deleteNodeInCluster' }).at(-1)?.input).toMatchObject({
        nodeId: 'node3',
      });
    expect((await plane.admin.node.list()).map(({ id }) => id)).toEqual(['node1', 'node2']);
    expect((await plane.admin.instance.list()).some(({ nodeId }) => nodeId === 'node3')).toBe(false);
  });

  it('refuses to change the address plan while nodes hold subnets of it', async () => {
    const error = await catchTrpc(
      plane.admin.cluster.updateSettings({ clusterCidr: '10.8.0.0/16', nodePrefixLength: 24 }),
    );
    expect(error.code).toBe('PRECONDITION_FAILED');
    expect(await plane.viewer.cluster.settings()).toEqual({
      clusterCidr: '10.0.0.0/16',
      nodePrefixLength: 24,
    });
  });

  it('streams audit entries after the last one a client saw, then live ones', async () => {
    const { entries } = await plane.viewer.event.list({ limit: 2 });
    const [latest, previous] = entries;
    const stream = await plane.viewer.event.live({ lastEventId: String(previous?.id) });
    const iterator = stream[Symbol.asyncIterator]();
    expect(readTracked((await iterator.next()).value).id).toBe(String(latest?.id));
    const next = iterator.next();
    await plane.admin.instance.delete({ instanceId: 'db-1' });
    expect(readTracked((await next).value).data).toMatchObject({
      action: 'instance.delete',
      targetId: 'db-1',
      result: 'ok',
    });
    await iterator.return?.(undefined);
  });
});
