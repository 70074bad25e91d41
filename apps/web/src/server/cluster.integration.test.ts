import { listNamespaces } from '@kudo/netcore/lab';
import { ping, request, runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { catchTrpc } from './testing/catch-trpc.js';
import { type TestControlPlane, useTestCluster } from './testing/test-cluster.js';

type Servers = Awaited<ReturnType<typeof startServer>>[];

/** The rule lines of a namespace's tables that belong to us (our chains and hooks). */
const readOurRules = async (namespace: string) =>
  (await runIn({ namespace, command: ['iptables-save'] }))
    .split('\n')
    .filter((line) => line.startsWith('-A ') && (line.includes('KUDO-') || line.includes('kudo:')))
    .sort();

/** Splits an iptables-save rule line into arguments (quoted comments stay one argument). */
const splitRule = (line: string) =>
  (line.match(/"[^"]*"|\S+/g) ?? []).map((part) => part.replace(/^"(.*)"$/, '$1'));

describeWithNamespaces('control plane driving a lab cluster through real agents', () => {
  const cluster = useTestCluster({ nodeCount: 3 });
  const lab = () => cluster().lab;
  const agent = (name: string) => cluster().agent(name);
  let plane: TestControlPlane;
  const servers: Servers = [];
  const namespaceOf = async (instanceId: string) =>
    (await plane.admin.instance.get({ instanceId })).namespaceName ?? '';
  const serve = async ({ instanceId, port }: { instanceId: string; port: number }) => {
    const server = await startServer({ namespace: await namespaceOf(instanceId), port, name: instanceId });
    servers.push(server);
    return server;
  };

  beforeAll(() => {
    plane = cluster().plane;
    cluster().onStop(() => Promise.all(servers.map((server) => server.stop())));
  });

  it('adds three nodes: each gets a subnet, its bridge and routes to the others', async () => {
    for (const name of ['node1', 'node2', 'node3']) {
      const { url, token, externalIpAddr } = agent(name);
      const node = await plane.admin.node.add({ agentUrl: url, agentToken: token, externalIpAddr });
      expect(node).toMatchObject({ id: name, status: 'ready' });
    }
    const nodes = await plane.viewer.node.list();
    expect(nodes.map(({ id, subnet }) => [id, subnet])).toEqual([
      ['node1', '10.0.0.0/24'],
      ['node2', '10.0.1.0/24'],
      ['node3', '10.0.2.0/24'],
    ]);
    const routes = await runIn({
      namespace: agent('node1').namespace,
      command: ['ip', 'route', 'show', 'proto', '152'],
    });
    expect(routes).toContain('10.0.1.0/24 via 198.51.100.12');
    expect(routes).toContain('10.0.2.0/24 via 198.51.100.13');
    for (const { id } of nodes)
      expect((await plane.viewer.inspection.inspect({ nodeId: id })).items).toEqual([]);
  });

  it('instances on different nodes reach each other by their own addresses', async () => {
    const web = await plane.admin.instance.create({
      nodeId: 'node1',
      instanceId: 'web-1',
      ports: [{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }],
    });
    const db = await plane.admin.instance.create({
      nodeId: 'node2',
      instanceId: 'db-1',
      ports: [{ hostPort: 5432, instancePort: 5432, protocol: 'tcp' }],
    });
    const cache = await plane.admin.instance.create({ nodeId: 'node3', instanceId: 'cache-1' });
    expect([web.ipAddr, db.ipAddr, cache.ipAddr]).toEqual(['10.0.0.2', '10.0.1.2', '10.0.2.2']);
    expect(await ping({ from: await namespaceOf('web-1'), to: db.ipAddr })).toBe(true);
    expect(await ping({ from: await namespaceOf('cache-1'), to: web.ipAddr })).toBe(true);
    await serve({ instanceId: 'db-1', port: 5432 });
    expect(await request({ from: await namespaceOf('web-1'), host: db.ipAddr, port: 5432 })).toBe(
      `hello from db-1 to ${web.ipAddr}`,
    );
  });

  it('a port mapping reaches its instance from outside the cluster', async () => {
    await serve({ instanceId: 'web-1', port: 8080 });
    const { outside } = lab();
    expect(await request({ from: outside.namespace, host: agent('node1').externalIpAddr, port: 80 })).toBe(
      `hello from web-1 to ${outside.ipAddr}`,
    );
  });

  it("changing an instance's port mappings moves it to the new host port", async () => {
    const changed = await plane.admin.portMapping.set({
      instanceId: 'web-1',
      ports: [{ hostPort: 8000, instancePort: 8080, protocol: 'tcp' }],
    });
    expect(changed.portMappings.map(({ hostPort }) => hostPort)).toEqual([8000]);
    const { outside } = lab();
    const host = agent('node1').externalIpAddr;
    expect(await request({ from: outside.namespace, host, port: 8000 })).toBe(
      `hello from web-1 to ${outside.ipAddr}`,
    );
    expect(await request({ from: outside.namespace, host, port: 80 })).toBeUndefined();
  });

  it('a host port already mapped on the node is refused before the agent creates anything', async () => {
    const error = await catchTrpc(
      plane.admin.instance.create({
        nodeId: 'node1',
        instanceId: 'web-2',
        ports: [{ hostPort: 8000, instancePort: 8080, protocol: 'tcp' }],
      }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe("host port tcp/8000 on node node1 is already mapped to instance 'web-1'");
    const namespaces = await runIn({ namespace: agent('node1').namespace, command: ['ip', 'netns', 'list'] });
    expect(namespaces).not.toContain('-i-web-2-');
  });

  it('concurrent instance creation never allocates the same address', async () => {
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        plane.admin.instance.create({ nodeId: 'node3', instanceId: `burst-${index}` }),
      ),
    );
    const addresses = created.map(({ ipAddr }) => ipAddr);
    expect(new Set(addresses).size).toBe(6);
    expect(created.every(({ status }) => status === 'running')).toBe(true);
    expect(await ping({ from: await namespaceOf('burst-0'), to: addresses[5] ?? '' })).toBe(true);
    expect((await plane.viewer.inspection.inspect({ nodeId: 'node3' })).items).toEqual([]);
    await Promise.all(created.map(({ id }) => plane.admin.instance.delete({ instanceId: id })));
    expect((await plane.viewer.instance.list({ nodeId: 'node3' })).map(({ id }) => id)).toEqual(['cache-1']);
  });

  it('a deleted rule shows as drift, and reconcile puts it back', async () => {
    const { namespace, externalIpAddr } = agent('node1');
    const rule = (await runIn({ namespace, command: ['iptables-save', '-t', 'nat'] }))
      .split('\n')
      .find((line) => line.startsWith('-A KUDO-HOSTPORTS') && line.includes('kudo:instance=web-1'));
    expect(rule).toBeDefined();
    await runIn({ namespace, command: ['iptables', '-t', 'nat', '-D', ...splitRule(rule ?? '').slice(1)] });
    const { outside } = lab();
    expect(await request({ from: outside.namespace, host: externalIpAddr, port: 8000 })).toBeUndefined();

    const inspection = await plane.viewer.inspection.inspect({ nodeId: 'node1' });
    expect(inspection.items).toEqual([
      expect.objectContaining({
        resource: 'port-mappings',
        target: 'web-1',
        fix: expect.objectContaining({ operation: 'setPortMappings' }),
      }),
    ]);
    expect(await plane.admin.node.check({ nodeId: 'node1' })).toMatchObject({ status: 'drifted' });
    const result = await plane.admin.inspection.reconcile({
      nodeId: 'node1',
      itemId: inspection.items[0]?.id,
    });
    expect(result.remaining).toEqual([]);
    expect(await request({ from: outside.namespace, host: externalIpAddr, port: 8000 })).toBe(
      `hello from web-1 to ${outside.ipAddr}`,
    );
    expect(await plane.admin.node.check({ nodeId: 'node1' })).toEqual({ status: 'ready', reason: null });
  });

  it('reconciling a whole node repairs every drift item', async () => {
    const { namespace, externalIpAddr } = agent('node1');
    await runIn({ namespace, command: ['ip', 'route', 'del', '10.0.1.0/24', 'proto', '152'] });
    await runIn({ namespace, command: ['iptables', '-t', 'nat', '-F', 'KUDO-HOSTPORTS'] });
    expect(await ping({ from: await namespaceOf('web-1'), to: '10.0.1.2' })).toBe(false);
    const drift = await plane.viewer.inspection.inspect({ nodeId: 'node1' });
    expect(drift.items.map(({ resource, target }) => `${resource} ${target}`).sort()).toEqual([
      'peer node2',
      'port-mappings web-1',
    ]);
    const result = await plane.admin.inspection.reconcile({ nodeId: 'node1' });
    expect(result.fixed).toHaveLength(2);
    expect(result.remaining).toEqual([]);
    expect(await ping({ from: await namespaceOf('web-1'), to: '10.0.1.2' })).toBe(true);
    const { outside } = lab();
    expect(await request({ from: outside.namespace, host: externalIpAddr, port: 8000 })).toBe(
      `hello from web-1 to ${outside.ipAddr}`,
    );
  });

  it('a reboot (tables flushed, a new boot id) is re-applied from the database', async () => {
    const { namespace, externalIpAddr } = agent('node2');
    const healthy = await readOurRules(namespace);
    for (const table of ['filter', 'nat']) {
      await runIn({ namespace, command: ['iptables', '-t', table, '-F'] });
      await runIn({ namespace, command: ['iptables', '-t', table, '-X'] });
    }
    expect(await readOurRules(namespace)).toEqual([]);
    const { outside } = lab();
    expect(await request({ from: outside.namespace, host: externalIpAddr, port: 5432 })).toBeUndefined();

    await cluster().reboot({ name: 'node2', bootId: 'boot-2' });
    expect(await plane.admin.node.check({ nodeId: 'node2' })).toEqual({ status: 'ready', reason: null });
    expect(await readOurRules(namespace)).toEqual(healthy);
    expect(await request({ from: outside.namespace, host: externalIpAddr, port: 5432 })).toBe(
      `hello from db-1 to ${outside.ipAddr}`,
    );
    const { entries } = await plane.viewer.event.list({ targetType: 'node', targetId: 'node2', limit: 5 });
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: 'system',
        action: 'node.reapply',
        result: 'ok',
        details: expect.objectContaining({ previousBootId: 'boot-1', bootId: 'boot-2' }),
      }),
    );
  });

  it('lists orphans as a dry run first, then cleans exactly them', async () => {
    const net = lab().netcoreFor('node1');
    const stray = await net.setupInstance({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'stray-1',
      instanceIpCidr: '10.0.0.99/24',
      ports: [{ hostPort: 9999, instancePort: 80, protocol: 'tcp' }],
    });
    const plan = await plane.viewer.inspection.orphans({ nodeId: 'node1' });
    expect(plan.orphans.map(({ resource }) => resource).sort()).toEqual([
      'namespace',
      'port-mapping',
      'veth',
    ]);
    expect(await plane.admin.inspection.cleanOrphans({ nodeId: 'node1' })).toMatchObject({
      dryRun: true,
      orphans: plan.orphans,
    });
    expect(await listNamespaces()).toContain(stray.namespaceName);

    const cleaned = await plane.admin.inspection.cleanOrphans({ nodeId: 'node1', dryRun: false });
    expect(cleaned.orphans).toEqual(plan.orphans);
    expect(await listNamespaces()).not.toContain(stray.namespaceName);
    expect((await plane.viewer.inspection.orphans({ nodeId: 'node1' })).orphans).toEqual([]);
    expect((await plane.viewer.inspection.inspect({ nodeId: 'node1' })).items).toEqual([]);
    const { outside } = lab();
    expect(await request({ from: outside.namespace, host: agent('node1').externalIpAddr, port: 8000 })).toBe(
      `hello from web-1 to ${outside.ipAddr}`,
    );
  });

  it('removing a node cleans it and the routes the others had to it', async () => {
    const refused = await catchTrpc(plane.admin.node.remove({ nodeId: 'node3' }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(await plane.admin.node.remove({ nodeId: 'node3', force: true })).toMatchObject({
      isRemoved: true,
      failures: [],
    });
    const node3 = agent('node3').namespace;
    expect(await runIn({ namespace: node3, command: ['ip', '-o', 'link', 'show', 'type', 'bridge'] })).toBe(
      '',
    );
    expect(await readOurRules(node3)).toEqual([]);
    for (const name of ['node1', 'node2']) {
      const routes = await runIn({
        namespace: agent(name).namespace,
        command: ['ip', 'route', 'show', 'proto', '152'],
      });
      expect(routes).not.toContain('10.0.2.0/24');
    }
    expect((await plane.viewer.node.list()).map(({ id }) => id)).toEqual(['node1', 'node2']);
    expect(await ping({ from: await namespaceOf('web-1'), to: '10.0.1.2' })).toBe(true);
  });

  it('an unreachable agent marks its node unreachable and loses no record', async () => {
    await agent('node2').agent.close();
    const status = await plane.admin.node.check({ nodeId: 'node2' });
    expect(status.status).toBe('unreachable');
    expect(status.reason).toContain(`agent at ${agent('node2').url} did not answer`);
    const node = await plane.viewer.node.get({ nodeId: 'node2' });
    expect(node).toMatchObject({ status: 'unreachable', subnet: '10.0.1.0/24' });
    expect(node.instances.map(({ id, ipAddr, portMappings }) => [id, ipAddr, portMappings.length])).toEqual([
      ['db-1', '10.0.1.2', 1],
    ]);
  });
});
