import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetcoreError } from '../errors.js';
import type { CommandRunner } from '../kernel/command.js';
import { hasNamespace } from '../kernel/namespaces.js';
import { createExecaRunner } from '../kernel/runner.js';
import { createNetcore } from '../netcore.js';
import { ping, snapshotKernel } from '../testing/index.js';
import { describeWithNamespaces, expectNetcoreError, useTestLab } from '../testing/test-lab.js';

const toRequest = (index: number, hostPort = 21_000 + index) => ({
  nodeId: 'node1',
  nodeIpAddr: '10.0.0.1',
  instanceId: `group-${index}`,
  instanceIpCidr: `10.0.0.${index + 10}/24`,
  ports: [{ hostPort, instancePort: 8080 }],
});

/** A runner that records every command and fails each one whose text mentions `poison`. */
const createPoisonedRunner = ({ poison }: { poison: string | undefined }) => {
  const base = createExecaRunner();
  const inputs: string[] = [];
  const runner: CommandRunner = {
    close: () => base.close?.(),
    run: async (command) => {
      const text = `${command.file} ${command.args.join(' ')}\n${command.input ?? ''}`;
      inputs.push(text);
      if (poison !== undefined && text.includes(poison))
        throw new NetcoreError({ code: 'COMMAND_FAILED', reason: `injected failure: ${command.file}` });
      return base.run(command);
    },
  };
  return { runner, inputs };
};

describeWithNamespaces('group commit: setupInstance and cleanInstance called many at once', () => {
  const lab = useTestLab({ nodeCount: 1 });
  const namespace = () => lab().nodes[0]?.namespace ?? '';
  const net = () => lab().netcoreFor('node1');
  const ids = Array.from({ length: 120 }, (_, index) => `group-${index}`);
  const cleanAll = () => Promise.all(ids.map((instanceId) => net().cleanInstance({ instanceId })));

  beforeAll(async () => {
    await net().setupNode({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24' });
  });
  afterAll(async () => {
    await cleanAll();
    await net().cleanNode({ nodeId: 'node1' });
  });

  it('50 calls at once with one bad request: the 49 others succeed, each with its own result, and the bad one fails alone naming its field', async () => {
    await net().setupInstance(toRequest(100, 31_000));
    const requests = Array.from({ length: 50 }, (_, index) =>
      toRequest(index, index === 17 ? 31_000 : undefined),
    );
    const outcomes = await Promise.allSettled(requests.map((request) => net().setupInstance(request)));
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    expect(failed).toEqual([17]);
    await expectNetcoreError(Promise.reject((outcomes[17] as PromiseRejectedResult).reason), {
      code: 'CONFLICT',
      field: 'ports.0.hostPort',
    });
    outcomes.forEach((outcome, index) => {
      if (index === 17) return;
      expect(outcome).toEqual({
        status: 'fulfilled',
        value: {
          interfaceName: 'eth0',
          hostInterfaceName: expect.stringMatching(/^kudov[0-9a-f]{10}$/),
          namespaceName: net().getNamespaceName(`group-${index}`),
        },
      });
    });
    expect(hasNamespace(net().getNamespaceName('group-17'))).toBe(false);
    expect(await ping({ from: net().getNamespaceName('group-0'), to: '10.0.0.59' })).toBe(true);
    const rules = (await snapshotKernel({ namespace: namespace() })).rules.filter((rule) =>
      rule.includes('kudo:instance=group-'),
    );
    expect(rules).toHaveLength(50);
    await cleanAll();
  });

  it('a kernel failure of a group costs only the call it belongs to, which leaves nothing', async () => {
    const before = await snapshotKernel({ namespace: namespace() });
    const poisoned = createPoisonedRunner({ poison: net().getNamespaceName('group-7') });
    const faultyNet = createNetcore({ hostNamespace: namespace(), runner: poisoned.runner });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) => faultyNet.setupInstance(toRequest(index))),
      );
      expect(outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []))).toEqual([
        7,
      ]);
      expect(hasNamespace(faultyNet.getNamespaceName('group-7'))).toBe(false);
      expect(await ping({ from: net().getNamespaceName('group-19'), to: '10.0.0.10' })).toBe(true);
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => net().cleanInstance({ instanceId: `group-${index}` })),
      );
      expect(await snapshotKernel({ namespace: namespace() })).toEqual(before);
    } finally {
      faultyNet.close();
    }
  });

  it('100 cleanInstance calls at once leave nothing, and share their kernel work', async () => {
    const before = await snapshotKernel({ namespace: namespace() });
    const requests = Array.from({ length: 100 }, (_, index) => toRequest(index));
    await net().setupInstances({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instances: requests.map(({ instanceId, instanceIpCidr, ports }) => ({
        instanceId,
        instanceIpCidr,
        ports,
      })),
    });
    const recorded = createPoisonedRunner({ poison: undefined });
    const recordingNet = createNetcore({ hostNamespace: namespace(), runner: recorded.runner });
    try {
      await Promise.all(requests.map(({ instanceId }) => recordingNet.cleanInstance({ instanceId })));
      expect(await snapshotKernel({ namespace: namespace() })).toEqual(before);
      expect(requests.filter(({ instanceId }) => hasNamespace(net().getNamespaceName(instanceId)))).toEqual(
        [],
      );
      expect(recorded.inputs.filter((text) => text.includes('link del group')).length).toBeGreaterThan(0);
    } finally {
      recordingNet.close();
    }
  });
});
