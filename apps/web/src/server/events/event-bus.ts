import { EventEmitter, on } from 'node:events';
import type { ControlPlaneChange } from './operation-view.js';

/** A change as the dashboard sees it live: an audit entry, by its id (ids only grow). */
export type ClusterEvent = {
  id: number;
  at: Date;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  result: string;
  error: string | null;
  durationMs: number;
};

/** This process's live subscribers: `deliver` hands an event to each of them. */
export const createLocalFanOut = () => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    deliver: (event: ClusterEvent) => {
      emitter.emit('event', event);
    },
    /** Live events until `signal` aborts. */
    listen: async function* ({ signal }: { signal?: AbortSignal }): AsyncGenerator<ClusterEvent> {
      try {
        for await (const [event] of on(emitter, 'event', { signal })) yield event as ClusterEvent;
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
    },
  };
};

export type EventBus = {
  /** Tells every live subscriber (of every control plane sharing the database) about a new audit entry. */
  publish: (event: ClusterEvent) => void;
  /** Live events until `signal` aborts. */
  listen: ({ signal }: { signal?: AbortSignal }) => AsyncGenerator<ClusterEvent>;
  /**
   * Hands a step of an operation this control plane runs (started, progress, finished, failed) to the
   * other control planes sharing the database, for their operation feeds (this one's already has it).
   */
  shareOperation: (change: ControlPlaneChange) => void;
  close: () => Promise<void>;
};

/**
 * In-process fan-out of cluster events (one control plane: SQLite). The audit log is the durable record;
 * the bus only tells live subscribers that a new entry exists. PostgreSQL: postgres-event-bus.ts.
 */
export const createEventBus = (): EventBus => {
  const fanOut = createLocalFanOut();
  // Alone on its database: no other control plane to share operations with.
  return { publish: fanOut.deliver, listen: fanOut.listen, shareOperation: () => {}, close: async () => {} };
};
