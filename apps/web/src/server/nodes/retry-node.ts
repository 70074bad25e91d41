import type { ZNodeIdRequest } from '@kudo/netcore';
import type { z } from 'zod';
import { type Actor, runAudited } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import { checkNode } from './check-node.js';
import { readNodeRecord } from './node-queries.js';
import { runPendingChanges } from './pending-changes.js';
import { reapplyNodeLocked } from './reapply-node.js';

/**
 * Completes what a partial failure left undone for a node: the changes its own agent still has to
 * receive, and those other nodes still have to receive about it. Then checks the node and returns its
 * status. (A removal that did not finish is retried by removing again.)
 */
export const retryNode = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: z.output<typeof ZNodeIdRequest>;
}) =>
  runAudited({
    deps,
    actor,
    action: 'node.retry',
    targetType: 'node',
    targetId: request.nodeId,
    work: async (note) => {
      const { nodeId } = request;
      const node = await readNodeRecord({ db: deps.db, nodeId });
      if (node.removeRequestedAt)
        throw new WebError({
          code: 'PRECONDITION_FAILED',
          field: 'nodeId',
          message: `node ${nodeId} is being removed: remove it again to finish (with force for a dead machine)`,
        });
      const targets = await deps.db.pendingChange.findMany({
        where: { OR: [{ nodeId }, { subjectId: nodeId }] },
        select: { nodeId: true },
        distinct: ['nodeId'],
      });
      const results = await Promise.all(
        targets.map(({ nodeId: target }) =>
          deps.nodeLock.run({
            key: target,
            work: () =>
              runPendingChanges({
                deps,
                nodeId: target,
                reapply: () => reapplyNodeLocked({ deps, nodeId: target }),
              }),
          }),
        ),
      );
      note.details = { pendingLeft: results.reduce((sum, { left }) => sum + left, 0) };
      return checkNode({ deps, nodeId });
    },
  });
