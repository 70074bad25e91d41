import type { AgentConnection } from '../agents/agent-gateway.js';
import type { ServiceDeps } from '../deps.js';
import { describeError, toWebError, WebError } from '../errors/web-error.js';
import { startProgress } from '../events/operation-progress.js';
import { delegateCniRange } from './delegate-cni-range.js';
import { type InstanceRecord, type NodeRecord, toNodeRequest, toSetupInstanceRequest } from './node-model.js';
import { connectAgent, readInstances, readNodeRecord, readPeers } from './node-queries.js';
import { clearPendingChange, recordPendingChange } from './pending-changes.js';

type Context = { deps: ServiceDeps; node: NodeRecord; agent: AgentConnection };

/** Finishes deletions that did not complete: the agent cleans the instance, then its record goes. */
const finishDeletions = async ({
  deps,
  node,
  agent,
  instances,
}: Context & { instances: InstanceRecord[] }) => {
  const failures: string[] = [];
  for (const instance of instances)
    try {
      await agent.cleanInstance({ instanceId: instance.id });
      await deps.db.instance.delete({ where: { id: instance.id } });
    } catch (error) {
      failures.push(
        `${instance.id}: ${describeError(toWebError(error, { nodeId: node.id, operation: 'cleanInstance' }))}`,
      );
    }
  return failures;
};

/** Sets up one instance and records the outcome on it; returns the failure, if any. */
const applyInstance = async ({ deps, node, agent, instance }: Context & { instance: InstanceRecord }) => {
  try {
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
    return undefined;
  } catch (error) {
    const reason = describeError(toWebError(error, { nodeId: node.id, operation: 'setupInstance' }));
    await deps.db.instance.update({
      where: { id: instance.id },
      data: { status: 'failed', statusReason: reason },
    });
    return `${instance.id}: ${reason}`;
  }
};

/**
 * Sets up every wanted instance of the node in one bulk call (setupInstances: all or nothing). If the
 * agent refuses the bulk call, instances are applied one by one, so only the faulty ones end up failed.
 */
const applyInstances = async ({
  deps,
  node,
  agent,
  instances,
}: Context & { instances: InstanceRecord[] }) => {
  if (instances.length === 0) return [];
  try {
    const { namespaces } = await agent.setupInstances({
      nodeId: node.id,
      nodeIpAddr: node.nodeIpAddr,
      instances: instances.map((instance) => {
        const { instanceId, instanceIpCidr, ports } = toSetupInstanceRequest({ node, instance });
        return { instanceId, instanceIpCidr, ports };
      }),
    });
    for (const { instanceId, namespaceName } of namespaces)
      await deps.db.instance.update({
        where: { id: instanceId },
        data: { status: 'running', statusReason: null, namespaceName },
      });
    return [];
  } catch (error) {
    const webError = toWebError(error, { nodeId: node.id, operation: 'setupInstances' });
    if (webError.code === 'AGENT_UNREACHABLE') throw webError;
    const failures: string[] = [];
    for (const instance of instances) {
      const failure = await applyInstance({ deps, node, agent, instance });
      if (failure) failures.push(failure);
    }
    return failures;
  }
};

/**
 * Whether an instance is being created right now. Its row is written `pending` before its creation takes
 * the node's lock (which the re-apply holds), and its creation then sets it up: setting it up here would
 * make the creation find it running and report a false conflict. (Rows left `pending` by a stopped control
 * plane are turned `failed` at its next start, so they are re-applied.)
 */
const isBeingCreated = ({ status }: Pick<InstanceRecord, 'status'>) => status === 'pending';

/**
 * Converges a node to the database: its bridge and rules with routes to every other node (setupNode), the
 * range it allocates CNI addresses from (cni.setRange),
 * every instance with its port mappings (setupInstances), and the deletions that did not finish. Every
 * call is idempotent, so this is what a reboot, a retry and a pending re-apply run. The caller holds the
 * node's lock. Instances being created are left to their creation (see `isBeingCreated`). Any failure is
 * recorded as a pending re-apply (retried later) and thrown; instances that could not be applied are
 * marked failed with the reason.
 */
export const reapplyNodeLocked = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  if (node.removeRequestedAt)
    throw new WebError({
      code: 'PRECONDITION_FAILED',
      field: 'nodeId',
      message: `node ${nodeId} is being removed: it is not re-applied`,
    });
  const [peers, recorded] = await Promise.all([
    readPeers({ db: deps.db, nodeId }),
    readInstances({ db: deps.db, nodeId }),
  ]);
  const instances = recorded.filter((instance) => !isBeingCreated(instance));
  const agent = connectAgent({ deps, node });
  const context = { deps, node, agent };
  try {
    const progress = startProgress({
      total: 2,
      what: `setting up ${nodeId} with routes to ${peers.length} nodes`,
    });
    await agent.setupNode({
      nodeId: node.id,
      nodeIpCidr: toNodeRequest(node).nodeIp.clusterIpCidr,
      nodesIps: peers.map(toNodeRequest),
    });
    await delegateCniRange({ agent, node });
    progress.advance({ what: `setting up its ${instances.length} instances` });
    const failures = [
      ...(await finishDeletions({
        ...context,
        instances: instances.filter(({ status }) => status === 'deleting'),
      })),
      ...(await applyInstances({
        ...context,
        instances: instances.filter(({ status }) => status !== 'deleting'),
      })),
    ];
    progress.advance({
      what: `${instances.length - failures.length} of ${instances.length} instances set up`,
    });
    if (failures.length > 0)
      throw new WebError({
        code: 'AGENT_FAILED',
        nodeId,
        message: `node ${nodeId} re-applied, but not these instances: ${failures.join('; ')}`,
      });
  } catch (error) {
    const webError = toWebError(error, { nodeId, operation: 'setupNode' });
    await recordPendingChange({ deps, nodeId, subjectId: nodeId, kind: 'reapplyNode', error: webError });
    throw webError;
  }
  await clearPendingChange({ deps, nodeId, subjectId: nodeId });
  return { instanceCount: instances.length };
};
