import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import type { AgentConnection, AgentOperation } from '../agents/agent-gateway.js';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { toWebError, WebError } from '../errors/web-error.js';
import { startProgress } from '../events/operation-progress.js';
import type { PublicDriftItem } from './drift-items.js';
import { diffNodeLocked } from './inspect-node.js';

export const ZReconcileRequest = z.object({
  nodeId: ZId,
  /** One drift item (from inspection); all of them when omitted. */
  itemId: z.string().max(64).optional(),
});
export type TReconcileRequest = z.output<typeof ZReconcileRequest>;

/** Fixing one item can reveal another (a re-created bridge, then its instances): a few rounds at most. */
const maxRounds = 3;

const applyFix = async ({ agent, item }: { agent: AgentConnection; item: PublicDriftItem }) => {
  const operation: AgentOperation = item.fix.operation;
  const call = agent[operation] as (input: unknown) => Promise<unknown>;
  await call(item.fix.input);
};

/**
 * Marks failed instances that a fix set up as running again. Only failed ones: a `pending` instance is
 * being created (see `isAboutInstanceInCreation`), and its creation records the outcome.
 */
const markInstancesRunning = async ({ deps, items }: { deps: ServiceDeps; items: PublicDriftItem[] }) => {
  const ids = items.filter((item) => item.fix.operation === 'setupInstance').map((item) => item.target);
  if (ids.length > 0)
    await deps.db.instance.updateMany({
      where: { id: { in: ids }, status: 'failed' },
      data: { status: 'running', statusReason: null },
    });
};

/**
 * Whether an item is about an instance being created right now. Its row is written `pending` before its
 * creation takes the node's lock (which the reconcile holds), and its creation then sets it up: a fix of
 * ours would race it (the creation would find it running and report a conflict).
 */
const isAboutInstanceInCreation = ({
  item,
  creatingIds,
}: {
  item: PublicDriftItem;
  creatingIds: ReadonlySet<string>;
}) => (item.resource === 'instance' || item.resource === 'port-mappings') && creatingIds.has(item.target);

/** The node's drift, and the part of it a reconcile may fix (all but what creations in flight will do). */
const diffForReconcile = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const { agent, items, instances } = await diffNodeLocked({ deps, nodeId });
  const creatingIds = new Set(instances.filter(({ status }) => status === 'pending').map(({ id }) => id));
  const fixable = items.filter((item) => !isAboutInstanceInCreation({ item, creatingIds }));
  return { agent, items, fixable };
};

/**
 * Makes a node match the database again by running the fix of one drift item, or of all of them (until
 * none is left or a few rounds have passed). Instances being created are left to their creation. Returns
 * what was fixed and what drift remains.
 */
export const reconcileNode = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TReconcileRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'inspection.reconcile',
    targetType: 'node',
    targetId: request.nodeId,
    details: { itemId: request.itemId ?? 'all' },
    work: async (note) => {
      const { nodeId, itemId } = request;
      return deps.nodeLock.run({
        key: nodeId,
        work: async () => {
          const fixed: PublicDriftItem[] = [];
          let { agent, items, fixable } = await diffForReconcile({ deps, nodeId });
          if (itemId) {
            const item = items.find((candidate) => candidate.id === itemId);
            if (!item)
              throw new WebError({
                code: 'NOT_FOUND',
                field: 'itemId',
                message: `node ${nodeId} has no drift item ${itemId} (any more): inspect it again`,
              });
            if (!fixable.includes(item))
              throw new WebError({
                code: 'PRECONDITION_FAILED',
                field: 'itemId',
                message: `instance ${item.target} is being created: its creation sets it up`,
              });
            fixable = [item];
          }
          for (let round = 1; fixable.length > 0 && round <= maxRounds; round += 1) {
            const progress = startProgress({
              total: fixable.length,
              what: `fixing ${fixable.length} drift items`,
            });
            for (const item of fixable) {
              await applyFix({ agent, item }).catch((error: unknown) => {
                throw toWebError(error, { nodeId, operation: `${item.fix.operation} (${item.detail})` });
              });
              fixed.push(item);
              progress.advance({ what: `fixed ${item.resource} ${item.target}: ${item.detail}` });
            }
            await markInstancesRunning({ deps, items: fixable });
            ({ items, fixable } = await diffForReconcile({ deps, nodeId }));
            if (itemId) break;
          }
          note.details.fixed = fixed.map(
            ({ resource, target, detail }) => `${resource} ${target}: ${detail}`,
          );
          return { nodeId, fixed, remaining: items };
        },
      });
    },
  });
