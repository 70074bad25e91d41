import { readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExecaRunner } from '../kernel/runner.js';
import { createNetcore } from '../netcore.js';
import { getHostPortBucketChain } from '../port-mappings/host-port-chains.js';
import { listChildProcesses } from '../testing/child-processes.js';
import { createFaultyRunner, ping, request, runIn, snapshotKernel, startServer } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';

const nodeId = 'node1';

/** Processes of ours (this process's children) that hold a network namespace, by fd or by living in it. */
const listNamespaceHolders = ({ inode }: { inode: number }) => {
  const holds = (path: string) => {
    try {
      return statSync(path).ino === inode;
    } catch {
      return false;
    }
  };
  const listFds = (pid: string) => {
    try {
      return readdirSync(`/proc/${pid}/fd`);
    } catch {
      return [];
    }
  };
  return listChildProcesses().filter(
    ({ pid }) => holds(`/proc/${pid}/ns/net`) || listFds(pid).some((fd) => holds(`/proc/${pid}/fd/${fd}`)),
  );
};
const node = { nodeId, nodeIpAddr: '10.0.0.1' };
const web = {
  ...node,
  instanceId: 'web-1',
  instanceIpCidr: '10.0.0.2/24',
  ports: [{ hostPort: 80, instancePort: 8080 }],
};
const client = { ...node, instanceId: 'client-1', instanceIpCidr: '10.0.0.3/24', ports: [] };

