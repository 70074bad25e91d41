import { randomBytes } from 'node:crypto';
import { EventEmitter, on } from 'node:events';

export type OperationErrorData = { code: string; field?: string | undefined; reason: string };

type EventBase = {
  /** `EPOCH-SEQ`: the epoch changes at every agent start, so an id from before a restart is never taken as recent. */
  id: string;
  seq: number;
  at: string;
  nodeId: string;
  /** Shared by the started and the finished/failed event of one call. */
  operationId: string;
  operation: string;
};

export type AgentEvent =
  | (EventBase & { phase: 'started'; input?: unknown; waitedMs: number })
  | (EventBase & { phase: 'finished'; durationMs: number })
  | (EventBase & { phase: 'failed'; durationMs: number; error: OperationErrorData });

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewAgentEvent = DistributiveOmit<AgentEvent, 'id' | 'seq' | 'at'>;

const parseEventId = (id: string) => {
  const match = /^([0-9a-f]+)-(\d+)$/.exec(id);
  return match ? { epoch: match[1], seq: Number(match[2]) } : undefined;
};

/**
 * The operations' event history, kept in memory (the last `capacity` events) and streamed to subscribers.
 * A subscriber that gives the last id it saw gets what came after it; one whose id is unknown (older than the
 * history, or from before a restart) or that gives none gets the whole history first.
 */
export const createEventLog = ({
  capacity = 1000,
  epoch = randomBytes(4).toString('hex'),
}: {
  capacity?: number;
  epoch?: string;
} = {}) => {
  const events: AgentEvent[] = [];
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const closing = new AbortController();
  let seq = 0;

  const append = (event: NewAgentEvent) => {
    seq += 1;
    const full = { ...event, id: `${epoch}-${seq}`, seq, at: new Date().toISOString() } as AgentEvent;
    events.push(full);
    if (events.length > capacity) events.shift();
    emitter.emit('event', full);
    return full;
  };

  const listAfter = (lastEventId: string | undefined) => {
    const parsed = lastEventId === undefined ? undefined : parseEventId(lastEventId);
    const oldest = events[0]?.seq ?? seq + 1;
    const isResumable = parsed?.epoch === epoch && parsed.seq >= oldest - 1 && parsed.seq <= seq;
    return isResumable ? events.filter((event) => event.seq > parsed.seq) : [...events];
  };

  /** Past events after `lastEventId`, then live ones, until `signal` aborts or the log closes. */
  async function* subscribe({
    lastEventId,
    signal,
  }: {
    lastEventId: string | undefined;
    signal: AbortSignal | undefined;
  }): AsyncGenerator<AgentEvent> {
    const stop = AbortSignal.any([closing.signal, ...(signal ? [signal] : [])]);
    if (stop.aborted) return;
    // Listen before reading the history, so nothing appended in between is lost; duplicates are skipped by seq.
    const live = on(emitter, 'event', { signal: stop });
    let lastSeq = 0;
    for (const event of listAfter(lastEventId)) {
      lastSeq = event.seq;
      yield event;
    }
    try {
      for await (const [event] of live) {
        const next = event as AgentEvent;
        if (next.seq <= lastSeq) continue;
        lastSeq = next.seq;
        yield next;
      }
    } catch (error) {
      if (!stop.aborted) throw error;
    }
  }

  return { append, listAfter, subscribe, close: () => closing.abort() };
};

export type EventLog = ReturnType<typeof createEventLog>;
