import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getBridgeName } from '@kudo/netcore';
import { listNamespaces } from '@kudo/netcore/lab';
import { ping, request, runIn, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import { findDatabaseProblems, findKernelProblems, readNodeKernel } from '../testing/cluster-audit.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

const run = promisify(execFile);

/**
 * What a reboot leaves of a node, made by hand in its lab namespace: no iptables rules or chains, no
 * instance namespaces (and so no veths), no bridge, no routes of ours, forwarding off, and a new boot id.
 * The control plane's health check must see the new boot id, re-apply the node from its database, and
 * traffic must flow again exactly as before.
 */
describeWithNamespaces('node reboot', () => {
  const cluster = useTestCluster({ nodeCount: 2, addedNodes: ['node1', 'node2'] });
  const lab = () => cluster().lab;
  let plane: TestControlPlane;
  const instanceCount = 5;

  const namespaceOf = async (instanceId: string) =>
    (await plane.viewer.instance.get({ instanceId })).namespaceName ?? '';

  /** Every node2 instance from node1's `client` instance, and node2's mappings from outside. */
  const probeTraffic = async () => {
    const client = await namespaceOf('client');
    const instances = await plane.viewer.instance.list({ nodeId: 'node2' });
    const servers = await Promise.all(
      instances.map(async ({ id, namespaceName }) =>
        startServer({ namespace: namespaceName ?? '', port: 8080, name: id }),
      ),
    );
    try {
      const { outside } = lab();
      const node2 = cluster().agent('node2').externalIpAddr;
      return await Promise.all(
        instances.map(async ({ id, ipAddr, portMappings }) => ({
          id,
          isPinged: await ping({ from: client, to: ipAddr }),
          direct: await request({ from: client, host: ipAddr, port: 8080 }),
          mapped: await request({
            from: outside.namespace,
            host: node2,
            port: portMappings[0]?.hostPort ?? 0,
          }),
        })),
      );
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  };

  beforeAll(async () => {
    plane = cluster().plane;
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'client' });
    for (let index = 0; index < instanceCount; index += 1)
      await plane.admin.instance.create({
        nodeId: 'node2',
        instanceId: `app-${index}`,
        ports: [{ hostPort: 20_000 + index, instancePort: 8080, protocol: 'tcp' }],
      });
  });

  it('re-applies a rebooted node from the database; traffic flows again and nothing is missing', {
    timeout: 120_000,
  }, async () => {
    const { outside } = lab();
    const working = (await probeTraffic()).map(({ id }) => ({
      id,
      isPinged: true,
      direct: `hello from ${id} to 10.0.0.2`,
      mapped: `hello from ${id} to ${outside.ipAddr}`,
    }));
    expect(await probeTraffic()).toEqual(working);
    const node2 = cluster().agent('node2');
    const before = await readNodeKernel({ namespace: node2.namespace });

    for (const table of ['filter', 'nat', 'mangle', 'raw'])
      for (const flag of ['-F', '-X'])
        await runIn({ namespace: node2.namespace, command: ['iptables', '-t', table, flag] });
    for (const name of before.instanceNamespaces) await run('ip', ['netns', 'del', name]);
    await runIn({ namespace: node2.namespace, command: ['ip', 'link', 'del', getBridgeName('node2')] });
    await runIn({ namespace: node2.namespace, command: ['ip', 'route', 'flush', 'proto', '152'] });
    await runIn({ namespace: node2.namespace, command: ['sysctl', '-qw', 'net.ipv4.ip_forward=0'] });
    expect(await readNodeKernel({ namespace: node2.namespace })).toEqual({
      instanceNamespaces: [],
      veths: [],
      bridges: [],
      rules: [],
      routes: [],
    });
    expect((await listNamespaces()).filter((name) => name.startsWith(`${node2.namespace}-i-`))).toEqual([]);
    const client = await namespaceOf('client');
    const instances = await plane.viewer.instance.list({ nodeId: 'node2' });
    expect(await Promise.all(instances.map(({ ipAddr }) => ping({ from: client, to: ipAddr })))).toEqual(
      Array(instanceCount).fill(false),
    );

    await cluster().reboot({ name: 'node2', bootId: 'boot-2' });
    expect(await plane.admin.node.check({ nodeId: 'node2' })).toEqual({ status: 'ready', reason: null });

    expect(await probeTraffic()).toEqual(working);
    const after = await readNodeKernel({ namespace: node2.namespace });
    expect({ ...after, rules: [...after.rules].sort() }).toEqual({
      ...before,
      rules: [...before.rules].sort(),
    });
    expect(
      await findKernelProblems({ db: plane.deps.db, nodeId: 'node2', namespace: node2.namespace }),
    ).toEqual([]);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);
    expect((await plane.viewer.inspection.inspect({ nodeId: 'node2' })).items).toEqual([]);
    const { entries } = await plane.viewer.event.list({ targetType: 'node', targetId: 'node2', limit: 10 });
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: 'system',
        action: 'node.reapply',
        result: 'ok',
        details: expect.objectContaining({ previousBootId: 'boot-1', bootId: 'boot-2' }),
      }),
    );
    const reapplied = await plane.viewer.instance.list({ nodeId: 'node2' });
    expect(reapplied.map(({ status }) => status)).toEqual(Array(instanceCount).fill('running'));
  });

  it("after the re-apply, an instance still cannot reach the agent's port on its node", async () => {
    const node2 = cluster().agent('node2');
    // A stand-in listening on the agent's port in the node's namespace (the agent itself is on loopback).
    const port = Number(new URL(node2.url).port);
    const server = await startServer({ namespace: node2.namespace, port, name: 'agent-port' });
    try {
      const { outside } = lab();
      expect(await request({ from: outside.namespace, host: node2.externalIpAddr, port })).toBe(
        `hello from agent-port to ${outside.ipAddr}`,
      );
      const instance = await namespaceOf('app-0');
      expect(await request({ from: instance, host: '10.0.1.1', port })).toBeUndefined();
      expect(await request({ from: instance, host: node2.externalIpAddr, port })).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
