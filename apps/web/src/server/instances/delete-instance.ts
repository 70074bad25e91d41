import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { toWebError, WebError } from '../errors/web-error.js';
import { timePhase } from '../http/server-timing.js';
import { connectAgent, nodeRecordSelect } from '../nodes/node-queries.js';
import { recordPendingChange } from '../nodes/pending-changes.js';
import { refuseRuntimeOwned } from './runtime-owned.js';

export const ZInstanceIdRequest = z.object({ instanceId: ZId });
export type TInstanceIdRequest = z.output<typeof ZInstanceIdRequest>;

/**
 * Deletes an instance: its agent removes the namespace, veth and port mappings, then the record goes and
 * its address is free again. If the agent fails, the instance stays as `deleting` (its address still
 * held) and the node finishes the deletion when it is re-applied. A CNI instance is refused: its runtime
 * removes it when the container stops.
 */
export const deleteInstance = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TInstanceIdRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'instance.delete',
    targetType: 'instance',
    targetId: request.instanceId,
    work: async (note) => {
      const { instanceId } = request;
      const instance = await timePhase({
        phase: 'db',
        work: () =>
          // With its node: one query.
          deps.db.instance.findUnique({
            where: { id: instanceId },
            select: {
              nodeId: true,
              ipAddr: true,
              source: true,
              runtime: true,
              node: { select: nodeRecordSelect },
            },
          }),
      });
      if (!instance)
        throw new WebError({
          code: 'NOT_FOUND',
          field: 'instanceId',
          message: `no instance '${instanceId}'`,
        });
      refuseRuntimeOwned({ instanceId, instance, change: 'delete' });
      note.details = { nodeId: instance.nodeId, ipAddr: instance.ipAddr };
      const { node } = instance;
      await timePhase({
        phase: 'db',
        work: () =>
          deps.db.instance.update({
            where: { id: instanceId },
            data: { status: 'deleting', changeOwner: deps.changeOwner },
            select: { id: true },
          }),
      });
      return deps.nodeLock.runOnItem({
        key: node.id,
        item: instanceId,
        work: async () => {
          try {
            await timePhase({
              phase: 'agent',
              work: () => connectAgent({ deps, node }).cleanInstance({ instanceId }),
            });
          } catch (error) {
            const webError = toWebError(error, {
              nodeId: node.id,
              operation: 'cleanInstance',
              request: 'instance.delete',
            });
            await deps.db.instance.update({
              where: { id: instanceId },
              data: { statusReason: webError.message },
            });
            await recordPendingChange({
              deps,
              nodeId: node.id,
              subjectId: node.id,
              kind: 'reapplyNode',
              error,
            });
            throw webError;
          }
          await timePhase({
            phase: 'db',
            work: () => deps.db.instance.delete({ where: { id: instanceId } }),
          });
          return { instanceId, releasedIpAddr: instance.ipAddr };
        },
      });
    },
  });
