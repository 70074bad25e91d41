import type { DriftItem } from '@kudo/netcore';
import { recordAudit, systemActor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import type { NodeStatus } from './node-model.js';
import { describePendingChanges } from './pending-changes.js';

export type NodeObservation = {
  /** Why the agent could not be reached; undefined when it answered. */
  unreachableReason?: string;
  /** A problem that makes the node unusable even though its agent answers (e.g. it reports another node id). */
  problem?: string;
  isBeingRemoved: boolean;
  pendingChanges: readonly { nodeId: string; subjectId: string; kind: string; lastError: string | null }[];
  problemInstances: readonly { id: string; status: string; statusReason: string | null }[];
  /** Drift items of the node; undefined when it was not inspected. */
  drift?: readonly Pick<DriftItem, 'resource' | 'target' | 'detail'>[];
};

const listShort = (items: readonly string[], max = 3) =>
  items.length > max ? `${items.slice(0, max).join('; ')}; and ${items.length - max} more` : items.join('; ');

/**
 * A node's status with its reason, from what was observed. The first problem wins, in this order:
 * unreachable, degraded (something the control plane asked for is not done), drifted (the kernel differs
 * from the database), ready.
 */
export const decideNodeStatus = (
  observation: NodeObservation,
): { status: NodeStatus; reason: string | null } => {
  if (observation.unreachableReason !== undefined)
    return { status: 'unreachable', reason: observation.unreachableReason };
  if (observation.problem) return { status: 'degraded', reason: observation.problem };
  const problems = [
    ...(observation.isBeingRemoved ? ['removal did not finish; retry it'] : []),
    ...(observation.pendingChanges.length > 0 ? [describePendingChanges(observation.pendingChanges)] : []),
    ...observation.problemInstances.map(
      ({ id, status, statusReason }) =>
        `instance ${id} is ${status === 'deleting' ? 'not fully deleted' : status}${statusReason ? ` (${statusReason})` : ''}`,
    ),
  ];
  if (problems.length > 0) return { status: 'degraded', reason: listShort(problems) };
  if (observation.drift && observation.drift.length > 0)
    return {
      status: 'drifted',
      reason: `${observation.drift.length} drift item(s): ${listShort(
        observation.drift.map(({ resource, target, detail }) => `${resource} ${target}: ${detail}`),
      )}`,
    };
  return { status: 'ready', reason: null };
};

/** Stores a node's status; a change of status (not of reason alone) is an audit entry and an event. */
export const saveNodeStatus = async ({
  deps,
  nodeId,
  status,
  reason,
}: {
  deps: ServiceDeps;
  nodeId: string;
  status: NodeStatus;
  reason: string | null;
}) => {
  const before = await deps.db.node.findUnique({ where: { id: nodeId }, select: { status: true } });
  if (!before) return;
  await deps.db.node.update({ where: { id: nodeId }, data: { status, statusReason: reason } });
  if (before.status !== status)
    await recordAudit({
      deps,
      record: {
        actor: systemActor,
        action: 'node.status',
        targetType: 'node',
        targetId: nodeId,
        result: status === 'ready' ? 'ok' : 'error',
        error: reason ?? undefined,
        details: { from: before.status, to: status },
        durationMs: 0,
      },
    });
};
