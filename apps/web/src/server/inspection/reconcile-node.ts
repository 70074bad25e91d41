import { ZId } from '@kudo/netcore';
import { z } from 'zod';
import type { AgentConnection, AgentOperation } from '../agents/agent-gateway.js';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { parseRequest } from '../errors/parse-request.js';
import { toWebError, WebError } from '../errors/web-error.js';
import type { PublicDriftItem } from './drift-items.js';
import { diffNodeLocked } from './inspect-node.js';

export const ZReconcileRequest = z.object({
  nodeId: ZId,
  /** One drift item (from inspection); all of them when omitted. */
  itemId: z.string().max(64).optional(),
});
export type TReconcileRequest = z.input<typeof ZReconcileRequest>;

/** Fixing one item can reveal another (a re-created bridge, then its instances): a few rounds at most. */
const maxRounds = 3;

const applyFix = async ({ agent, item }: { agent: AgentConnection; item: PublicDriftItem }) => {
  const operation: AgentOperation = item.fix.operation;
  const call = agent[operation] as (input: unknown) => Promise<unknown>;
  await call(item.fix.input);
};

/** Marks instances that a fix set up as running again. */
const markInstancesRunning = async ({ deps, items }: { deps: ServiceDeps; items: PublicDriftItem[] }) => {
  const ids = items.filter((item) => item.fix.operation === 'setupInstance').map((item) => item.target);
  if (ids.length > 0)
    await deps.db.instance.updateMany({
      where: { id: { in: ids }, status: { in: ['failed', 'pending'] } },
      data: { status: 'running', statusReason: null },
    });
};

/**
 * Makes a node match the database again by running the fix of one drift item, or of all of them (until
 * none is left or a few rounds have passed). Returns what was fixed and what drift remains.
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
      const { nodeId, itemId } = parseRequest({ schema: ZReconcileRequest, input: request });
      return deps.nodeLock.run({
        key: nodeId,
        work: async () => {
          const fixed: PublicDriftItem[] = [];
          let { agent, items } = await diffNodeLocked({ deps, nodeId });
          if (itemId) {
            const item = items.find((candidate) => candidate.id === itemId);
            if (!item)
              throw new WebError({
                code: 'NOT_FOUND',
                field: 'itemId',
                message: `node ${nodeId} has no drift item ${itemId} (any more): inspect it again`,
              });
            items = [item];
          }
          for (let round = 1; items.length > 0 && round <= maxRounds; round += 1) {
            for (const item of items) {
              await applyFix({ agent, item }).catch((error: unknown) => {
                throw toWebError(error, { nodeId, operation: `${item.fix.operation} (${item.detail})` });
              });
              fixed.push(item);
            }
            await markInstancesRunning({ deps, items });
            ({ items } = await diffNodeLocked({ deps, nodeId }));
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
