import type { ServiceDeps } from '../deps.js';
import { describeError, toWebError, WebError } from '../errors/web-error.js';
import { toNodeRequest, toSetupInstanceRequest } from './node-model.js';
import { connectAgent, readInstances, readNodeRecord, readPeers } from './node-queries.js';
import { clearPendingChange, recordPendingChange } from './pending-changes.js';

/**
 * Converges a node to the database: its bridge and rules with routes to every other node (setupNode),
 * then each instance (setupInstance with its port mappings), and the deletion of instances whose deletion
 * did not finish. Every call is idempotent, so this is what a reboot, a retry and "reconcile all" run.
 * The caller holds the node's lock. Any failure is recorded as a pending re-apply (retried later) and
 * thrown; instances that could not be applied are marked failed with the reason.
 */
export const reapplyNodeLocked = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  const [peers, instances] = await Promise.all([
    readPeers({ db: deps.db, nodeId }),
    readInstances({ db: deps.db, nodeId }),
  ]);
  const agent = connectAgent({ deps, node });
  try {
    await agent.setupNode({
      nodeId: node.id,
      nodeIpCidr: toNodeRequest(node).nodeIp.clusterIpCidr,
      nodesIps: peers.map(toNodeRequest),
    });
  } catch (error) {
    await recordPendingChange({ deps, nodeId, subjectId: nodeId, kind: 'reapplyNode', error });
    throw toWebError(error, { nodeId, operation: 'setupNode' });
  }
  const failures: string[] = [];
  for (const instance of instances) {
    try {
      if (instance.status === 'deleting') {
        await agent.cleanInstance({ instanceId: instance.id });
        await deps.db.instance.delete({ where: { id: instance.id } });
        continue;
      }
      const result = await agent.setupInstance(toSetupInstanceRequest({ node, instance }));
      await deps.db.instance.update({
        where: { id: instance.id },
        data: {
          status: 'running',
          statusReason: null,
          namespaceName: result.namespaceName,
          interfaceName: result.interfaceName,
          hostInterfaceName: result.hostInterfaceName,
        },
      });
    } catch (error) {
      const operation = instance.status === 'deleting' ? 'cleanInstance' : 'setupInstance';
      const reason = describeError(toWebError(error, { nodeId, operation }));
      failures.push(`${instance.id}: ${reason}`);
      if (instance.status !== 'deleting')
        await deps.db.instance.update({
          where: { id: instance.id },
          data: { status: 'failed', statusReason: reason },
        });
    }
  }
  if (failures.length > 0) {
    const error = new WebError({
      code: 'AGENT_FAILED',
      nodeId,
      message: `node ${nodeId} re-applied, but not these instances: ${failures.join('; ')}`,
    });
    await recordPendingChange({ deps, nodeId, subjectId: nodeId, kind: 'reapplyNode', error });
    throw error;
  }
  await clearPendingChange({ deps, nodeId, subjectId: nodeId });
  return { instanceCount: instances.length };
};
