import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { readInstanceAddress } from '../kernel/namespaces.js';
import { snapshotKernel } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';
import { setupInstance } from './setup-instance.js';

const node = { nodeId: 'node1', nodeIpAddr: '10.72.0.1' };
const address = '10.72.0.60/24';
const instanceIds = ['addr-a', 'addr-b', 'addr-c', 'addr-d'];

describeWithNamespaces(
  'one address, one instance: setupInstance refuses an address another instance holds',
  () => {
    const lab = useTestLab({ nodeCount: 1 });
    const namespace = () => lab().nodes[0]?.namespace ?? '';
    const net = () => lab().netcoreFor('node1');
    const snapshot = () => snapshotKernel({ namespace: namespace() });
    /** The address each instance's namespace has on eth0 (undefined: no namespace). */
    const readAddresses = async (ids: readonly string[]) =>
      Promise.all(
        ids.map((instanceId) => {
          const namespaceName = net().getNamespaceName(instanceId);
          return readInstanceAddress({ host: net().host, namespaceName }).catch(() => undefined);
        }),
      );

    beforeAll(async () => {
      await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.72.0.1/24' });
    });
    afterEach(async () => {
      for (const instanceId of instanceIds) await net().cleanInstance({ instanceId });
    });
    afterAll(async () => {
      await net().cleanNode({ nodeId: 'node1' });
    });

    it('refuses a second instance with a taken address, naming instanceIpCidr, and changes nothing', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      const before = await snapshot();
      const error = await expectNetcoreError(
        net().setupInstance({
          ...node,
          instanceId: 'addr-b',
          instanceIpCidr: address,
          ports: [{ hostPort: 8081, instancePort: 80 }],
        }),
        { code: 'CONFLICT', field: 'instanceIpCidr' },
      );
      expect(error.reason).toContain("instance 'addr-a'");
      expect(await snapshot()).toEqual(before);
      expect(await readAddresses(['addr-a', 'addr-b'])).toEqual([address, undefined]);
    });

    it('lets the same instance be set up again with its own address', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      const result = await net().setupInstance({
        ...node,
        instanceId: 'addr-a',
        instanceIpCidr: address,
        ports: [{ hostPort: 8082, instancePort: 80 }],
      });
      expect(result.namespaceName).toBe(net().getNamespaceName('addr-a'));
      expect(await readAddresses(['addr-a'])).toEqual([address]);
    });

    it('frees the old address of an instance given a new one', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: '10.72.0.61/24' });
      await net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: address });
      expect(await readAddresses(['addr-a', 'addr-b'])).toEqual(['10.72.0.61/24', address]);
    });

    it.each([
      ['through the netcore object (its queue)', () => net().setupInstance],
      [
        'through the function itself (no queue)',
        () => (request: object) => setupInstance({ host: net().host, request }),
      ],
    ])('gives a raced address to exactly one of two calls, %s', async (_, getSetup) => {
      const before = await snapshot();
      const setup = getSetup();
      const results = await Promise.allSettled(
        ['addr-a', 'addr-b'].map((instanceId) => setup({ ...node, instanceId, instanceIpCidr: address })),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const [refused] = results.filter((result) => result.status === 'rejected');
      await expectNetcoreError(Promise.reject(refused?.reason), {
        code: 'CONFLICT',
        field: 'instanceIpCidr',
      });
      const addresses = await readAddresses(['addr-a', 'addr-b']);
      expect(addresses.filter((value) => value === address)).toHaveLength(1);
      expect(addresses.filter((value) => value === undefined)).toHaveLength(1);
      // One instance more than before, nothing of the refused one: one namespace, one veth.
      const after = await snapshot();
      expect(after.namespaces.length - before.namespaces.length).toBe(1);
      expect(after.links.length - before.links.length).toBe(1);
    });

    it('frees the address when the instance is cleaned', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      await net().cleanInstance({ instanceId: 'addr-a' });
      await net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: address });
      expect(await readAddresses(['addr-a', 'addr-b'])).toEqual([undefined, address]);
    });

    it('frees the address of an instance whose namespace was deleted behind netcore', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      await execa('ip', ['netns', 'del', net().getNamespaceName('addr-a')]);
      await net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: address });
      expect(await readAddresses(['addr-b'])).toEqual([address]);
    });

    it('knows the addresses of instances made before the process started (read from the kernel)', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      vi.resetModules();
      const { createNetcore } = await import('../netcore.js');
      const fresh = createNetcore({ hostNamespace: namespace() });
      try {
        const before = await snapshot();
        // A NetcoreError of the fresh module graph: another class than the one this file imports.
        await expect(
          fresh.setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: address }),
        ).rejects.toMatchObject({ name: 'NetcoreError', code: 'CONFLICT', field: 'instanceIpCidr' });
        expect(await snapshot()).toEqual(before);
        await fresh.setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      } finally {
        fresh.close();
      }
    });

    it('knows the addresses of instances another process made after its first read', async () => {
      // This process's map is read already; another netcore (a fresh module graph, as another process)
      // then makes an instance with the address.
      await net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: '10.72.0.61/24' });
      await net().cleanInstance({ instanceId: 'addr-b' });
      vi.resetModules();
      const { createNetcore } = await import('../netcore.js');
      const other = createNetcore({ hostNamespace: namespace() });
      try {
        await other.setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      } finally {
        other.close();
      }
      const before = await snapshot();
      await expectNetcoreError(
        net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: address }),
        {
          code: 'CONFLICT',
          field: 'instanceIpCidr',
        },
      );
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a bulk request that gives one address twice, naming the second, and changes nothing', async () => {
      const before = await snapshot();
      await expectNetcoreError(
        net().setupInstances({
          ...node,
          instances: [
            { instanceId: 'addr-a', instanceIpCidr: '10.72.0.70/24' },
            { instanceId: 'addr-b', instanceIpCidr: address },
            { instanceId: 'addr-c', instanceIpCidr: address },
          ],
        }),
        { code: 'CONFLICT', field: 'instances.2.instanceIpCidr' },
      );
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a bulk request with an address another instance holds, and changes nothing', async () => {
      await net().setupInstance({ ...node, instanceId: 'addr-a', instanceIpCidr: address });
      const before = await snapshot();
      await expectNetcoreError(
        net().setupInstances({
          ...node,
          instances: [
            { instanceId: 'addr-a', instanceIpCidr: address },
            { instanceId: 'addr-c', instanceIpCidr: '10.72.0.71/24' },
            { instanceId: 'addr-d', instanceIpCidr: address, ports: [{ hostPort: 8083, instancePort: 80 }] },
          ],
        }),
        { code: 'CONFLICT', field: 'instances.2.instanceIpCidr' },
      );
      expect(await snapshot()).toEqual(before);
      // The refused call reserved nothing: its other addresses are free.
      await net().setupInstance({ ...node, instanceId: 'addr-b', instanceIpCidr: '10.72.0.71/24' });
    });
  },
);
