import { afterAll, beforeAll, expect, it } from 'vitest';
import { ping, runIn, snapshotKernel } from '../testing/index.js';
import { describeWithNamespaces, useTestLab } from '../testing/test-lab.js';
import type { TDesiredNode } from './drift.js';

describeWithNamespaces('inspection, drift and orphan collection', () => {
  const lab = useTestLab({ nodeCount: 2 });
  const node1 = () => lab().nodes[0] ?? { name: '', namespace: '', externalIpAddr: '' };
  const node2 = () => lab().nodes[1] ?? { name: '', namespace: '', externalIpAddr: '' };
  const net = () => lab().netcoreFor('node1');
  const peer = () => ({
    nodeId: 'node2',
    nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: node2().externalIpAddr },
  });
  const desired = (): TDesiredNode => ({
    nodeId: 'node1',
    nodeIpCidr: '10.0.0.1/24',
    instances: [
      { instanceId: 'web-1', instanceIpCidr: '10.0.0.2/24', ports: [{ hostPort: 80, instancePort: 8080 }] },
      { instanceId: 'db-1', instanceIpCidr: '10.0.0.3/24', ports: [] },
    ],
    peers: [peer()],
  });
  const inspect = () => net().inspectNode({ nodeId: 'node1' });
  const drift = async () => net().diffNode({ desired: desired(), actual: await inspect() });
  /** Applies each drift item's fix, as the control plane's Fix button does. */
  const fixAll = async () => {
    for (const item of await drift())
      await (net()[item.fix.operation] as (input: unknown) => Promise<unknown>)(item.fix.input);
  };

  beforeAll(async () => {
    await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [peer()] });
    for (const instance of desired().instances ?? [])
      await net().setupInstance({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', ...instance });
  });
  afterAll(async () => {
    await net().cleanOrphans({ known: { nodeIds: [], instanceIds: [] }, dryRun: false });
    expect((await snapshotKernel({ namespace: node1().namespace })).rules).toEqual([]);
  });

  it('inspectNode reports the bridge, instances with their addresses and port mappings, peers and our rules', async () => {
    const snapshot = await inspect();
    expect(snapshot.bridge).toMatchObject({ addresses: ['10.0.0.1/24'], isUp: true });
    expect(snapshot.forwarding).toBe(true);
    expect(
      snapshot.instances.map(({ instanceId, instanceIpCidr, hasNamespace, portMappings }) => ({
        instanceId,
        instanceIpCidr,
        hasNamespace,
        ports: portMappings.length,
      })),
    ).toEqual([
      { instanceId: 'db-1', instanceIpCidr: '10.0.0.3/24', hasNamespace: true, ports: 0 },
      { instanceId: 'web-1', instanceIpCidr: '10.0.0.2/24', hasNamespace: true, ports: 1 },
    ]);
    expect(snapshot.peers).toEqual([
      {
        nodeId: 'node2',
        subnet: '10.0.1.0/24',
        gateway: node2().externalIpAddr,
        hasRoute: true,
        hasRules: true,
      },
    ]);
    expect(snapshot.rules.length).toBeGreaterThan(10);
  });

  it('a healthy node has no drift', async () => {
    expect(await drift()).toEqual([]);
  });

  it('a veth, a rule and a route deleted by hand are each reported, and each fix repairs it', async () => {
    const web = (await inspect()).instances.find((instance) => instance.instanceId === 'web-1');
    await runIn({
      namespace: node1().namespace,
      command: ['ip', 'link', 'del', web?.veth?.name ?? 'missing'],
    });
    await runIn({
      namespace: node1().namespace,
      command: ['iptables', '-t', 'nat', '-F', 'KUDO-POSTROUTING'],
    });
    await runIn({ namespace: node1().namespace, command: ['ip', 'route', 'del', '10.0.1.0/24'] });
    const items = await drift();
    expect(
      items.map(({ kind, resource, target, fix }) => ({ kind, resource, target, operation: fix.operation })),
    ).toEqual([
      { kind: 'missing', resource: 'node-rules', target: 'node node1', operation: 'setupIptables' },
      { kind: 'different', resource: 'instance', target: 'web-1', operation: 'setupInstance' },
      { kind: 'different', resource: 'peer', target: 'node2', operation: 'newNodeInCluster' },
    ]);
    await fixAll();
    expect(await drift()).toEqual([]);
    expect(await ping({ from: net().getNamespaceName('db-1'), to: '10.0.0.2' })).toBe(true);
  });

  it('changed port mappings and an unexpected instance are drift too', async () => {
    await net().setPortMappings({ instanceId: 'web-1', ports: [{ hostPort: 81, instancePort: 8080 }] });
    await net().setupInstance({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'stray-1',
      instanceIpCidr: '10.0.0.99/24',
    });
    expect(
      (await drift()).map(({ resource, target, fix }) => `${resource} ${target} ${fix.operation}`),
    ).toEqual(['port-mappings web-1 setPortMappings', 'instance stray-1 cleanInstance']);
    await fixAll();
    expect(await drift()).toEqual([]);
  });

  it('after a crash (resources made, records lost), orphans are listed in a dry run and removed for real, nothing else', async () => {
    await net().setupInstance({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'ghost-1',
      instanceIpCidr: '10.0.0.77/24',
      ports: [{ hostPort: 9999, instancePort: 80 }],
    });
    await runIn({
      namespace: node1().namespace,
      command: ['ip', 'link', 'add', 'foreign0', 'type', 'bridge'],
    });
    await runIn({
      namespace: node1().namespace,
      command: ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '203.0.113.0/24', '-j', 'RETURN'],
    });
    const known = { nodeIds: ['node1'], instanceIds: ['web-1', 'db-1'], peerNodeIds: ['node2'] };
    const before = await snapshotKernel({ namespace: node1().namespace });
    const plan = await net().cleanOrphans({ known, dryRun: true });
    expect(plan.orphans.map(({ resource }) => resource).sort()).toEqual([
      'namespace',
      'port-mapping',
      'veth',
    ]);
    expect(await snapshotKernel({ namespace: node1().namespace })).toEqual(before);
    await net().cleanOrphans({ known, dryRun: false });
    expect(await net().findOrphans({ known })).toEqual([]);
    const after = await snapshotKernel({ namespace: node1().namespace });
    expect(after.links.some((link) => link.name === 'foreign0')).toBe(true);
    expect(after.rules).toContain('nat -A POSTROUTING -s 203.0.113.0/24 -j RETURN');
    expect(after.namespaces.some((name) => name.includes('ghost'))).toBe(false);
    expect(await drift()).toEqual([]);
    await runIn({ namespace: node1().namespace, command: ['ip', 'link', 'del', 'foreign0'] });
    await runIn({
      namespace: node1().namespace,
      command: ['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-s', '203.0.113.0/24', '-j', 'RETURN'],
    });
  });
});
