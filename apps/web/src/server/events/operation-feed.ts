import { randomBytes } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import type { AgentOperationEvent } from '../agents/agent-gateway.js';
import {
  applyAgentEvent,
  applyControlPlaneChange,
  type ControlPlaneChange,
  markOutcomeUnknown,
  type OperationView,
  toAgentOperationKey,
} from './operation-view.js';

/** One change of one operation, by its feed id (`EPOCH-SEQ`: the epoch changes when the process restarts). */
export type OperationUpdate = { id: string; operation: OperationView };

type Entry = { seq: number; operation: OperationView };

const parseUpdateId = (id: string) => {
  const match = /^([0-9a-f]+)-(\d+)$/.exec(id);
  return match ? { epoch: match[1], seq: Number(match[2]) } : undefined;
};

/**
 * Every operation in the cluster, as it runs: the agents' mutations (relayed from their event streams)
 * and the control plane's own changes with their progress. It keeps the running operations and the last
 * `recentLimit` ended ones, and the last `capacity` updates, so a subscriber that reconnects with the last
 * id it saw gets only what changed since; any other subscriber first gets every operation kept.
 */
export const createOperationFeed = ({
  capacity = 1000,
  recentLimit = 100,
  epoch = randomBytes(4).toString('hex'),
}: {
  capacity?: number;
  recentLimit?: number;
  epoch?: string;
} = {}) => {
  const operations = new Map<string, Entry>();
  const updates: Entry[] = [];
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let seq = 0;
  let endedCount = 0;

  const toUpdate = ({ seq: entrySeq, operation }: Entry): OperationUpdate => ({
    id: `${epoch}-${entrySeq}`,
    operation,
  });

  /** Forgets the oldest ended operations beyond `recentLimit` (a Map iterates in the order of first sight). */
  const forgetOldEnded = () => {
    for (const [key, { operation }] of operations) {
      if (endedCount <= recentLimit) return;
      if (operation.status === 'running') continue;
      operations.delete(key);
      endedCount -= 1;
    }
  };

  const commit = (operation: OperationView) => {
    const previous = operations.get(operation.key)?.operation;
    seq += 1;
    const entry = { seq, operation };
    const wasEnded = previous !== undefined && previous.status !== 'running';
    const isEnded = operation.status !== 'running';
    operations.delete(operation.key);
    operations.set(operation.key, entry);
    if (isEnded && !wasEnded) endedCount += 1;
    if (!isEnded && wasEnded) endedCount -= 1;
    forgetOldEnded();
    updates.push(entry);
    if (updates.length > capacity) updates.shift();
    emitter.emit('update', entry);
    return toUpdate(entry);
  };

  const find = (key: string) => operations.get(key)?.operation;

  /** What to send a new subscriber: what followed `lastEventId` if the feed still has it, else everything kept. */
  const listAfter = (lastEventId: string | undefined) => {
    const parsed = lastEventId === undefined ? undefined : parseUpdateId(lastEventId);
    const oldest = updates[0]?.seq ?? seq + 1;
    const isResumable = parsed?.epoch === epoch && parsed.seq >= oldest - 1 && parsed.seq <= seq;
    if (isResumable) return updates.filter((entry) => entry.seq > parsed.seq);
    return [...operations.values()].sort((left, right) => left.seq - right.seq);
  };

  return {
    /** An agent's event, from the node named `nodeName`. */
    publishAgentEvent: ({ nodeName, event }: { nodeName: string; event: AgentOperationEvent }) => {
      return commit(applyAgentEvent({ previous: find(toAgentOperationKey(event)), nodeName, event }));
    },
    publishControlPlaneChange: ({ change }: { change: ControlPlaneChange }) => {
      const operation = applyControlPlaneChange({
        previous: find(`control-plane:${change.operationId}`),
        change,
      });
      return operation ? commit(operation) : undefined;
    },
    /** Ends a running operation whose outcome will never be heard, with the reason. */
    markOutcomeUnknown: ({ key, reason }: { key: string; reason: string }) => {
      const previous = find(key);
      if (previous?.status !== 'running') return undefined;
      return commit(markOutcomeUnknown({ previous, at: new Date().toISOString(), reason }));
    },
    /** The operations kept, in the order they last changed. */
    list: () => listAfter(undefined).map(({ operation }) => operation),
    /** Updates after `lastEventId` (or every operation kept), then live ones, until `signal` aborts. */
    follow: async function* ({
      lastEventId,
      signal,
    }: {
      lastEventId?: string;
      signal?: AbortSignal;
    }): AsyncGenerator<OperationUpdate> {
      // Listen before reading what is kept, so nothing committed in between is lost; repeats are skipped.
      const live = on(emitter, 'update', { signal });
      const caughtUpTo = seq;
      try {
        for (const entry of listAfter(lastEventId)) yield toUpdate(entry);
        for await (const [entry] of live)
          if ((entry as Entry).seq > caughtUpTo) yield toUpdate(entry as Entry);
      } catch (error) {
        if (!signal?.aborted) throw error;
      } finally {
        // A subscriber that stops while still reading what was kept never entered the loop above.
        await live.return?.();
      }
    },
  };
};

export type OperationFeed = ReturnType<typeof createOperationFeed>;
