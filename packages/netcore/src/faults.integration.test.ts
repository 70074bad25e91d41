import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetcoreError } from './errors.js';
import { createNetcore, type Netcore } from './netcore.js';
import { createFaultyRunner, snapshotKernel } from './testing/index.js';
import { describeWithNamespaces, useTestLab } from './testing/test-lab.js';

/**
 * For an operation, fails its 1st command, then its 2nd, and so on until a run passes every command:
 * each failed run must end in a NetcoreError and leave the node's kernel state exactly as before.
 */
const failEachStepInTurn = async ({
  namespace,
  operation,
  undo,
}: {
  namespace: string;
  operation: (net: Netcore) => Promise<unknown>;
  undo: (net: Netcore) => Promise<unknown>;
}) => {
  let faultsInjected = 0;
  for (let index = 0; index < 100; index++) {
    const before = await snapshotKernel({ namespace });
    const faulty = createFaultyRunner({ shouldFail: (command) => command.index === index });
    const net = createNetcore({ hostNamespace: namespace, runner: faulty.runner });
    const outcome = await operation(net).then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      if (!faulty.hasFailed()) {
        expect(outcome).toBeUndefined();
        await undo(createNetcore({ hostNamespace: namespace }));
        return { faultsInjected, commands: faulty.commands.length };
      }
      faultsInjected += 1;
      expect(outcome, `failing command #${index} (${faulty.commands[index]})`).toBeInstanceOf(NetcoreError);
      expect(
        await snapshotKernel({ namespace }),
        `state after failing command #${index} (${faulty.commands[index]})`,
      ).toEqual(before);
    } finally {
      net.close();
    }
  }
  throw new Error('the operation never completed');
};

describeWithNamespaces('a failure at any step rolls the operation back (fault injection)', () => {
  const lab = useTestLab({ nodeCount: 2 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');
  const peer = () => ({
    nodeId: 'node2',
    nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: lab().nodes[1]?.externalIpAddr ?? '' },
  });

  it('setupNode', async () => {
    const result = await failEachStepInTurn({
      namespace: namespace(),
      operation: (faulty) =>
        faulty.setupNode({
          nodeId: 'node1',
          nodeIpCidr: '10.0.0.1/24',
          nodesIps: [peer()],
          protectedPorts: [7070],
        }),
      undo: (faulty) => faulty.cleanNode({ nodeId: 'node1' }),
    });
    expect(result.faultsInjected).toBeGreaterThanOrEqual(5);
  });

  describe('on a node that is set up', () => {
    beforeAll(async () => {
      await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
      await net().setupInstance({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instanceId: 'base-1',
        instanceIpCidr: '10.0.0.2/24',
        ports: [{ hostPort: 80, instancePort: 80 }],
      });
    });
    afterAll(async () => {
      await net().cleanInstance({ instanceId: 'base-1' });
      await net().cleanNode({ nodeId: 'node1' });
    });

    it('setupInstance', async () => {
      const result = await failEachStepInTurn({
        namespace: namespace(),
        operation: (faulty) =>
          faulty.setupInstance({
            nodeId: 'node1',
            nodeIpAddr: '10.0.0.1',
            instanceId: 'faulty-1',
            instanceIpCidr: '10.0.0.9/24',
            ports: [
              { hostPort: 81, instancePort: 80 },
              { hostPort: 53, instancePort: 53, protocol: 'udp' },
            ],
          }),
        undo: (faulty) => faulty.cleanInstance({ instanceId: 'faulty-1' }),
      });
      expect(result.faultsInjected).toBeGreaterThanOrEqual(4);
    });

    it('newNodeInCluster', async () => {
      const result = await failEachStepInTurn({
        namespace: namespace(),
        operation: (faulty) => faulty.newNodeInCluster(peer()),
        undo: (faulty) => faulty.deleteNodeInCluster(peer()),
      });
      expect(result.faultsInjected).toBeGreaterThanOrEqual(3);
    });

    it('setPortMappings', async () => {
      const result = await failEachStepInTurn({
        namespace: namespace(),
        operation: (faulty) =>
          faulty.setPortMappings({
            instanceId: 'base-1',
            ports: [
              { hostPort: 8080, instancePort: 80 },
              { hostPort: 5353, instancePort: 53, protocol: 'udp' },
            ],
          }),
        undo: (faulty) =>
          faulty.setPortMappings({ instanceId: 'base-1', ports: [{ hostPort: 80, instancePort: 80 }] }),
      });
      // the rules transaction and the UDP flow flush (the address comes from setupInstance)
      expect(result.faultsInjected).toBeGreaterThanOrEqual(2);
    });
  });
});
