import type { Lab, LabNode } from '@kudo/netcore/lab';
import { request, startServer } from '@kudo/netcore/testing';
import type { CommandTrace } from '../command-trace.js';
import type { Check } from '../correctness.js';
import { checkNoLeftovers, findLeftovers, type Leftovers, readNodeState } from '../leftovers.js';
import { measureMs, median } from '../measure.js';
import { createTracedNetcore, setupNetcoreNode, toSetupInstanceRequest } from '../methods/netcore.js';

export type PortGrowthResult = {
  mappingCount: number;
  /** Adding one mapping to an instance when the node has no other mapping. */
  firstMs: number;
  /** The same with `mappingCount` mappings of another instance on the node. */
  afterManyMs: number;
  /** Installing the `mappingCount` mappings in one setPortMappings call. */
  installManyMs: number;
  /** Growing the big instance's own list by one (setPortMappings takes the whole list). */
  growListMs: number;
  /** Every timed add, by the trace's operation name (for the breakdown of where the time goes). */
  addDurations: { operation: string; durations: number[] }[];
  leftovers: Leftovers;
  checks: Check[];
  trace: CommandTrace;
};

const probePort = { hostPort: 40_000, instancePort: 8080, protocol: 'tcp' as const };

/**
 * Port mapping #1 against #(mappingCount + 1): one probe instance gets one mapping added (and removed again,
 * untimed) several times, first on an otherwise empty node, then while another instance holds mappingCount
 * mappings. Measured this way, the cost of the request itself stays the same (one port) and only what is
 * already on the node changes; growing the big instance's list by one is reported apart.
 */
export const runPortGrowth = async ({
  node,
  lab,
  mappingCount,
  repetitions,
  portMappingBackend = 'iptables',
}: {
  node: LabNode;
  lab: Lab;
  mappingCount: number;
  repetitions: number;
  /** netcore's backend for the node's port mappings (setupNode's `portMappingBackend`). */
  portMappingBackend?: 'iptables' | 'nftables';
}): Promise<PortGrowthResult> => {
  const { net, trace } = createTracedNetcore({ node });
  const [probe, bulk] = [0, 1].map((index) =>
    toSetupInstanceRequest({
      node,
      instance: { index, id: index === 0 ? 'ports-probe' : 'ports-bulk', hostPort: 0, instancePort: 0 },
    }),
  );
  if (!probe || !bulk) throw new Error('port growth needs two instances');
  const many = Array.from({ length: mappingCount }, (_, index) => ({
    hostPort: 30_000 + index,
    instancePort: 8080,
    protocol: 'tcp' as const,
  }));
  const addDurations: PortGrowthResult['addDurations'] = [];
  const addProbeMapping = async (name: string) => {
    const durations: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      const work = () => net.setPortMappings({ instanceId: probe.instanceId, ports: [probePort] });
      durations.push((await measureMs(() => trace.traced({ name, work }))).ms);
      await net.setPortMappings({ instanceId: probe.instanceId, ports: [] });
    }
    addDurations.push({ operation: name, durations });
    return median(durations);
  };
  const scope = `port growth ${mappingCount}${portMappingBackend === 'nftables' ? ' (nftables)' : ''}`;
  await setupNetcoreNode({ net, node, portMappingBackend });
  try {
    const baseline = await readNodeState({ nodeNamespace: node.namespace, labPrefix: lab.prefix });
    await net.setupInstance({ ...probe, ports: [] });
    await net.setupInstance({ ...bulk, ports: [] });
    const firstMs = await addProbeMapping('setPortMappings +1 (node has 0)');
    const installManyMs = (
      await measureMs(() => net.setPortMappings({ instanceId: bulk.instanceId, ports: many }))
    ).ms;
    const afterManyMs = await addProbeMapping(`setPortMappings +1 (node has ${mappingCount})`);
    const growDurations: number[] = [];
    for (let index = 0; index < repetitions; index += 1) {
      const grown = [...many, { hostPort: 39_999, instancePort: 8080, protocol: 'tcp' as const }];
      growDurations.push(
        (await measureMs(() => net.setPortMappings({ instanceId: bulk.instanceId, ports: grown }))).ms,
      );
      await net.setPortMappings({ instanceId: bulk.instanceId, ports: many });
    }

    await net.setPortMappings({ instanceId: probe.instanceId, ports: [probePort] });
    /** What a server on port 8080 of the instance answers, from outside, through the node's `hostPort`. */
    const askThrough = async ({
      instanceId,
      hostPort,
      name,
    }: {
      instanceId: string;
      hostPort: number;
      name: string;
    }) => {
      const server = await startServer({ namespace: net.getNamespaceName(instanceId), port: 8080, name });
      return request({ from: lab.outside.namespace, host: node.externalIpAddr, port: hostPort }).finally(() =>
        server.stop(),
      );
    };
    const answer = await askThrough({
      instanceId: probe.instanceId,
      hostPort: probePort.hostPort,
      name: 'ports-probe',
    });
    const lastBulk = many.at(-1)?.hostPort ?? 0;
    const bulkAnswer = await askThrough({
      instanceId: bulk.instanceId,
      hostPort: lastBulk,
      name: 'ports-bulk',
    });
    await net.cleanInstance({ instanceId: probe.instanceId });
    await net.cleanInstance({ instanceId: bulk.instanceId });
    const leftovers = findLeftovers({
      before: baseline,
      after: await readNodeState({ nodeNamespace: node.namespace, labPrefix: lab.prefix }),
    });
    const checks: Check[] = [
      {
        scope,
        label: `mapping #${mappingCount + 1} (outside → :${probePort.hostPort}) reaches its instance`,
        isOk: answer === `hello from ports-probe to ${lab.outside.ipAddr}`,
        detail: `answer: ${answer ?? 'none'}`,
      },
      {
        scope,
        label: `mapping #${mappingCount} (outside → :${lastBulk}) reaches its instance`,
        isOk: bulkAnswer === `hello from ports-bulk to ${lab.outside.ipAddr}`,
        detail: `answer: ${bulkAnswer ?? 'none'}`,
      },
      checkNoLeftovers({
        scope,
        label: 'netcore leaves nothing behind after cleaning both instances',
        leftovers,
      }),
    ];
    return {
      mappingCount,
      firstMs,
      afterManyMs,
      installManyMs,
      growListMs: median(growDurations),
      addDurations,
      leftovers,
      checks,
      trace,
    };
  } finally {
    await net.cleanInstance({ instanceId: probe.instanceId });
    await net.cleanInstance({ instanceId: bulk.instanceId });
    await net.cleanNode({ nodeId: node.name });
    net.close();
  }
};
