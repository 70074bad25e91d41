import { EventEmitter, on } from 'node:events';

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

/**
 * In-process fan-out of cluster events. The audit log is the durable record; the bus only tells live
 * subscribers that a new entry exists.
 */
export const createEventBus = () => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (event: ClusterEvent) => {
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

export type EventBus = ReturnType<typeof createEventBus>;
