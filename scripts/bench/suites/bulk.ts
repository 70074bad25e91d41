import type { Lab, LabNode } from '@kudo/netcore/lab';
import type { CommandTrace } from '../command-trace.js';
import { type Check, checkTraffic } from '../correctness.js';
import { checkNoLeftovers, findLeftovers, type Leftovers, readNodeState } from '../leftovers.js';
import { measureMs } from '../measure.js';
import { planInstances } from '../methods/instance-method.js';
import {
  createTracedNetcore,
  netcoreNode,
  setupNetcoreNode,
  toSetupInstanceRequest,
} from '../methods/netcore.js';

/** ms per instance of each way of bringing a node's instances back. */
export type BulkResult = {
  count: number;
  bulkSetupMs: number;
  reapplyMs: number;
  concurrentCleanMs: number;
  concurrentSetupMs: number;
  sequentialSetupMs: number;
  leftovers: Leftovers;
  checks: Check[];
  trace: CommandTrace;
};

/** Trace operation names of the phases, also used by the report. */
export const bulkPhases = {
  bulkSetup: 'setupInstances',
  reapply: 'setupInstances re-run',
  concurrentClean: 'cleanInstance at once',
  concurrentSetup: 'setupInstance at once',
  sequentialSetup: 'setupInstance one by one',
} as const;

/**
 * A node reboot brings all its instances back at once: netcore's setupInstances for all of them, against
 * N setupInstance calls fired together (netcore's group commit coalesces them) or one after another; plus
 * setupInstances re-run on a node that still has them (an agent restart), and removing them all at once.
 */
export const runBulk = async ({
  node,
  lab,
  count,
}: {
  node: LabNode;
  lab: Lab;
  count: number;
}): Promise<BulkResult> => {
  const { net, trace } = createTracedNetcore({ node });
  const instances = planInstances({ count });
  const requests = instances.map((instance) => toSetupInstanceRequest({ node, instance }));
  const { nodeId, nodeIpAddr } = netcoreNode({ node });
  const bulkRequest = {
    nodeId,
    nodeIpAddr,
    instances: requests.map(({ instanceId, instanceIpCidr, ports }) => ({
      instanceId,
      instanceIpCidr,
      ports,
    })),
  };
  const perInstance = async (name: string, work: () => Promise<unknown>) =>
    (await measureMs(() => trace.traced({ name, work }))).ms / count;
  const cleanAll = () =>
    Promise.all(instances.map((instance) => net.cleanInstance({ instanceId: instance.id })));
  const scope = `bulk N=${count}`;
  await setupNetcoreNode({ net, node });
  try {
    const readState = () => readNodeState({ nodeNamespace: node.namespace, labPrefix: lab.prefix });
    const baseline = await readState();
    const bulkSetupMs = await perInstance(bulkPhases.bulkSetup, () => net.setupInstances(bulkRequest));
    const checks = await checkTraffic({
      scope,
      instances: instances.map((instance, index) => ({
        name: instance.id,
        namespace: net.getNamespaceName(instance.id),
        ipAddr: requests[index]?.instanceIpCidr.split('/')[0] ?? '',
        hostPort: instance.hostPort,
        instancePort: instance.instancePort,
      })),
      gatewayAddr: nodeIpAddr,
      nodeAddr: node.externalIpAddr,
      outside: lab.outside,
    });
    const reapplyMs = await perInstance(bulkPhases.reapply, () => net.setupInstances(bulkRequest));
    const concurrentCleanMs = await perInstance(bulkPhases.concurrentClean, cleanAll);
    const concurrentSetupMs = await perInstance(bulkPhases.concurrentSetup, () =>
      Promise.all(requests.map((request) => net.setupInstance(request))),
    );
    await cleanAll();
    const sequentialSetupMs = await perInstance(bulkPhases.sequentialSetup, async () => {
      for (const request of requests) await net.setupInstance(request);
    });
    await cleanAll();
    const leftovers = findLeftovers({ before: baseline, after: await readState() });
    checks.push(
      checkNoLeftovers({ scope, label: 'netcore leaves nothing behind after the bulk teardown', leftovers }),
    );
    return {
      count,
      bulkSetupMs,
      reapplyMs,
      concurrentCleanMs,
      concurrentSetupMs,
      sequentialSetupMs,
      leftovers,
      checks,
      trace,
    };
  } finally {
    await cleanAll();
    await net.cleanNode({ nodeId: node.name });
    net.close();
  }
};
