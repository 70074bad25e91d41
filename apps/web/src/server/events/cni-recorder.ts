import type { Logger } from 'pino';
import type { AgentConnection, AgentOperationEvent } from '../agents/agent-gateway.js';
import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import {
  forgetCniAttachment,
  reconcileCniAttachments,
  recordCniAttachment,
  ZCniAttachment,
  ZCniDetachment,
} from './cni-attachments.js';

const cniOperations = new Set(['cniAdd', 'cniDel']);

/**
 * Turns one node's CNI operations, as its event stream tells them, into `cni` instances: a finished
 * `cniAdd` records the attachment its started event carried, a finished `cniDel` (or a failed `cniAdd`,
 * which the agent undid) forgets it. `reconcile` compares with the agent's own list (at every connection
 * of the stream, so what was missed while it was down is caught). All of it runs one step at a time, in
 * the order the events came; a step that fails is logged and the next one goes on.
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
  /** What each running CNI operation was asked, by the agent's operation id. */
  const inputs = new Map<string, unknown>();
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (what: string, step: () => Promise<unknown>) => {
    queue = queue.then(step).catch((error: unknown) => {
      log.warn({ error: describeError(error) }, `could not record ${what}`);
    });
  };

  const observe = (event: AgentOperationEvent) => {
    if (!cniOperations.has(event.operation)) return;
    if (event.phase === 'started') {
      inputs.set(event.operationId, event.input);
      return;
    }
    const input = inputs.get(event.operationId);
    inputs.delete(event.operationId);
    // Started before the stream was followed: the reconciliation of this connection covers it.
    if (input === undefined) return;
    const { durationMs } = event;
    if (event.operation === 'cniAdd' && event.phase === 'finished')
      enqueue('a CNI attachment', () =>
        recordCniAttachment({ deps, nodeId, attachment: ZCniAttachment.parse(input), durationMs }),
      );
    else if (event.operation === 'cniDel' ? event.phase === 'finished' : event.phase === 'failed')
      enqueue('the end of a CNI attachment', () =>
        forgetCniAttachment({ deps, nodeId, instanceId: ZCniDetachment.parse(input).instanceId, durationMs }),
      );
  };

  const reconcile = () =>
    enqueue("the agent's CNI attachments", async () => {
      const { attachments } = await agent.listCniAttachments();
      const outcome = await reconcileCniAttachments({
        deps,
        nodeId,
        attachments: attachments.map((attachment) => ZCniAttachment.parse(attachment)),
      });
      if (outcome.added + outcome.removed > 0) log.info(outcome, 'CNI attachments reconciled');
    });

  return {
    observe,
    reconcile,
    /** Operations whose end will never come (the agent restarted): their inputs are dropped. */
    forgetRunning: () => inputs.clear(),
    /** Resolves when every step asked for so far is done. */
    whenIdle: async () => {
      for (let seen = queue; ; seen = queue) {
        await seen;
        if (seen === queue) return;
      }
    },
  };
};
