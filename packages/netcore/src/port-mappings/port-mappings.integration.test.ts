import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetcore } from '../netcore.js';
import type { TPortMappingBackend } from '../schemas.js';
import { createFaultyRunner, request, runIn, snapshotKernel, startServer } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';
import { getHostPortBucketChain } from './host-port-chains.js';
import { parseNftMapJson } from './nft-rules.js';

const nodeId = 'node1';
const node = { nodeId, nodeIpAddr: '10.0.0.1' };
const web = {
  ...node,
  instanceId: 'web-1',
  instanceIpCidr: '10.0.0.2/24',
  ports: [{ hostPort: 80, instancePort: 8080 }],
};
const client = { ...node, instanceId: 'client-1', instanceIpCidr: '10.0.0.3/24', ports: [] };

/** Our nftables tables as the kernel lists them (iptables-nft's own are left out). */
const listNftTables = async (namespace: string) =>
  JSON.parse(await runIn({ namespace, command: ['nft', '-j', 'list', 'tables'] })).nftables.flatMap(
    (item: { table?: { family: string; name: string } }) =>
      item.table?.name === 'kudo' ? [`${item.table.family} ${item.table.name}`] : [],
  ) as string[];

/** The node's port mappings as the kernel holds them, whichever the backend: `instance proto/port>addr:port`. */
const readKernelMappings = async ({
  namespace,
  backend,
}: {
  namespace: string;
  backend: TPortMappingBackend;
}) => {
  if (backend === 'nftables') {
    const stdout = await runIn({
      namespace,
      command: ['nft', '-j', 'list', 'map', 'ip', 'kudo', 'hostports'],
    });
    return parseNftMapJson(stdout)
      .map((m) => `${m.instanceId} ${m.protocol}/${m.hostPort}>${m.instanceAddr}:${m.instancePort}`)
      .sort();
  }
  return (await snapshotKernel({ namespace })).rules
    .filter((rule) => rule.includes('KUDO-HOSTPORTS') && rule.includes('kudo:instance='))
    .map((rule) => {
      const [, protocol, port] = rule.match(/-p (\w+) .*--dport (\d+)/) ?? [];
      const [, id] = rule.match(/kudo:instance=([^"\s]+)/) ?? [];
      const [, target] = rule.match(/--to-destination (\S+)/) ?? [];
      return `${id} ${protocol}/${port}>${target}`;
    })
    .sort();
};

describe.each(['iptables', 'nftables'] as const)('port mappings with the %s backend', (backend) => {
  describeWithNamespaces('traffic, convergence, conflicts and cleanup', () => {
    const lab = useTestLab({ nodeCount: 1 });
    const nodeNamespace = () => lab().nodes[0]?.namespace ?? '';
    const externalIp = () => lab().nodes[0]?.externalIpAddr ?? '';
    const net = () => lab().netcoreFor('node1');
    const mappings = () => readKernelMappings({ namespace: nodeNamespace(), backend });
    let stopServer: () => Promise<void> = async () => {};

    beforeAll(async () => {
      await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', portMappingBackend: backend });
      await net().setupInstance(web);
      await net().setupInstance(client);
      stopServer = (
        await startServer({ namespace: net().getNamespaceName('web-1'), port: 8080, name: 'web-1' })
      ).stop;
    });
    afterAll(async () => {
      await stopServer();
      await net().cleanInstance({ instanceId: web.instanceId });
      await net().cleanInstance({ instanceId: client.instanceId });
      await net().cleanNode({ nodeId });
    });

    it('keeps the mapping where the backend says (nftables: our map; iptables: no table of ours)', async () => {
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
      const tables = await listNftTables(nodeNamespace());
      expect(tables.includes('ip kudo')).toBe(backend === 'nftables');
    });

    it('is reachable from another host, which the instance sees by its real address', async () => {
      const answer = await request({ from: lab().outside.namespace, host: externalIp(), port: 80 });
      expect(answer).toBe(`hello from web-1 to ${lab().outside.ipAddr}`);
    });

    it('is reachable from the node itself on 127.0.0.1 and on its uplink address', async () => {
      expect(await request({ from: nodeNamespace(), host: '127.0.0.1', port: 80 })).toMatch(
        /^hello from web-1 to /,
      );
      expect(await request({ from: nodeNamespace(), host: externalIp(), port: 80 })).toMatch(
        /^hello from web-1 to /,
      );
    });

    it('is reachable from another instance through the uplink and the bridge address (hairpin)', async () => {
      const from = net().getNamespaceName('client-1');
      expect(await request({ from, host: externalIp(), port: 80 })).toMatch(/^hello from web-1 to /);
      expect(await request({ from, host: '10.0.0.1', port: 80 })).toMatch(/^hello from web-1 to /);
    });

    it('refuses a host port another instance maps, naming the field, and changes nothing', async () => {
      const before = await mappings();
      await expectNetcoreError(
        net().setPortMappings({
          instanceId: 'client-1',
          ports: [
            { hostPort: 9000, instancePort: 9000 },
            { hostPort: 80, instancePort: 80 },
          ],
        }),
        { code: 'CONFLICT', field: 'ports.1.hostPort' },
      );
      expect(await mappings()).toEqual(before);
    });

    it('setPortMappings converges in one step, and a UDP mapping carries traffic', async () => {
      const temp = {
        ...node,
        instanceId: 'ports-1',
        instanceIpCidr: '10.0.0.50/24',
        ports: [{ hostPort: 7100, instancePort: 7100 }],
      };
      await net().setupInstance(temp);
      const udp = await startServer({
        namespace: net().getNamespaceName('ports-1'),
        port: 5353,
        name: 'ports-1',
        protocol: 'udp',
      });
      try {
        const ports = [
          { hostPort: 7200, instancePort: 7100 },
          { hostPort: 5300, instancePort: 5353, protocol: 'udp' as const },
        ];
        expect(await net().setPortMappings({ instanceId: 'ports-1', ports })).toEqual({
          added: 2,
          removed: 1,
        });
        expect((await mappings()).filter((line) => line.startsWith('ports-1 '))).toEqual([
          'ports-1 tcp/7200>10.0.0.50:7100',
          'ports-1 udp/5300>10.0.0.50:5353',
        ]);
        expect(
          await request({ from: lab().outside.namespace, host: externalIp(), port: 5300, protocol: 'udp' }),
        ).toBe(`hello from ports-1 to ${lab().outside.ipAddr}`);
        expect(await net().setPortMappings({ instanceId: 'ports-1', ports })).toEqual({
          added: 0,
          removed: 0,
        });
      } finally {
        await udp.stop();
        await net().cleanInstance({ instanceId: 'ports-1' });
      }
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
    });

    it('a mapping deleted by hand is found by inspectNode and diffNode, and its fix repairs it', async () => {
      const command =
        backend === 'nftables'
          ? ['nft', 'delete', 'element', 'ip', 'kudo', 'hostports', '{ tcp . 80 }']
          : [
              'iptables',
              '-t',
              'nat',
              '-D',
              getHostPortBucketChain('web-1'),
              '-p',
              'tcp',
              '-m',
              'tcp',
              '--dport',
              '80',
              '-m',
              'comment',
              '--comment',
              'kudo:instance=web-1',
              '-j',
              'DNAT',
              '--to-destination',
              '10.0.0.2:8080',
            ];
      await runIn({ namespace: nodeNamespace(), command });
      expect(await mappings()).toEqual([]);
      const desired = { nodeId, nodeIpCidr: '10.0.0.1/24', protectedPorts: [], instances: [web, client] };
      const actual = await net().inspectNode({ nodeId });
      expect(actual.instances.find((each) => each.instanceId === 'web-1')?.portMappings).toEqual([]);
      const drift = net().diffNode({ desired, actual });
      expect(drift.map((item) => `${item.resource} ${item.target} ${item.fix.operation}`)).toEqual([
        'port-mappings web-1 setPortMappings',
      ]);
      const [item] = drift;
      if (item?.fix.operation === 'setPortMappings')
        await net().setPortMappings(item.fix.input as { instanceId: string; ports: typeof web.ports });
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
      expect(net().diffNode({ desired, actual: await net().inspectNode({ nodeId }) })).toEqual([]);
      expect(await request({ from: lab().outside.namespace, host: externalIp(), port: 80 })).toMatch(
        /^hello from web-1 to /,
      );
    });

    // iptables only (not a skip: the nftables backend has no chain of its own to flush; its rules are the node's).
    if (backend === 'iptables')
      it('a mapping cut off from its packets (KUDO-HOSTPORTS flushed by hand) is drift of its instance, repaired by setupInstance and by the drift fix', async () => {
        const desired = { nodeId, nodeIpCidr: '10.0.0.1/24', protectedPorts: [], instances: [web, client] };
        const flushAndDiff = async () => {
          await runIn({
            namespace: nodeNamespace(),
            command: ['iptables', '-t', 'nat', '-F', 'KUDO-HOSTPORTS'],
          });
          const actual = await net().inspectNode({ nodeId });
          expect(actual.instances.find((each) => each.instanceId === 'web-1')?.portMappings).toEqual([]);
          return net().diffNode({ desired, actual });
        };
        const drift = await flushAndDiff();
        expect(drift.map((item) => `${item.resource} ${item.target} ${item.detail}`)).toEqual([
          'port-mappings web-1 port mappings are none, expected tcp/80→8080',
        ]);
        await net().setupInstance(web);
        expect(net().diffNode({ desired, actual: await net().inspectNode({ nodeId }) })).toEqual([]);
        expect(await request({ from: lab().outside.namespace, host: externalIp(), port: 80 })).toMatch(
          /^hello from web-1 to /,
        );
        const [item] = await flushAndDiff();
        expect(item?.fix.operation).toBe('setPortMappings');
        await net().setPortMappings(item?.fix.input as { instanceId: string; ports: typeof web.ports });
        expect(net().diffNode({ desired, actual: await net().inspectNode({ nodeId }) })).toEqual([]);
        expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
        expect(await request({ from: lab().outside.namespace, host: externalIp(), port: 80 })).toMatch(
          /^hello from web-1 to /,
        );
      });

    it('a mapping whose instance is gone is an orphan, and cleanOrphans removes only it', async () => {
      const command =
        backend === 'nftables'
          ? [
              'nft',
              'add',
              'element',
              'ip',
              'kudo',
              'hostports',
              '{ tcp . 9999 comment "kudo:instance=ghost-1" : 10.0.0.99 . 80 }',
            ]
          : [
              'iptables',
              '-t',
              'nat',
              '-A',
              'KUDO-HOSTPORTS',
              '-p',
              'tcp',
              '-m',
              'tcp',
              '--dport',
              '9999',
              '-m',
              'comment',
              '--comment',
              'kudo:instance=ghost-1',
              '-j',
              'DNAT',
              '--to-destination',
              '10.0.0.99:80',
            ];
      await runIn({ namespace: nodeNamespace(), command });
      const known = { nodeIds: [nodeId], instanceIds: ['web-1', 'client-1'] };
      expect(
        (await net().findOrphans({ known })).map((orphan) => `${orphan.resource} ${orphan.name}`),
      ).toEqual(['port-mapping tcp/9999']);
      await net().cleanOrphans({ known, dryRun: false });
      expect(await net().findOrphans({ known })).toEqual([]);
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
    });

    it('setupInstances and cleanInstance calls fired together keep the map exact (bulk and group commit paths)', async () => {
      const many = [0, 1, 2].map((index) => ({
        instanceId: `bulk-${index}`,
        instanceIpCidr: `10.0.0.${60 + index}/24`,
        ports: [{ hostPort: 7500 + index, instancePort: 8080, protocol: 'tcp' as const }],
      }));
      await net().setupInstances({ ...node, instances: many });
      expect((await mappings()).filter((line) => line.startsWith('bulk-'))).toEqual([
        'bulk-0 tcp/7500>10.0.0.60:8080',
        'bulk-1 tcp/7501>10.0.0.61:8080',
        'bulk-2 tcp/7502>10.0.0.62:8080',
      ]);
      const server = await startServer({
        namespace: net().getNamespaceName('bulk-2'),
        port: 8080,
        name: 'bulk-2',
      });
      try {
        expect(await request({ from: lab().outside.namespace, host: externalIp(), port: 7502 })).toBe(
          `hello from bulk-2 to ${lab().outside.ipAddr}`,
        );
      } finally {
        await server.stop();
      }
      await Promise.all(many.map(({ instanceId }) => net().cleanInstance({ instanceId })));
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
    });

    it('a failure after the mapping was written rolls the mapping back', async () => {
      const faulty = createNetcore({
        hostNamespace: nodeNamespace(),
        runner: createFaultyRunner({
          shouldFail: ({ file, args }) => file === 'nsenter' && args.includes('conntrack'),
        }).runner,
      });
      await expectNetcoreError(
        faulty.setPortMappings({
          instanceId: 'client-1',
          ports: [{ hostPort: 5400, instancePort: 53, protocol: 'udp' }],
        }),
        { code: 'COMMAND_FAILED' },
      );
      expect(await mappings()).toEqual(['web-1 tcp/80>10.0.0.2:8080']);
    });
  });
});

describeWithNamespaces('the nftables backend across node setup and cleanup', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const nodeNamespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');

  it('setupNode remembers the backend on the bridge, setupIptables restores the table, cleanNode removes it', async () => {
    const before = await snapshotKernel({ namespace: nodeNamespace() });
    await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', portMappingBackend: 'nftables' });
    await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', portMappingBackend: 'nftables' });
    await net().setupInstance(web);
    await runIn({ namespace: nodeNamespace(), command: ['nft', 'delete', 'table', 'ip', 'kudo'] });
    const desired = { nodeId, nodeIpCidr: '10.0.0.1/24', protectedPorts: [], instances: [web] };
    const drift = net().diffNode({ desired, actual: await net().inspectNode({ nodeId }) });
    expect(drift.map((item) => `${item.resource} ${item.fix.operation} ${item.detail}`)).toEqual([
      'node-rules setupIptables nftables table ip kudo (the port mappings) is missing',
      'port-mappings setPortMappings port mappings are none, expected tcp/80→8080',
    ]);
    await net().setupIptables({ nodeId });
    expect(await listNftTables(nodeNamespace())).toEqual(['ip kudo']);
    await net().setPortMappings({ instanceId: 'web-1', ports: web.ports });
    expect(await readKernelMappings({ namespace: nodeNamespace(), backend: 'nftables' })).toEqual([
      'web-1 tcp/80>10.0.0.2:8080',
    ]);
    await net().cleanInstance({ instanceId: 'web-1' });
    await net().cleanNode({ nodeId });
    expect(await listNftTables(nodeNamespace())).toEqual([]);
    expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
  });

  it('refuses an unknown backend, naming the field, and changes nothing', async () => {
    const before = await snapshotKernel({ namespace: nodeNamespace() });
    await expectNetcoreError(
      net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', portMappingBackend: 'ebpf' as 'nftables' }),
      { code: 'INVALID_INPUT', field: 'portMappingBackend' },
    );
    expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
    expect(await listNftTables(nodeNamespace())).toEqual([]);
  });
});
