import { beforeEach, expect, it } from 'vitest';
import { createExecaRunner } from '../kernel/runner.js';
import { createNetcore } from '../netcore.js';
import { getHostCache } from '../node/host-cache.js';
import { createFaultyRunner, runIn, snapshotKernel } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';
import { readNodeConfig } from './read-node.js';

const nodeId = 'node1';
const nodeIpCidr = '10.0.0.1/24';

describeWithNamespaces('node setup and cleanup (one node namespace)', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');
  const snapshot = () => snapshotKernel({ namespace: namespace() });

  beforeEach(async () => {
    await net().cleanNode({ nodeId });
  });

  it('creates the bridge with the node address, forwarding, our chains and hooks', async () => {
    const { interfaceName } = await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    const state = await snapshot();
    const bridge = state.links.find((link) => link.name === interfaceName);
    expect(interfaceName).toMatch(/^kudob[0-9a-f]{10}$/);
    expect(bridge).toMatchObject({ kind: 'bridge', isUp: true, addresses: [nodeIpCidr] });
    expect(state.forwarding).toBe('1');
    expect(state.chains.filter).toEqual(expect.arrayContaining(['KUDO-FORWARD', 'KUDO-CLUSTER-FORWARD']));
    expect(state.chains.nat).toEqual(
      expect.arrayContaining(['KUDO-POSTROUTING', 'KUDO-HOSTPORTS', 'KUDO-CLUSTER-NAT']),
    );
    const hooks = state.rules.filter((rule) => rule.includes('kudo:hook'));
    expect(hooks.map((rule) => rule.split(' ').slice(0, 3).join(' ')).sort()).toEqual([
      'filter -A FORWARD',
      'filter -A INPUT',
      'nat -A OUTPUT',
      'nat -A POSTROUTING',
      'nat -A PREROUTING',
    ]);
    expect(state.rules).toContain(
      `nat -A KUDO-POSTROUTING -s 10.0.0.0/24 -o eth0 -m comment --comment "kudo:node outbound nat" -j MASQUERADE`,
    );
  });

  it('knows the node afterwards as a read of its bridge gives it (the first instance reads nothing)', async () => {
    await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', protectedPorts: [7070] });
    const host = { namespace: namespace(), namespacePrefix: '', runner: createExecaRunner() };
    const known = getHostCache(host).nodes.get('node1');
    const { config, links } = await readNodeConfig({ host, nodeId: 'node1' });
    expect(known).toEqual({
      config,
      uplinkMtu: links.find((link) => link.name === config.uplinkInterface)?.mtu,
    });
    await net().cleanNode({ nodeId: 'node1' });
  });

  it('is idempotent: running setupNode and setupIptables twice leaves the state of once', async () => {
    await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    const once = await snapshot();
    await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    await net().setupIptables({ nodeId });
    await net().setupIptables({ nodeId });
    expect(await snapshot()).toEqual(once);
  });

  it('setupIptables re-creates every rule after the tables were flushed', async () => {
    await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    const healthy = await snapshot();
    for (const table of ['filter', 'nat']) {
      await runIn({ namespace: namespace(), command: ['iptables', '-t', table, '-F'] });
      await runIn({ namespace: namespace(), command: ['iptables', '-t', table, '-X'] });
    }
    expect((await snapshot()).rules).toEqual([]);
    await net().setupIptables({ nodeId });
    expect(await snapshot()).toEqual(healthy);
  });

  it('cleanNode restores the state found before setupNode and keeps rules that are not ours', async () => {
    await runIn({ namespace: namespace(), command: ['iptables', '-N', 'SOMEONE-ELSE'] });
    await runIn({
      namespace: namespace(),
      command: ['iptables', '-A', 'FORWARD', '-s', '203.0.113.7', '-j', 'DROP'],
    });
    await runIn({
      namespace: namespace(),
      command: ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth0', '-j', 'RETURN'],
    });
    const before = await snapshot();
    await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    await net().cleanNode({ nodeId });
    expect(await snapshot()).toEqual(before);
    await net().cleanNode({ nodeId });
    expect(await snapshot()).toEqual(before);
    await runIn({
      namespace: namespace(),
      command: ['iptables', '-D', 'FORWARD', '-s', '203.0.113.7', '-j', 'DROP'],
    });
    await runIn({
      namespace: namespace(),
      command: ['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-o', 'eth0', '-j', 'RETURN'],
    });
    await runIn({ namespace: namespace(), command: ['iptables', '-X', 'SOMEONE-ELSE'] });
  });

  it.each([
    [{ nodeId: '', nodeIpCidr }, 'INVALID_INPUT', 'nodeId'],
    [{ nodeId: '-rf', nodeIpCidr }, 'INVALID_INPUT', 'nodeId'],
    [{ nodeId: 'x'.repeat(64), nodeIpCidr }, 'INVALID_INPUT', 'nodeId'],
    [{ nodeId: 'a b', nodeIpCidr }, 'INVALID_INPUT', 'nodeId'],
    [{ nodeId, nodeIpCidr: '10.0.0.1' }, 'INVALID_INPUT', 'nodeIpCidr'],
    [{ nodeId, nodeIpCidr: '10.0.0.300/24' }, 'INVALID_INPUT', 'nodeIpCidr'],
    [{ nodeId, nodeIpCidr: '10.0.0.0/24' }, 'INVALID_INPUT', 'nodeIpCidr'],
    [{ nodeId, nodeIpCidr: '10.0.0.255/24' }, 'INVALID_INPUT', 'nodeIpCidr'],
    [{ nodeId, nodeIpCidr: '198.51.100.50/24' }, 'CONFLICT', 'nodeIpCidr'],
    [{ nodeId, nodeIpCidr, uplinkInterface: 'nosuch0' }, 'NOT_FOUND', 'uplinkInterface'],
    [{ nodeId, nodeIpCidr, isolation: 'total' }, 'INVALID_INPUT', 'isolation'],
  ] as const)('refuses %j with %s on %s and changes nothing', async (request, code, field) => {
    const before = await snapshot();
    await expectNetcoreError(net().setupNode(request as never), { code, field });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a second node in the same namespace, and a changed address, without changes', async () => {
    await net().setupNode({ nodeId, nodeIpCidr, nodesIps: [] });
    const before = await snapshot();
    await expectNetcoreError(net().setupNode({ nodeId: 'other', nodeIpCidr: '10.9.0.1/24' }), {
      code: 'CONFLICT',
      field: 'nodeId',
    });
    await expectNetcoreError(net().setupNode({ nodeId, nodeIpCidr: '10.0.0.9/24' }), {
      code: 'CONFLICT',
      field: 'nodeIpCidr',
    });
    expect(await snapshot()).toEqual(before);
  });

  it.each(['link', 'sysctl', 'iptables-restore'])(
    'rolls back everything when the %s step fails',
    async (step) => {
      const before = await snapshot();
      const faulty = createFaultyRunner({
        shouldFail: ({ file, args }) =>
          file === 'ip'
            ? args.includes('-batch') && step === 'link'
            : args.includes(step === 'sysctl' ? '-w' : '--noflush'),
      });
      const faultyNet = createNetcore({ hostNamespace: namespace(), runner: faulty.runner });
      await expectNetcoreError(faultyNet.setupNode({ nodeId, nodeIpCidr, nodesIps: [] }), {
        code: 'COMMAND_FAILED',
      });
      expect(faulty.hasFailed()).toBe(true);
      expect(await snapshot()).toEqual(before);
    },
  );
});
