import type { Lab, LabNode } from '@kudo/netcore/lab';
import type { CommandTrace } from '../command-trace.js';
import { type Check, checkTraffic } from '../correctness.js';
import {
  countLeftovers,
  describeLeftovers,
  findLeftovers,
  type Leftovers,
  readNodeState,
} from '../leftovers.js';
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
  concurrentSetupMs: number;
  reapplyMs: number;
  concurrentCleanMs: number;
  sequentialSetupMs: number;
  leftovers: Leftovers;
  checks: Check[];
  trace: CommandTrace;
};

/**
 * A node reboot brings all its instances back at once. Without a bulk API that is N setupInstance calls:
 * fired together (netcore queues them per node) or one after another; plus the idempotent re-run of all of
 * them on a node that already has them (an agent restart), and removing them all at once.
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
  const perInstance = async (name: string, work: () => Promise<unknown>) =>
    (await measureMs(() => trace.traced({ name, work }))).ms / count;
  const setupAll = () => Promise.all(requests.map((request) => net.setupInstance(request)));
  const cleanAll = () =>
    Promise.all(instances.map((instance) => net.cleanInstance({ instanceId: instance.id })));
  const scope = `bulk N=${count}`;
  await setupNetcoreNode({ net, node });
  try {
    const baseline = await readNodeState({ nodeNamespace: node.namespace, labPrefix: lab.prefix });
    const concurrentSetupMs = await perInstance('bulk setupInstance', setupAll);
    const checks = await checkTraffic({
      scope,
      instances: instances.map((instance, index) => ({
        name: instance.id,
        namespace: net.getNamespaceName(instance.id),
        ipAddr: requests[index]?.instanceIpCidr.split('/')[0] ?? '',
        hostPort: instance.hostPort,
        instancePort: instance.instancePort,
      })),
      gatewayAddr: netcoreNode({ node }).nodeIpAddr,
      nodeAddr: node.externalIpAddr,
      outside: lab.outside,
    });
    const reapplyMs = await perInstance('bulk re-apply', setupAll);
    const concurrentCleanMs = await perInstance('bulk cleanInstance', cleanAll);
    const sequentialSetupMs = await perInstance('sequential setupInstance', async () => {
      for (const request of requests) await net.setupInstance(request);
    });
    await cleanAll();
    const leftovers = findLeftovers({
      before: baseline,
      after: await readNodeState({ nodeNamespace: node.namespace, labPrefix: lab.prefix }),
    });
    checks.push({
      scope,
      label: 'netcore leaves nothing behind after the bulk teardown',
      isOk: countLeftovers(leftovers) === 0,
      detail: describeLeftovers(leftovers),
    });
    return {
      count,
      concurrentSetupMs,
      reapplyMs,
      concurrentCleanMs,
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
