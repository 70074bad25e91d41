import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentOperationEvent } from '../agents/agent-gateway.js';
import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import { createCniRecorder } from './cni-recorder.js';
import { toAgentOperationKey } from './operation-view.js';

/** How soon to follow a lost stream again: `baseMs` after the first failure, doubling up to `maxMs`. */
export type RetryPolicy = { baseMs: number; maxMs: number };

export const readRetryDelayMs = ({ attempt, policy }: { attempt: number; policy: RetryPolicy }) =>
  Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));

const parseAgentEventId = (id: string) => {
  const match = /^([0-9a-f]+)-(\d+)$/.exec(id);
  return match?.[1] ? { epoch: match[1], seq: Number(match[2]) } : undefined;
};

export type StreamedNode = { id: string; name: string; agentUrl: string; agentToken: string };

type StreamDeps = Pick<ServiceDeps, 'db' | 'events' | 'gateway' | 'operations' | 'logger'>;

/**
 * Follows one node's agent event stream into the operation feed, tagged with the node's name. When the
 * stream breaks it follows again after a growing delay, from the last event it relayed; events seen
 * twice (an agent that no longer has that id sends its whole history) are relayed once. When the agent
 * restarted (a new epoch in its ids), the operations it was running will never end: they are marked so.
 * Its CNI attachments become `cni` instances (see createCniRecorder).
 */
export const followNodeEvents = ({
  deps,
  node,
  retry,
}: {
  deps: StreamDeps;
  node: StreamedNode;
  retry: RetryPolicy;
}) => {
  const stop = new AbortController();
  const agent = deps.gateway.connect({ url: node.agentUrl, token: node.agentToken });
  const log = deps.logger.child({ nodeId: node.id });
  let nodeName = node.name;
  let lastEventId: string | undefined;
  let epoch: string | undefined;
  let lastSeq = 0;
  let failures = 0;
  /** Operations started and not ended yet, by the agent's operation id. */
  const running = new Set<string>();
  const cni = createCniRecorder({ deps, nodeId: node.id, agent, log });

  const forgetRunning = ({ reason }: { reason: string }) => {
    for (const operationId of running)
      deps.operations.markOutcomeUnknown({
        key: toAgentOperationKey({ nodeId: node.id, operationId }),
        reason,
      });
    running.clear();
  };

  const relay = (event: AgentOperationEvent) => {
    const parsed = parseAgentEventId(event.id);
    if (parsed) {
      if (epoch !== undefined && parsed.epoch !== epoch) {
        forgetRunning({ reason: 'the agent restarted while it ran' });
        lastSeq = 0;
      } else if (parsed.seq <= lastSeq) return;
      epoch = parsed.epoch;
      lastSeq = parsed.seq;
    }
    lastEventId = event.id;
    if (event.phase === 'started') running.add(event.operationId);
    else running.delete(event.operationId);
    deps.operations.publishAgentEvent({ nodeName, event });
    cni.observe(event);
  };

  const onConnected = () => {
    cni.reconcile();
    if (failures > 0) log.info({ failures }, "following the agent's event stream again");
    failures = 0;
  };

  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        for await (const event of agent.followEvents({ lastEventId, signal: stop.signal, onConnected }))
          relay(event);
      } catch (error) {
        failures += 1;
        if (failures === 1)
          log.warn({ error: describeError(error) }, "lost the agent's event stream: following it again");
      }
      const delayMs = readRetryDelayMs({ attempt: Math.max(1, failures), policy: retry });
      await sleep(delayMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };
  const done = run();

  return {
    /** A node renamed in the database: its next events carry the new name. */
    rename: ({ name }: { name: string }) => {
      nodeName = name;
    },
    /** Stops following; what was still running is marked as never heard of again, with `reason`. */
    stop: async ({ reason }: { reason: string }) => {
      stop.abort();
      await done;
      forgetRunning({ reason });
      await cni.whenIdle();
    },
  };
};

export type NodeEventStream = ReturnType<typeof followNodeEvents>;
