import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { describeError, toWebError, WebError } from '../errors/web-error.js';
import { startProgress } from '../events/operation-progress.js';
import { revokeAgentCertificates } from '../pki/agent-certificates.js';
import { announceToPeers } from './announce-to-peers.js';
import { connectAgent, readNodeRecord, readPeers } from './node-queries.js';
import { saveNodeStatus } from './node-status.js';

export const ZRemoveNodeRequest = z.object({
  nodeId: ZId,
  /**
   * Also delete the node's instances, and drop the node even if its own agent cannot clean it
   * (a dead machine). Without it, a node with instances is refused.
   */
  force: z.boolean().default(false),
});
export type TRemoveNodeRequest = z.output<typeof ZRemoveNodeRequest>;

/**
 * Removes a node: (with force) its instances, then its route and rules on every other node, then its own
 * bridge and rules. Peers that cannot be told get a pending change, applied when they answer again, and
 * are degraded until then (they still route to the node). If the node's own cleanup fails (without
 * force), it stays, degraded, until a retry completes the removal.
 */
export const removeNode = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TRemoveNodeRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'node.remove',
    targetType: 'node',
    targetId: request.nodeId,
    details: { force: request.force ?? false },
    work: async (note) => {
      const { nodeId, force } = request;
      const node = await readNodeRecord({ db: deps.db, nodeId });
      const instances = await deps.db.instance.findMany({ where: { nodeId }, select: { id: true } });
      if (instances.length > 0 && !force)
        throw new WebError({
          code: 'PRECONDITION_FAILED',
          field: 'force',
          message: `node ${nodeId} still has ${instances.length} instance(s) (${instances
            .map(({ id }) => id)
            .join(', ')}): delete them first, or remove the node with force`,
        });
      await deps.db.node.update({ where: { id: nodeId }, data: { removeRequestedAt: new Date() } });
      const failures: string[] = [];
      const agent = connectAgent({ deps, node });

      await deps.nodeLock.run({
        key: nodeId,
        work: async () => {
          for (const { id } of instances) {
            await agent.cleanInstance({ instanceId: id }).catch((error: unknown) => {
              failures.push(toWebError(error, { nodeId, operation: `cleanInstance(${id})` }).message);
            });
            await deps.db.instance.delete({ where: { id } });
          }
        },
      });
      const peers = await readPeers({ db: deps.db, nodeId });
      const progress = startProgress({
        total: peers.length + 1,
        what: `withdrawing ${nodeId} from ${peers.length} nodes`,
      });
      const announced = await announceToPeers({
        deps,
        node,
        peers,
        operation: 'deleteNodeInCluster',
        onProgress: ({ peer }) =>
          progress.advance({
            what: peer.isAnnounced
              ? `withdrawn from ${peer.nodeId}`
              : `withdrawal from ${peer.nodeId} failed: kept as a pending change`,
          }),
      });
      failures.push(...announced.failures);
      const isCleaned = await deps.nodeLock.run({
        key: nodeId,
        work: () =>
          agent.cleanNode({ nodeId }).then(
            () => true,
            (error: unknown) => {
              failures.push(toWebError(error, { nodeId, operation: 'cleanNode' }).message);
              return false;
            },
          ),
      });
      progress.advance({ what: isCleaned ? `cleaned ${nodeId}` : `could not clean ${nodeId}` });
      note.details.failures = failures;
      if (!isCleaned && !force) {
        await saveNodeStatus({
          deps,
          nodeId,
          status: 'degraded',
          reason: `removal did not finish: ${failures.join('; ')}`,
        });
        throw new WebError({
          code: 'AGENT_FAILED',
          nodeId,
          message: `node ${nodeId} could not clean itself (${failures.join('; ')}); retry the removal, or force it`,
        });
      }
      // Its certificate goes with it: an agent still showing it is refused from now on.
      await deps.db.$transaction(async (tx) => {
        await tx.node.delete({ where: { id: nodeId } });
        await revokeAgentCertificates({ db: tx, nodeId, reason: 'the node was removed' });
      });
      return { nodeId, isRemoved: true, failures: failures.map(describeError) };
    },
  });
