import { ZId, ZPorts } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import { readUniqueViolation } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import { isRefusal, toWebError, WebError } from '../errors/web-error.js';
import { publicInstanceSelect } from '../instances/instance-model.js';
import { refuseRuntimeOwned } from '../instances/runtime-owned.js';
import { connectAgent, readNodeRecord } from '../nodes/node-queries.js';
import { recordPendingChange } from '../nodes/pending-changes.js';
import { findPortConflict } from './port-conflicts.js';

export const ZSetPortMappingsRequest = z.object({ instanceId: ZId, ports: ZPorts });
export type TSetPortMappingsRequest = z.output<typeof ZSetPortMappingsRequest>;

type Mapping = { hostPort: number; instancePort: number; protocol: string };

/**
 * Replaces an instance's mappings in the database, in one transaction. Host ports another instance of the
 * node maps are refused here, before the agent hears of it (the unique constraint settles races).
 */
const replaceMappings = async ({
  deps,
  instanceId,
  nodeId,
  ports,
}: {
  deps: ServiceDeps;
  instanceId: string;
  nodeId: string;
  ports: readonly Mapping[];
}) => {
  try {
    await deps.db.$transaction(async (tx) => {
      await deps.nodeLock.serializeAllocation({ tx, key: `node:${nodeId}` });
      const taken = await tx.portMapping.findMany({
        where: { nodeId },
        select: { protocol: true, hostPort: true, instanceId: true },
      });
      const conflict = findPortConflict({
        ports: ports.map((port) => ({ ...port, protocol: port.protocol as 'tcp' | 'udp' })),
        taken,
        instanceId,
        nodeId,
      });
      if (conflict) throw conflict;
      await tx.portMapping.deleteMany({ where: { instanceId } });
      await tx.portMapping.createMany({ data: ports.map((port) => ({ ...port, instanceId, nodeId })) });
    });
  } catch (error) {
    if (!readUniqueViolation(error)) throw error;
    throw new WebError({
      code: 'CONFLICT',
      field: 'ports',
      message: `a host port of this request was just mapped on node ${nodeId} by another request`,
    });
  }
};

/**
 * Changes a running instance's port mappings to exactly `ports` (netcore's setPortMappings converges them
 * in one iptables transaction). If the agent refuses, the previous mappings are restored in the database;
 * if it cannot be reached, the new ones stay wanted and the node re-applies them later.
 */
export const setPortMappings = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TSetPortMappingsRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'portMapping.set',
    targetType: 'instance',
    targetId: request.instanceId,
    details: { ports: request.ports },
    work: async () => {
      const { instanceId, ports } = request;
      const instance = await deps.db.instance.findUnique({
        where: { id: instanceId },
        select: {
          nodeId: true,
          status: true,
          source: true,
          runtime: true,
          portMappings: { select: { hostPort: true, instancePort: true, protocol: true } },
        },
      });
      if (!instance)
        throw new WebError({
          code: 'NOT_FOUND',
          field: 'instanceId',
          message: `no instance '${instanceId}'`,
        });
      refuseRuntimeOwned({ instanceId, instance, change: 'ports' });
      if (instance.status === 'deleting' || instance.status === 'pending')
        throw new WebError({
          code: 'PRECONDITION_FAILED',
          field: 'instanceId',
          message: `instance '${instanceId}' is ${instance.status === 'deleting' ? 'being deleted' : 'being created'}`,
        });
      const node = await readNodeRecord({ db: deps.db, nodeId: instance.nodeId });
      await replaceMappings({ deps, instanceId, nodeId: node.id, ports });
      return deps.nodeLock.run({
        key: node.id,
        work: async () => {
          try {
            await connectAgent({ deps, node }).setPortMappings({ instanceId, ports });
          } catch (error) {
            const webError = toWebError(error, {
              nodeId: node.id,
              operation: 'setPortMappings',
              request: 'portMapping.set',
            });
            if (webError.agentCode && isRefusal(webError.agentCode))
              await replaceMappings({ deps, instanceId, nodeId: node.id, ports: instance.portMappings });
            else
              await recordPendingChange({
                deps,
                nodeId: node.id,
                subjectId: node.id,
                kind: 'reapplyNode',
                error,
              });
            throw webError;
          }
          return deps.db.instance.findUniqueOrThrow({
            where: { id: instanceId },
            select: publicInstanceSelect,
          });
        },
      });
    },
  });
