import { randomBytes } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import { AgentTransportError } from '@kudo/agent/client';
import type { NetcoreError } from '@kudo/netcore';
import type { AgentOperationEvent, TFollowEventsRequest } from '../agents/agent-gateway.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A fake agent's event stream, kept like the real agent's (ids `EPOCH-SEQ`, history replayed to a
 * subscriber whose last id it does not know), with what tests need: operations started and ended by hand,
 * streams broken, the agent restarted (a new epoch, an empty history), and the streams counted.
 */
export const createFakeEventLog = () => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const events: AgentOperationEvent[] = [];
  /** Streams opened and open now, and the last event id each one asked to resume after. */
  const streams = { opened: 0, active: 0, resumedAfter: [] as (string | undefined)[] };
  let epoch = randomBytes(4).toString('hex');
  let seq = 0;
  let drops = new AbortController();
  let nextOperation = 0;

  const append = (event: DistributiveOmit<AgentOperationEvent, 'id' | 'at'>) => {
    seq += 1;
    const full = { ...event, id: `${epoch}-${seq}`, at: new Date().toISOString() } as AgentOperationEvent;
    events.push(full);
    emitter.emit('event', full);
  };

  return {
    streams,
    /** Appends a started event; the function returned appends its end (failed when given an error). */
    start: ({ nodeId, operation, input }: { nodeId: string; operation: string; input: unknown }) => {
      nextOperation += 1;
      const operationId = `fake-op-${nextOperation}`;
      append({ phase: 'started', nodeId, operationId, operation, input, waitedMs: 0 });
      return ({ error }: { error?: NetcoreError }) =>
        append(
          error
            ? {
                phase: 'failed',
                nodeId,
                operationId,
                operation,
                durationMs: 1,
                error: { code: error.code, field: error.field, reason: error.reason },
              }
            : { phase: 'finished', nodeId, operationId, operation, durationMs: 1 },
        );
    },
    /** Every open stream breaks, as when the connection drops. */
    dropStreams: () => {
      drops.abort();
      drops = new AbortController();
    },
    /** A new process: new epoch, no history, open streams broken. */
    restart: () => {
      epoch = randomBytes(4).toString('hex');
      seq = 0;
      events.length = 0;
      drops.abort();
      drops = new AbortController();
    },
    /** The id of the newest event. */
    readLastId: () => events.at(-1)?.id,
    listAfter: (lastEventId: string | undefined) => {
      const index = events.findIndex((event) => event.id === lastEventId);
      return index === -1 ? [...events] : events.slice(index + 1);
    },
    emitter,
    readDrops: () => drops.signal,
  };
};

export type FakeEventLog = ReturnType<typeof createFakeEventLog>;

/** Follows a fake agent's events: its history after `lastEventId`, then live ones, until aborted or dropped. */
export async function* followFakeEvents({
  log,
  request: { lastEventId, signal, onConnected },
}: {
  log: FakeEventLog;
  request: TFollowEventsRequest;
}): AsyncGenerator<AgentOperationEvent> {
  const dropped = log.readDrops();
  const live = on(log.emitter, 'event', { signal: AbortSignal.any([signal, dropped]) });
  log.streams.opened += 1;
  log.streams.resumedAfter.push(lastEventId);
  log.streams.active += 1;
  try {
    onConnected?.();
    for (const event of log.listAfter(lastEventId)) yield event;
    for await (const [event] of live) yield event as AgentOperationEvent;
  } catch (error) {
    if (signal.aborted) return;
    if (dropped.aborted)
      throw new AgentTransportError({ kind: 'unreachable', reason: 'the event stream broke' });
    throw error;
  } finally {
    log.streams.active -= 1;
    await live.return?.();
  }
}
