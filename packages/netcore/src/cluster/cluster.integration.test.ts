import { afterAll, beforeAll, expect, it } from 'vitest';
import { ping, request, runIn, snapshotKernel, startServer } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';

const subnets = ['10.0.0', '10.0.1', '10.0.2'];

describeWithNamespaces('a cluster of three nodes as one private network (host-gw routes)', () => {
  const lab = useTestLab({ nodeCount: 3 });
  const nodes = () =>
    lab().nodes.map((node, index) => ({
      ...node,
      net: lab().netcoreFor(node.name),
      request: {
        nodeId: node.name,
        nodeIp: { clusterIpCidr: `${subnets[index]}.1/24`, externalIpAddr: node.externalIpAddr },
      },
      instance: `app-${index + 1}`,
      instanceAddr: `${subnets[index]}.2`,
    }));
  const byIndex = (index: number) => {
    const node = nodes()[index];
    if (!node) throw new Error(`no node ${index}`);
    return node;
  };

  beforeAll(async () => {
    const all = nodes();
    for (const node of all) {
      const others = all.filter((other) => other.name !== node.name).map((other) => other.request);
      await node.net.setupNode({
        nodeId: node.name,
        nodeIpCidr: node.request.nodeIp.clusterIpCidr,
        nodesIps: others,
      });
      await node.net.setupInstance({
        nodeId: node.name,
        nodeIpAddr: node.request.nodeIp.clusterIpCidr.split('/')[0] ?? '',
        instanceId: node.instance,
        instanceIpCidr: `${node.instanceAddr}/24`,
        ports: [{ hostPort: 80, instancePort: 8080 }],
      });
    }
  });
  afterAll(async () => {
    for (const node of nodes()) {
      await node.net.cleanInstance({ instanceId: node.instance });
      await node.net.cleanNode({ nodeId: node.name });
    }
  });

  it('instances on different nodes ping each other by their own addresses', async () => {
    const [a, b, c] = [byIndex(0), byIndex(1), byIndex(2)];
    expect(await ping({ from: a.net.getNamespaceName(a.instance), to: b.instanceAddr })).toBe(true);
    expect(await ping({ from: b.net.getNamespaceName(b.instance), to: c.instanceAddr })).toBe(true);
    expect(await ping({ from: c.net.getNamespaceName(c.instance), to: a.instanceAddr })).toBe(true);
  });

  it('TCP across nodes keeps the caller instance address (no NAT inside the cluster)', async () => {
    const [a, b] = [byIndex(0), byIndex(1)];
    const server = await startServer({
      namespace: b.net.getNamespaceName(b.instance),
      port: 8080,
      name: b.instance,
    });
    try {
      const answer = await request({
        from: a.net.getNamespaceName(a.instance),
        host: b.instanceAddr,
        port: 8080,
      });
      expect(answer).toBe(`hello from ${b.instance} to ${a.instanceAddr}`);
    } finally {
      await server.stop();
    }
  });

  it('a port mapping on node A is reached from the outside and from an instance on node C', async () => {
    const [a, , c] = [byIndex(0), byIndex(1), byIndex(2)];
    const server = await startServer({
      namespace: a.net.getNamespaceName(a.instance),
      port: 8080,
      name: a.instance,
    });
    try {
      expect(await request({ from: lab().outside.namespace, host: a.externalIpAddr, port: 80 })).toBe(
        `hello from ${a.instance} to ${lab().outside.ipAddr}`,
      );
      expect(
        await request({ from: c.net.getNamespaceName(c.instance), host: a.externalIpAddr, port: 80 }),
      ).toMatch(new RegExp(`^hello from ${a.instance} to `));
    } finally {
      await server.stop();
    }
  });

  it('routes each other node subnet via its external address, tagged as ours', async () => {
    const routes = JSON.parse(
      await runIn({
        namespace: byIndex(0).namespace,
        command: ['ip', '-j', 'route', 'show', 'proto', '152'],
      }),
    );
    expect(
      routes.map((route: { dst: string; gateway: string }) => `${route.dst} via ${route.gateway}`).sort(),
    ).toEqual([
      `10.0.1.0/24 via ${byIndex(1).externalIpAddr}`,
      `10.0.2.0/24 via ${byIndex(2).externalIpAddr}`,
    ]);
  });

  it('newNodeInCluster is idempotent and deleteNodeInCluster removes exactly what it added', async () => {
    const a = byIndex(0);
    const c = byIndex(2);
    const before = await snapshotKernel({ namespace: a.namespace });
    await a.net.newNodeInCluster(c.request);
    expect(await snapshotKernel({ namespace: a.namespace })).toEqual(before);
    await a.net.deleteNodeInCluster(c.request);
    const after = await snapshotKernel({ namespace: a.namespace });
    expect(after.routes.filter((route) => route.destination === '10.0.2.0/24')).toEqual([]);
    expect(after.rules.filter((rule) => rule.includes('cluster-node=node3'))).toEqual([]);
    expect(after.rules.filter((rule) => rule.includes('cluster-node=node2'))).toHaveLength(2);
    expect(await ping({ from: a.net.getNamespaceName(a.instance), to: c.instanceAddr })).toBe(false);
    expect(await ping({ from: a.net.getNamespaceName(a.instance), to: byIndex(1).instanceAddr })).toBe(true);
    await a.net.newNodeInCluster(c.request);
    expect(await snapshotKernel({ namespace: a.namespace })).toEqual(before);
  });

  it('updates a node whose external address changed in place', async () => {
    const a = byIndex(0);
    const c = byIndex(2);
    const moved = { ...c.request, nodeIp: { ...c.request.nodeIp, externalIpAddr: '198.51.100.99' } };
    await a.net.newNodeInCluster(moved);
    const routes = (await snapshotKernel({ namespace: a.namespace })).routes.filter(
      (route) => route.destination === '10.0.2.0/24',
    );
    expect(routes).toEqual([expect.objectContaining({ gateway: '198.51.100.99' })]);
    await a.net.newNodeInCluster(c.request);
  });

  it('refuses an unreachable external address or an overlapping subnet, without a half-made route', async () => {
    const a = byIndex(0);
    const before = await snapshotKernel({ namespace: a.namespace });
    await expectNetcoreError(
      a.net.newNodeInCluster({
        nodeId: 'far',
        nodeIp: { clusterIpCidr: '10.0.9.1/24', externalIpAddr: '203.0.113.5' },
      }),
      {
        code: 'UNREACHABLE',
        field: 'nodeIp.externalIpAddr',
      },
    );
    await expectNetcoreError(
      a.net.newNodeInCluster({
        nodeId: 'twin',
        nodeIp: { clusterIpCidr: '10.0.0.129/25', externalIpAddr: '198.51.100.50' },
      }),
      {
        code: 'CONFLICT',
        field: 'nodeIp.clusterIpCidr',
      },
    );
    await expectNetcoreError(
      a.net.addOtherNodes([
        byIndex(1).request,
        { nodeId: 'x', nodeIp: { clusterIpCidr: 'nope', externalIpAddr: '198.51.100.50' } },
      ]),
      {
        code: 'INVALID_INPUT',
        field: '1.nodeIp.clusterIpCidr',
      },
    );
    expect(await snapshotKernel({ namespace: a.namespace })).toEqual(before);
  });
});
