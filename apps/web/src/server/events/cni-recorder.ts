import type { Logger } from 'pino';
import type { AgentConnection, AgentOperationEvent } from '../agents/agent-gateway.js';
import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import { reconcileCniAttachments, ZCniAttachment } from './cni-attachments.js';

const cniOperations = new Set(['cniAdd', 'cniDel']);

/**
 * Keeps one node's `cni` instances what its agent lists: at every connection of its event stream (what
 * was missed while it was down) and after every `cniAdd` or `cniDel` that ended. The event says that
 * something changed; the agent's list says what is true now. Replaying the event inputs instead would
 * bring back, for a moment and in the audit log, containers long gone: an agent sends its whole history
 * to a new follower. One reconciliation at a time; a burst of events asks for one more, not one each.
 */
export const createCniRecorder = ({
  deps,
  nodeId,
  agent,
  log,
}: {
  deps: Pick<ServiceDeps, 'db' | 'events'>;
  nodeId: string;
  agent: Pick<AgentConnection, 'listCniAttachments'>;
  log: Logger;
}) => {
  let queue: Promise<unknown> = Promise.resolve();
  let isQueued = false;

  const reconcile = () => {
    if (isQueued) return;
    isQueued = true;
    queue = queue
      .then(async () => {
        isQueued = false;
        const { attachments } = await agent.listCniAttachments();
        const outcome = await reconcileCniAttachments({
          deps,
          nodeId,
          attachments: attachments.map((attachment) => ZCniAttachment.parse(attachment)),
        });
        if (outcome.added + outcome.removed > 0) log.info(outcome, 'CNI attachments recorded');
      })
      .catch((error: unknown) => {
        log.warn({ error: describeError(error) }, "could not record the agent's CNI attachments");
      });
  };

  /** A CNI operation that ended (finished, or failed and undone by the agent) changed the attachments. */
  const observe = (event: AgentOperationEvent) => {
    if (cniOperations.has(event.operation) && event.phase !== 'started') reconcile();
  };

  return {
    observe,
    reconcile,
    /** Resolves when every reconciliation asked for so far is done. */
    whenIdle: async () => {
      for (let seen = queue; ; seen = queue) {
        await seen;
        if (seen === queue) return;
      }
    },
  };
};
