import { type TPort, ZId, ZIpv4Addr, ZPorts } from '@kudo/netcore';
import { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import { readUniqueViolation } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import { isAgentRefusal, toWebError, WebError } from '../errors/web-error.js';
import { timePhase } from '../http/server-timing.js';
import { findFreeInstanceAddress, validateRequestedAddress } from '../ipam/ipam.js';
import { toSetupInstanceRequest } from '../nodes/node-model.js';
import { connectAgent, readNodeAllocations } from '../nodes/node-queries.js';
import { saveNodeStatus } from '../nodes/node-status.js';
import { recordPendingChange } from '../nodes/pending-changes.js';
import { findPortConflict } from '../port-mappings/port-conflicts.js';
import { publicInstanceFieldsSelect, publicInstanceSelect } from './instance-model.js';

export const ZCreateInstanceRequest = z.object({
  nodeId: ZId,
  /** Unique in the cluster; names the instance's namespace. */
  instanceId: ZId,
  /** An address of the node's subnet; by default the lowest free one. */
  ipAddr: ZIpv4Addr.optional(),
  ports: ZPorts.default([]),
});
/** What the service takes: the request as the router parsed it (defaults applied). */
export type TCreateInstanceRequest = z.output<typeof ZCreateInstanceRequest>;

const maxAllocationAttempts = 20;

/**
 * Allocates the instance's address and records it with its port mappings, in one transaction. The unique
 * address and (node, protocol, host port) constraints settle concurrent requests: an address is never
 * handed out twice, a host port never mapped twice, and a conflict is refused before any agent is called.
 */
const allocateInstance = async ({
  deps,
  nodeId,
  instanceId,
  ipAddr: requestedAddr,
  ports,
}: {
  deps: ServiceDeps;
  nodeId: string;
  instanceId: string;
  ipAddr?: string;
  ports: TPort[];
}) => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await timePhase({
        phase: 'db',
        work: () =>
          deps.db.$transaction(async (tx) => {
            // Other control planes on the database allocate on this node only after this transaction.
            await deps.nodeLock.serializeAllocation({ tx, key: `node:${nodeId}` });
            // One read (one compiled query): the node with its addresses and the mappings of the requested
            // host ports. An instance of the same id on another node is refused by the primary key when it is
            // inserted below.
            const node = await readNodeAllocations({
              db: tx,
              nodeId,
              hostPorts: ports.map(({ hostPort }) => hostPort),
            });
            if (node.removeRequestedAt)
              throw new WebError({
                code: 'PRECONDITION_FAILED',
                field: 'nodeId',
                message: `node ${nodeId} is being removed`,
              });
            if (node.instances.some(({ id }) => id === instanceId))
              throw new WebError({
                code: 'CONFLICT',
                field: 'instanceId',
                message: `there is already an instance '${instanceId}'`,
              });
            const usedAddresses = node.instances.map(({ ipAddr }) => ipAddr);
            const ipAddr = requestedAddr
              ? validateRequestedAddress({ ipAddr: requestedAddr, subnet: node.subnet, usedAddresses })
              : findFreeInstanceAddress({ subnet: node.subnet, usedAddresses });
            if (!ipAddr)
              throw new WebError({
                code: 'CONFLICT',
                field: 'nodeId',
                message: `node ${nodeId} has no free address left in ${node.subnet}`,
              });
            const conflict = findPortConflict({ ports, taken: node.portMappings, instanceId, nodeId });
            if (conflict) throw conflict;
            // Its port mappings as the client sees them, read here once (the row returned by the insert).
            const { portMappings } = await tx.instance.create({
              data: {
                id: instanceId,
                nodeId,
                ipAddr,
                status: 'pending',
                changeOwner: deps.changeOwner,
                portMappings: { create: ports.map((port) => ({ ...port, nodeId })) },
              },
              select: { portMappings: publicInstanceSelect.portMappings },
            });
            return { node, ipAddr, portMappings };
          }),
      });
    } catch (error) {
      const columns = readUniqueViolation(error);
      if (!columns) throw error;
      if (columns.includes('hostPort'))
        throw new WebError({
          code: 'CONFLICT',
          field: 'ports',
          message: `a host port of this request was just mapped on node ${nodeId} by another request`,
        });
      if (!columns.includes('ipAddr'))
        throw new WebError({
          code: 'CONFLICT',
          field: 'instanceId',
          message: `there is already an instance '${instanceId}'`,
        });
      // A concurrent request took the address: choose again (a requested address is simply refused).
      if (requestedAddr || attempt >= maxAllocationAttempts)
        throw new WebError({
          code: 'CONFLICT',
          field: 'ipAddr',
          message: `${requestedAddr} is already used`,
        });
    }
  }
};

/**
 * Creates an instance: allocates its address, sets up its namespace, veth, address, route and port
 * mappings through the node's agent, and records it running. If the agent refuses, nothing is kept; if it
 * cannot be reached or fails midway, the instance is kept as failed and its node re-applies it later.
 */
export const createInstance = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TCreateInstanceRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'instance.create',
    targetType: 'instance',
    targetId: request.instanceId,
    details: { nodeId: request.nodeId, ipAddr: request.ipAddr, ports: request.ports },
    work: async (note) => {
      const { node, ipAddr, portMappings } = await allocateInstance({ deps, ...request });
      note.details.ipAddr = ipAddr;
      return deps.nodeLock.runOnItem({
        key: node.id,
        item: request.instanceId,
        work: async () => {
          const current = await timePhase({
            phase: 'db',
            work: () =>
              deps.db.instance.findUnique({ where: { id: request.instanceId }, select: { status: true } }),
          });
          if (current?.status !== 'pending')
            throw new WebError({
              code: 'CONFLICT',
              field: 'instanceId',
              message: `instance '${request.instanceId}' was deleted while it was being created`,
            });
          try {
            const result = await timePhase({
              phase: 'agent',
              work: () =>
                connectAgent({ deps, node }).setupInstance(
                  toSetupInstanceRequest({
                    node,
                    instance: { id: request.instanceId, ipAddr, portMappings: request.ports },
                  }),
                ),
            });
            // One statement: the port mappings are those recorded at allocation (nothing else changes
            // them while this item is locked), not read again.
            const running = await timePhase({
              phase: 'db',
              work: () =>
                deps.db.instance.update({
                  where: { id: request.instanceId },
                  data: {
                    status: 'running',
                    namespaceName: result.namespaceName,
                    interfaceName: result.interfaceName,
                    hostInterfaceName: result.hostInterfaceName,
                  },
                  select: publicInstanceFieldsSelect,
                }),
            });
            return { ...running, portMappings };
          } catch (error) {
            const isRefused = isAgentRefusal(error);
            const webError = toWebError(error, {
              nodeId: node.id,
              operation: 'setupInstance',
              request: 'instance.create',
              consequence: isRefused
                ? undefined
                : `(instance ${request.instanceId} is kept as failed and set up again when node ${node.id} answers)`,
            });
            if (isRefused) {
              await deps.db.instance.delete({ where: { id: request.instanceId } });
              throw webError;
            }
            await deps.db.instance.update({
              where: { id: request.instanceId },
              data: { status: 'failed', statusReason: webError.message },
            });
            await recordPendingChange({
              deps,
              nodeId: node.id,
              subjectId: node.id,
              kind: 'reapplyNode',
              error: webError,
            });
            await saveNodeStatus({
              deps,
              nodeId: node.id,
              status: webError.code === 'AGENT_UNREACHABLE' ? 'unreachable' : 'degraded',
              reason: webError.message,
            });
            throw webError;
          }
        },
      });
    },
  });