describeWithNamespaces('instances on one node: traffic, port mappings, idempotency, cleanup', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const nodeNamespace = () => lab().nodes[0]?.namespace ?? '';
  const externalIp = () => lab().nodes[0]?.externalIpAddr ?? '';
  const net = () => lab().netcoreFor('node1');
  const snapshot = () => snapshotKernel({ namespace: nodeNamespace() });

  beforeAll(async () => {
    await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', nodesIps: [], protectedPorts: [7070] });
  });
  afterAll(async () => {
    await net().cleanInstance({ instanceId: web.instanceId });
    await net().cleanInstance({ instanceId: client.instanceId });
    await net().cleanNode({ nodeId });
  });

  describe('with two instances and a port mapping', () => {
    let stopServer: () => Promise<void> = async () => {};
    beforeAll(async () => {
      await net().setupInstance(web);
      await net().setupInstance(client);
      stopServer = (
        await startServer({ namespace: net().getNamespaceName('web-1'), port: 8080, name: 'web-1' })
      ).stop;
    });
    afterAll(async () => stopServer());

    it('gives the instance eth0 with its address, a default route via the node, and the uplink MTU', async () => {
      const namespace = net().getNamespaceName('web-1');
      const links = JSON.parse(
        await runIn({ namespace, command: ['ip', '-j', 'addr', 'show', 'dev', 'eth0'] }),
      );
      expect(links[0]).toMatchObject({ ifname: 'eth0', mtu: 1500, operstate: 'UP' });
      expect(links[0].addr_info[0]).toMatchObject({ local: '10.0.0.2', prefixlen: 24 });
      const routes = JSON.parse(
        await runIn({ namespace, command: ['ip', '-j', 'route', 'show', 'default'] }),
      );
      expect(routes[0]).toMatchObject({ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' });
    });

    it('lets instances on the node ping each other and the node', async () => {
      expect(await ping({ from: net().getNamespaceName('client-1'), to: '10.0.0.2' })).toBe(true);
      expect(await ping({ from: net().getNamespaceName('web-1'), to: '10.0.0.3' })).toBe(true);
      expect(await ping({ from: net().getNamespaceName('web-1'), to: '10.0.0.1' })).toBe(true);
    });

    it('reaches the outside through NAT with the node address as source', async () => {
      const server = await startServer({ namespace: lab().outside.namespace, port: 9000, name: 'outside' });
      try {
        const answer = await request({
          from: net().getNamespaceName('client-1'),
          host: lab().outside.ipAddr,
          port: 9000,
        });
        expect(answer).toBe(`hello from outside to ${externalIp()}`);
      } finally {
        await server.stop();
      }
    });

    it('port mapping is reachable from another host on the uplink, which the instance sees by its real address', async () => {
      const answer = await request({ from: lab().outside.namespace, host: externalIp(), port: 80 });
      expect(answer).toBe(`hello from web-1 to ${lab().outside.ipAddr}`);
    });

    it('port mapping is reachable from the node itself on 127.0.0.1 and on its uplink address', async () => {
      expect(await request({ from: nodeNamespace(), host: '127.0.0.1', port: 80 })).toMatch(
        /^hello from web-1 to /,
      );
      expect(await request({ from: nodeNamespace(), host: externalIp(), port: 80 })).toMatch(
        /^hello from web-1 to /,
      );
    });

    it('port mapping is reachable from another instance through the uplink and the bridge address (hairpin)', async () => {
      const from = net().getNamespaceName('client-1');
      expect(await request({ from, host: externalIp(), port: 80 })).toMatch(/^hello from web-1 to /);
      expect(await request({ from, host: '10.0.0.1', port: 80 })).toMatch(/^hello from web-1 to /);
    });

    it('does not let the outside reach an instance directly, only through its port mappings', async () => {
      await runIn({
        namespace: lab().outside.namespace,
        command: ['ip', 'route', 'replace', '10.0.0.0/24', 'via', externalIp()],
      });
      try {
        expect(
          await request({ from: lab().outside.namespace, host: '10.0.0.2', port: 8080 }),
        ).toBeUndefined();
      } finally {
        await runIn({ namespace: lab().outside.namespace, command: ['ip', 'route', 'del', '10.0.0.0/24'] });
      }
    });

    it("cannot reach a protected port of the node (the agent's) through the bridge, while the outside can", async () => {
      const agent = await startServer({ namespace: nodeNamespace(), port: 7070, name: 'agent' });
      const other = await startServer({ namespace: nodeNamespace(), port: 7071, name: 'other' });
      try {
        const from = net().getNamespaceName('client-1');
        expect(await request({ from, host: '10.0.0.1', port: 7070 })).toBeUndefined();
        expect(await request({ from, host: externalIp(), port: 7070 })).toBeUndefined();
        expect(await request({ from, host: '10.0.0.1', port: 7071 })).toBe('hello from other to 10.0.0.3');
        expect(await request({ from: lab().outside.namespace, host: externalIp(), port: 7070 })).toMatch(
          /^hello from agent/,
        );
      } finally {
        await agent.stop();
        await other.stop();
      }
    });

    it('is idempotent: setupInstance twice leaves the state of once', async () => {
      const once = await snapshot();
      await net().setupInstance(web);
      await net().setupInstance(client);
      expect(await snapshot()).toEqual(once);
    });

    it('refuses a host port already mapped on the node, naming the field, and changes nothing', async () => {
      const before = await snapshot();
      const other = {
        ...node,
        instanceId: 'other',
        instanceIpCidr: '10.0.0.9/24',
        ports: [{ hostPort: 80, instancePort: 80 }],
      };
      const error = await expectNetcoreError(net().setupInstance(other), {
        code: 'CONFLICT',
        field: 'ports.0.hostPort',
      });
      expect(error.reason).toContain("'web-1'");
      expect(await snapshot()).toEqual(before);
    });
  });

  it.each([
    [{ instanceId: '' }, 'INVALID_INPUT', 'instanceId'],
    [{ instanceId: '--help' }, 'INVALID_INPUT', 'instanceId'],
    [{ instanceId: 'a;rm -rf' }, 'INVALID_INPUT', 'instanceId'],
    [{ instanceIpCidr: '10.0.1.2/24' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ instanceIpCidr: '10.0.0.1/24' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ instanceIpCidr: '10.0.0.0/24' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ instanceIpCidr: '10.0.0.255/24' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ instanceIpCidr: '10.0.0.5/25' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ instanceIpCidr: 'banana' }, 'INVALID_INPUT', 'instanceIpCidr'],
    [{ nodeIpAddr: '10.0.0.4' }, 'INVALID_INPUT', 'nodeIpAddr'],
    [{ nodeId: 'unknown-node' }, 'NOT_FOUND', 'nodeId'],
    [{ ports: [{ hostPort: 0, instancePort: 80 }] }, 'INVALID_INPUT', 'ports.0.hostPort'],
    [{ ports: [{ hostPort: 80, instancePort: 65536 }] }, 'INVALID_INPUT', 'ports.0.instancePort'],
    [{ ports: [{ hostPort: 80, instancePort: 80, protocol: 'icmp' }] }, 'INVALID_INPUT', 'ports.0.protocol'],
    [
      {
        ports: [
          { hostPort: 81, instancePort: 80 },
          { hostPort: 81, instancePort: 90 },
        ],
      },
      'INVALID_INPUT',
      'ports.1.hostPort',
    ],
  ] as const)('refuses %j with %s on %s and changes nothing', async (override, code, field) => {
    const before = await snapshot();
    const input = { ...node, instanceId: 'bad-1', instanceIpCidr: '10.0.0.20/24', ports: [], ...override };
    await expectNetcoreError(net().setupInstance(input as never), { code, field });
    expect(await snapshot()).toEqual(before);
  });

  it.each(['netns', 'veth', 'instance-batch', 'iptables-restore'])(
    'rolls back everything when the %s step fails',
    async (step) => {
      const before = await snapshot();
      const faulty = createFaultyRunner({
        shouldFail: ({ file, args, input }) =>
          ({
            netns: file === 'ip' && input?.startsWith('netns add') === true,
            veth: file === 'ip' && args[0] === '-n' && args[1] === nodeNamespace() && args.includes('-batch'),
            'instance-batch': file === 'ip' && args[0] === '-n' && args[1]?.includes('-i-') === true,
            'iptables-restore': args.includes('--noflush'),
          })[step] ?? false,
      });
      const faultyNet = createNetcore({ hostNamespace: nodeNamespace(), runner: faulty.runner });
      await expectNetcoreError(
        faultyNet.setupInstance({
          ...web,
          instanceId: 'doomed-1',
          instanceIpCidr: '10.0.0.30/24',
          ports: [{ hostPort: 8443, instancePort: 443 }],
        }),
        {
          code: 'COMMAND_FAILED',
        },
      );
      expect(faulty.hasFailed()).toBe(true);
      expect(await snapshot()).toEqual(before);
    },
  );

  it("cleanInstance frees the instance's namespace: no process netcore keeps holds it", async () => {
    const base = createExecaRunner();
    const recorded = createNetcore({ hostNamespace: nodeNamespace(), runner: base });
    try {
      // Made and removed by the same runner, whose long-lived processes must not keep the namespace open
      // (an `ip` that sends a link into a namespace keeps an fd on it).
      for (const index of [1, 2, 3]) {
        const { namespaceName } = await recorded.setupInstance({
          ...node,
          instanceId: `gone-${index}`,
          instanceIpCidr: `10.0.0.${40 + index}/24`,
          ports: [],
        });
        const inode = statSync(`/run/netns/${namespaceName}`).ino;
        await recorded.cleanInstance({ instanceId: `gone-${index}` });
        expect(listNamespaceHolders({ inode })).toEqual([]);
      }
    } finally {
      recorded.close();
    }
  });

  it('cleanInstance removes the namespace, veth and port rules without being told the ports, and twice is fine', async () => {
    const before = await snapshot();
    const temp = {
      ...node,
      instanceId: 'temp-1',
      instanceIpCidr: '10.0.0.40/24',
      ports: [
        { hostPort: 7000, instancePort: 7000 },
        { hostPort: 7001, instancePort: 7001, protocol: 'udp' as const },
      ],
    };
    await net().setupInstance(temp);
    expect((await snapshot()).rules.filter((rule) => rule.includes('kudo:instance=temp-1'))).toHaveLength(2);
    await net().cleanInstance({ instanceId: 'temp-1' });
    await net().cleanInstance({ instanceId: 'temp-1' });
    expect(await snapshot()).toEqual(before);
  });

  it("an address given again answers the node at once: the bridge forgets the previous holder's MAC", async () => {
    const again = { ...node, instanceId: 'again-1', instanceIpCidr: '10.0.0.41/24', ports: [] };
    const [bridge] = JSON.parse(
      await runIn({ namespace: nodeNamespace(), command: ['ip', '-j', 'link', 'show', 'type', 'bridge'] }),
    ) as { ifname: string }[];
    const bridgeName = bridge?.ifname ?? '';
    const readNeighbour = async () =>
      JSON.parse(
        await runIn({
          namespace: nodeNamespace(),
          command: ['ip', '-j', 'neigh', 'show', '10.0.0.41', 'dev', bridgeName],
        }),
      ) as { lladdr?: string; state?: string[] }[];
    try {
      // The node still holds the previous instance's MAC for the address, as valid for half a minute.
      await runIn({
        namespace: nodeNamespace(),
        command: ['ip', 'neigh', 'replace', '10.0.0.41', 'dev', bridgeName, 'lladdr', '02:00:00:00:00:99'],
      });
      expect((await readNeighbour())[0]?.lladdr).toBe('02:00:00:00:00:99');
      const { namespaceName } = await net().setupInstance(again);
      expect(await ping({ from: nodeNamespace(), to: '10.0.0.41' })).toBe(true);
      const [inside] = JSON.parse(
        await runIn({ namespace: namespaceName, command: ['ip', '-j', 'link', 'show', 'dev', 'eth0'] }),
      ) as { address: string }[];
      expect((await readNeighbour())[0]?.lladdr).toBe(inside?.address);
    } finally {
      await net().cleanInstance({ instanceId: again.instanceId });
    }
  });

  it('setPortMappings converges an instance to the given list in one step, and a UDP mapping carries traffic', async () => {
    const temp = {
      ...node,
      instanceId: 'ports-1',
      instanceIpCidr: '10.0.0.50/24',
      ports: [{ hostPort: 7100, instancePort: 7100 }],
    };
    await net().setupInstance(temp);
    const namespace = net().getNamespaceName('ports-1');
    const udp = await startServer({ namespace, port: 5353, name: 'ports-1', protocol: 'udp' });
    try {
      const result = await net().setPortMappings({
        instanceId: 'ports-1',
        ports: [
          { hostPort: 7200, instancePort: 7100 },
          { hostPort: 5300, instancePort: 5353, protocol: 'udp' },
        ],
      });
      expect(result).toEqual({ added: 2, removed: 1 });
      const rules = (await snapshot()).rules.filter((rule) => rule.includes('kudo:instance=ports-1'));
      expect(rules.map((rule) => rule.match(/--dport (\d+)/)?.[1]).sort()).toEqual(['5300', '7200']);
      expect(
        await request({ from: lab().outside.namespace, host: externalIp(), port: 5300, protocol: 'udp' }),
      ).toBe(`hello from ports-1 to ${lab().outside.ipAddr}`);
      expect(
        await net().setPortMappings({
          instanceId: 'ports-1',
          ports: [
            { hostPort: 7200, instancePort: 7100 },
            { hostPort: 5300, instancePort: 5353, protocol: 'udp' },
          ],
        }),
      ).toEqual({ added: 0, removed: 0 });
      await expectNetcoreError(net().setPortMappings({ instanceId: 'nobody', ports: [] }), {
        code: 'NOT_FOUND',
        field: 'instanceId',
      });
    } finally {
      await udp.stop();
      await net().cleanInstance({ instanceId: 'ports-1' });
    }
  });

  it('a port rule deleted by hand (a stale model of the rules) makes neither setPortMappings nor cleanInstance fail', async () => {
    const temp = {
      ...node,
      instanceId: 'stale-1',
      instanceIpCidr: '10.0.0.70/24',
      ports: [{ hostPort: 7300, instancePort: 80 }],
    };
    await net().setupInstance(temp);
    const rule = (await snapshot()).rules.find((line) => line.includes('kudo:instance=stale-1')) ?? '';
    await runIn({
      namespace: nodeNamespace(),
      command: [
        'iptables',
        '-t',
        'nat',
        '-D',
        ...rule
          .split(' ')
          .slice(2)
          .map((arg) => arg.replaceAll('"', '')),
      ],
    });
    expect(
      await net().setPortMappings({ instanceId: 'stale-1', ports: [{ hostPort: 7301, instancePort: 80 }] }),
    ).toEqual({ added: 1, removed: 0 });
    // The port rules of the node, its bucket's included, deleted by hand: the model still has stale-1's rule.
    for (const chain of ['KUDO-HOSTPORTS', getHostPortBucketChain('stale-1')])
      await runIn({ namespace: nodeNamespace(), command: ['iptables', '-t', 'nat', '-F', chain] });
    await net().cleanInstance({ instanceId: 'stale-1' });
    expect((await snapshot()).rules.filter((line) => line.includes('stale-1'))).toEqual([]);
  });

  it('setupInstance repairs an instance whose veth was deleted by hand', async () => {
    const temp = { ...node, instanceId: 'repair-1', instanceIpCidr: '10.0.0.60/24', ports: [] };
    const { hostInterfaceName, namespaceName } = await net().setupInstance(temp);
    await runIn({ namespace: nodeNamespace(), command: ['ip', 'link', 'del', hostInterfaceName] });
    expect(await ping({ from: namespaceName, to: '10.0.0.1' })).toBe(false);
    await net().setupInstance(temp);
    expect(await ping({ from: namespaceName, to: '10.0.0.1' })).toBe(true);
    await net().cleanInstance({ instanceId: 'repair-1' });
  });
});

describeWithNamespaces('isolation between instances of a node', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const net = () => lab().netcoreFor('node1');
  const setup = async (isolation: 'none' | 'instances') => {
    await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', isolation });
    await net().setupInstance({ ...node, instanceId: 'a', instanceIpCidr: '10.0.0.2/24' });
    await net().setupInstance({ ...node, instanceId: 'b', instanceIpCidr: '10.0.0.3/24' });
  };
  beforeEach(async () => {
    await net().cleanInstance({ instanceId: 'a' });
    await net().cleanInstance({ instanceId: 'b' });
    await net().cleanNode({ nodeId });
  });
  afterAll(async () => {
    await net().cleanInstance({ instanceId: 'a' });
    await net().cleanInstance({ instanceId: 'b' });
    await net().cleanNode({ nodeId });
  });

  it("with isolation 'instances', instances cannot reach each other but still reach the node and the outside", async () => {
    await setup('instances');
    expect(await ping({ from: net().getNamespaceName('a'), to: '10.0.0.3' })).toBe(false);
    expect(await ping({ from: net().getNamespaceName('a'), to: '10.0.0.1' })).toBe(true);
    expect(await ping({ from: net().getNamespaceName('a'), to: lab().outside.ipAddr })).toBe(true);
  });

  it("with isolation 'none' (the default), instances reach each other", async () => {
    await setup('none');
    expect(await ping({ from: net().getNamespaceName('a'), to: '10.0.0.3' })).toBe(true);
  });
});
