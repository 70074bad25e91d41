import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { namespacePath } from '../kernel/command.js';
import { createNetcore } from '../netcore.js';
import { createFaultyRunner, ping, request, runIn, snapshotKernel, startServer } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';

const instances = Array.from({ length: 30 }, (_, index) => ({
  instanceId: `bulk-${index}`,
  instanceIpCidr: `10.0.0.${index + 10}/24`,
  ports: [{ hostPort: 20_000 + index, instancePort: 8080 }],
}));

describeWithNamespaces('setupInstances: many instances at once, as after a reboot', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');
  const cleanAll = async () => {
    for (const { instanceId } of instances) await net().cleanInstance({ instanceId });
  };

  beforeAll(async () => {
    await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24' });
  });
  afterAll(async () => {
    await cleanAll();
    await net().cleanNode({ nodeId: 'node1' });
  });

  it('is all or nothing: a failure in the middle leaves the node as it was', async () => {
    const before = await snapshotKernel({ namespace: namespace() });
    const steps = {
      rules: ({ args }: { args: readonly string[] }) => args.includes('--noflush'),
      'instance sides': ({ file }: { file: string }) => /(^|\/)perl$/.test(file) || file === 'xargs',
      'veths onto the bridge': ({ input }: { input?: string }) => input?.includes(' master ') === true,
    };
    for (const shouldFail of Object.values(steps)) {
      const faulty = createFaultyRunner({ shouldFail });
      const faultyNet = createNetcore({ hostNamespace: namespace(), runner: faulty.runner });
      try {
        await expectNetcoreError(
          faultyNet.setupInstances({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instances }),
          { code: 'COMMAND_FAILED' },
        );
      } finally {
        faultyNet.close();
      }
      expect(await snapshotKernel({ namespace: namespace() })).toEqual(before);
    }
  });

  it('a failure in a later chunk, while the chunks after it are named ahead, leaves the node as it was', async () => {
    const many = Array.from({ length: 130 }, (_, index) => ({
      instanceId: `chunked-${index}`,
      instanceIpCidr: `10.0.0.${index + 100}/24`,
      ports: [{ hostPort: 21_000 + index, instancePort: 8080 }],
    }));
    const withoutNamespaces = async () => {
      const { namespaces: _, ...rest } = await snapshotKernel({ namespace: namespace() });
      return rest;
    };
    const before = await withoutNamespaces();
    let instanceSides = 0;
    const faulty = createFaultyRunner({
      shouldFail: ({ file }) => (/(^|\/)perl$/.test(file) || file === 'xargs') && ++instanceSides === 2,
    });
    const faultyNet = createNetcore({ hostNamespace: namespace(), runner: faulty.runner });
    try {
      await expectNetcoreError(
        faultyNet.setupInstances({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instances: many }),
        { code: 'COMMAND_FAILED' },
      );
    } finally {
      faultyNet.close();
    }
    expect(faulty.hasFailed()).toBe(true);
    expect(await withoutNamespaces()).toEqual(before);
    expect(
      many.filter(({ instanceId }) => existsSync(namespacePath(net().getNamespaceName(instanceId)))),
    ).toEqual([]);
  });

  it('creates every instance, reachable and with its port mapping, and repairs the ones that exist', async () => {
    const result = await net().setupInstances({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instances });
    expect(result).toMatchObject({ created: 30, repaired: 0 });
    const last = net().getNamespaceName('bulk-29');
    expect(await ping({ from: net().getNamespaceName('bulk-0'), to: '10.0.0.39' })).toBe(true);
    const server = await startServer({ namespace: last, port: 8080, name: 'bulk-29' });
    try {
      expect(
        await request({
          from: lab().outside.namespace,
          host: lab().nodes[0]?.externalIpAddr ?? '',
          port: 20_029,
        }),
      ).toBe(`hello from bulk-29 to ${lab().outside.ipAddr}`);
    } finally {
      await server.stop();
    }
    const rules = (await snapshotKernel({ namespace: namespace() })).rules.filter((rule) =>
      rule.includes('kudo:instance=bulk-'),
    );
    expect(rules).toHaveLength(30);
    const [first] = (await net().inspectNode({ nodeId: 'node1' })).instances;
    await runIn({ namespace: namespace(), command: ['ip', 'link', 'del', first?.veth?.name ?? 'missing'] });
    expect(await net().setupInstances({ nodeId: 'node1', nodeIpAddr: '10.0.0.1', instances })).toMatchObject({
      created: 0,
      repaired: 30,
    });
    expect(await ping({ from: net().getNamespaceName('bulk-0'), to: '10.0.0.39' })).toBe(true);
    expect(
      (await snapshotKernel({ namespace: namespace() })).rules.filter((rule) =>
        rule.includes('kudo:instance=bulk-'),
      ),
    ).toHaveLength(30);
  });

  it('refuses a duplicate id or host port, naming the entry', async () => {
    await expectNetcoreError(
      net().setupInstances({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instances: [instances[0], { ...instances[0], instanceIpCidr: '10.0.0.99/24' }] as never,
      }),
      { code: 'INVALID_INPUT', field: 'instances.1.instanceId' },
    );
    await expectNetcoreError(
      net().setupInstances({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instances: [
          {
            instanceId: 'other',
            instanceIpCidr: '10.0.0.98/24',
            ports: [{ hostPort: 20_000, instancePort: 1 }],
          },
        ],
      }),
      { code: 'CONFLICT', field: 'instances.0.ports.0.hostPort' },
    );
  });
});
