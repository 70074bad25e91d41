import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandRunner, formatCommand } from '../kernel/command.js';
import { createExecaRunner } from '../kernel/runner.js';
import { createNetcore } from '../netcore.js';
import { ping, request, runIn, snapshotKernel, startServer } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';

const nodeId = 'node1';
const node = { nodeId, nodeIpAddr: '10.0.0.1' };

/** The interfaces and our rules of the node, as a user would look for leftovers. */
const readLeftovers = async ({ namespace, instanceId }: { namespace: string; instanceId: string }) => {
  const links = JSON.parse(await runIn({ namespace, command: ['ip', '-j', 'link', 'show'] })) as {
    ifname: string;
    ifalias?: string;
  }[];
  const rules = await runIn({ namespace, command: ['iptables-save'] });
  return {
    veths: links.filter((link) => link.ifalias === `kudo:instance=${instanceId}`).map((link) => link.ifname),
    rules: rules.split('\n').filter((line) => line.includes(`kudo:instance=${instanceId}`)),
  };
};

describeWithNamespaces("instances in a runtime's namespace (netns by path, any interface name)", () => {
  const lab = useTestLab({ nodeCount: 1 });
  const nodeNamespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');
  const runtimeNamespace = () => `${lab().prefix}-runtime1`;

  beforeAll(async () => {
    await net().setupNode({ nodeId, nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
    await execa('ip', ['netns', 'add', runtimeNamespace()]);
  });
  afterAll(async () => {
    await net().cleanNode({ nodeId });
  });

  describe('a namespace bound under /run/netns, interface net1, a port mapping', () => {
    const attachment = () => ({
      ...node,
      instanceId: 'cni-a',
      instanceIpCidr: '10.0.0.130/24',
      ports: [{ hostPort: 8081, instancePort: 8080 }],
      netns: { path: `/run/netns/${runtimeNamespace()}`, interfaceName: 'net1' },
    });
    let stopServer: () => Promise<void> = async () => {};
    beforeAll(async () => {
      const result = await net().setupInstance(attachment());
      expect(result).toMatchObject({ interfaceName: 'net1', namespaceName: attachment().netns.path });
      stopServer = (await startServer({ namespace: runtimeNamespace(), port: 8080, name: 'cni-a' })).stop;
    });
    afterAll(async () => stopServer());

    it('gives the interface its address and a default route via the node, and the node is reachable', async () => {
      const addrs = JSON.parse(
        await runIn({ namespace: runtimeNamespace(), command: ['ip', '-j', 'addr', 'show', 'dev', 'net1'] }),
      );
      expect(addrs[0].addr_info[0]).toMatchObject({ local: '10.0.0.130', prefixlen: 24 });
      expect(await ping({ from: runtimeNamespace(), to: '10.0.0.1' })).toBe(true);
    });

    it('is reached from the outside through its port mapping', async () => {
      const answer = await request({
        from: lab().outside.namespace,
        host: lab().nodes[0]?.externalIpAddr ?? '',
        port: 8081,
      });
      expect(answer).toBe(`hello from cni-a to ${lab().outside.ipAddr}`);
    });

    it('is set up again without change (idempotent), and its address is refused to another instance', async () => {
      const before = await snapshotKernel({ namespace: nodeNamespace() });
      await net().setupInstance(attachment());
      expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
      await expectNetcoreError(
        net().setupInstance({ ...node, instanceId: 'other', instanceIpCidr: '10.0.0.130/24', ports: [] }),
        { code: 'CONFLICT', field: 'instanceIpCidr' },
      );
    });

    it('refuses to replace an interface of that name the runtime already has, and changes nothing', async () => {
      const before = await snapshotKernel({ namespace: nodeNamespace() });
      await expect(
        net().setupInstance({
          ...attachment(),
          instanceId: 'cni-b',
          instanceIpCidr: '10.0.0.131/24',
          ports: [],
        }),
      ).rejects.toThrow(/exists/);
      expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
    });

    it('cleanInstance removes the veth pair and the rules but leaves the namespace to its runtime', async () => {
      await net().cleanInstance({ instanceId: 'cni-a', netns: { path: attachment().netns.path } });
      expect(await readLeftovers({ namespace: nodeNamespace(), instanceId: 'cni-a' })).toEqual({
        veths: [],
        rules: [],
      });
      const links = await runIn({ namespace: runtimeNamespace(), command: ['ip', '-br', 'link'] });
      expect(links).not.toMatch(/net1/);
      expect((await execa('ip', ['netns', 'list'])).stdout).toContain(runtimeNamespace());
      await net().cleanInstance({ instanceId: 'cni-a', netns: {} });
    });
  });

  describe('a namespace known only as /proc/PID/ns/net, gone before the clean-up', () => {
    let holder: ResultPromise | undefined;
    beforeAll(() => {
      // A process in a new network namespace of its own (never the machine's), as a runtime's container.
      holder = execa('unshare', ['--net', '--', 'sleep', '600'], { reject: false });
    });
    afterAll(async () => {
      holder?.kill('SIGKILL');
      await holder;
    });

    it('attaches, then cleans up after the process and its namespace are gone', async () => {
      const path = `/proc/${holder?.pid}/ns/net`;
      await net().setupInstance({
        ...node,
        instanceId: 'cni-p',
        instanceIpCidr: '10.0.0.140/24',
        ports: [{ hostPort: 8082, instancePort: 80 }],
        netns: { path },
      });
      const inside = await execa('nsenter', [`--net=${path}`, '--', 'ip', '-br', 'addr', 'show', 'eth0']);
      expect(inside.stdout).toContain('10.0.0.140/24');
      holder?.kill('SIGKILL');
      await holder;
      await net().cleanInstance({ instanceId: 'cni-p', netns: { path } });
      expect(await readLeftovers({ namespace: nodeNamespace(), instanceId: 'cni-p' })).toEqual({
        veths: [],
        rules: [],
      });
      // Its address is free again.
      await net().setupInstance({ ...node, instanceId: 'after', instanceIpCidr: '10.0.0.140/24', ports: [] });
      await net().cleanInstance({ instanceId: 'after' });
    });
  });

  describe('the pair made at once: a fresh attachment asks the kernel nothing first', () => {
    let holder: ResultPromise | undefined;
    const commands: string[] = [];
    const base = createExecaRunner();
    const recorded = () =>
      createNetcore({
        hostNamespace: nodeNamespace(),
        runner: {
          run: (command) => {
            commands.push(`${formatCommand(command)} ${command.input ?? ''}`);
            return base.run(command);
          },
          close: () => base.close?.(),
        },
      });
    let net2: ReturnType<typeof recorded> | undefined;
    const attachment = () => ({
      ...node,
      instanceId: 'cni-o',
      instanceIpCidr: '10.0.0.170/24',
      ports: [{ hostPort: 8095, instancePort: 80 }],
      netns: { path: `/proc/${holder?.pid}/ns/net` },
    });
    /** Whether the container reaches the node (one echo within 3 s). */
    const reachesNode = async () =>
      (
        await execa(
          'nsenter',
          [`--net=/proc/${holder?.pid}/ns/net`, '--', 'ping', '-n', '-c1', '-w3', '10.0.0.1'],
          {
            reject: false,
          },
        )
      ).exitCode === 0;
    /** Whether the node's `ip` was asked whether a link of that name exists. */
    const hasAskedFor = (vethName: string) =>
      commands.some((line) => line.includes(`link show dev ${vethName}`));
    beforeAll(() => {
      holder = execa('unshare', ['--net', '--', 'sleep', '600'], { reject: false });
      net2 = recorded();
    });
    afterAll(async () => {
      await net2?.cleanInstance({ instanceId: 'cni-o', netns: {} });
      net2?.close();
      holder?.kill('SIGKILL');
      await holder;
    });

    it('makes the pair of a new attachment without asking first whether its veth exists', async () => {
      const { hostInterfaceName } = (await net2?.setupInstance(attachment())) ?? { hostInterfaceName: '' };
      expect(commands.some((line) => line.includes(`link add ${hostInterfaceName} `))).toBe(true);
      expect(hasAskedFor(hostInterfaceName)).toBe(false);
      expect(await reachesNode()).toBe(true);
    });

    it('finds its veth taken on a second setup and repairs in place: idempotent, and a detached veth re-attached', async () => {
      commands.length = 0;
      const before = await snapshotKernel({ namespace: nodeNamespace() });
      const { hostInterfaceName } = (await net2?.setupInstance(attachment())) ?? { hostInterfaceName: '' };
      expect(hasAskedFor(hostInterfaceName)).toBe(true);
      expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
      await runIn({
        namespace: nodeNamespace(),
        command: ['ip', 'link', 'set', hostInterfaceName, 'nomaster'],
      });
      await net2?.setupInstance(attachment());
      expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
      expect(await reachesNode()).toBe(true);
    });

    it("fails on the runtime's interface of that name, and leaves the node and the other attachment as they were", async () => {
      const before = await snapshotKernel({ namespace: nodeNamespace() });
      commands.length = 0;
      await expect(
        net2?.setupInstance({
          ...attachment(),
          instanceId: 'cni-q',
          instanceIpCidr: '10.0.0.171/24',
          ports: [{ hostPort: 8096, instancePort: 80 }],
        }),
      ).rejects.toThrow(/exists/);
      expect(commands.some((line) => line.includes('link show dev'))).toBe(true);
      expect(await snapshotKernel({ namespace: nodeNamespace() })).toEqual(before);
      expect(await reachesNode()).toBe(true);
    });
  });

  it('sets up and cleans a new attachment without spawning a process from Node, once the node is known', async () => {
    const base = createExecaRunner();
    const spawned: string[] = [];
    const runner: CommandRunner = {
      run: async (command) => {
        const result = await base.run(command);
        if ((result.process ?? 'spawned') === 'spawned') spawned.push(formatCommand(command));
        return result;
      },
      close: () => base.close?.(),
    };
    const recorded = createNetcore({ hostNamespace: nodeNamespace(), runner });
    const attach = async (index: number) => {
      const namespace = `${lab().prefix}-runtime-s${index}`;
      await execa('ip', ['netns', 'add', namespace]);
      const instanceId = `cni-s${index}`;
      await recorded.setupInstance({
        ...node,
        instanceId,
        instanceIpCidr: `10.0.0.${160 + index}/24`,
        ports: [{ hostPort: 8090 + index, instancePort: 80 }],
        netns: { path: `/run/netns/${namespace}` },
      });
      const inside = await runIn({ namespace, command: ['ip', '-br', 'addr', 'show', 'eth0'] });
      await recorded.cleanInstance({ instanceId, netns: {} });
      await execa('ip', ['netns', 'del', namespace]);
      return inside;
    };
    try {
      // The first call may read the node and its rules; the next one knows them.
      await attach(0);
      spawned.length = 0;
      expect(await attach(1)).toContain('10.0.0.161/24');
      expect(spawned).toEqual([]);
      expect(await readLeftovers({ namespace: nodeNamespace(), instanceId: 'cni-s1' })).toEqual({
        veths: [],
        rules: [],
      });
    } finally {
      recorded.close();
    }
  });

  it('refuses a namespace path that is not absolute or climbs with "..", naming netns.path', async () => {
    for (const path of ['proc/1/ns/net', '/run/netns/../x', '/run/netns/a b'])
      await expectNetcoreError(
        net().setupInstance({ ...node, instanceId: 'bad', instanceIpCidr: '10.0.0.150/24', netns: { path } }),
        { code: 'INVALID_INPUT', field: 'netns.path' },
      );
    await expectNetcoreError(
      net().setupInstance({
        ...node,
        instanceId: 'bad',
        instanceIpCidr: '10.0.0.150/24',
        netns: { path: '/proc/1/ns/net', interfaceName: 'a-name-far-too-long' },
      }),
      { code: 'INVALID_INPUT', field: 'netns.interfaceName' },
    );
  });
});
