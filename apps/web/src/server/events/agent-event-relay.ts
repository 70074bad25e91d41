import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceDeps } from '../deps.js';
import { describeError } from '../errors/web-error.js';
import { followNodeEvents, type NodeEventStream, type RetryPolicy } from './node-event-stream.js';

export type RelayOptions = {
  retry?: RetryPolicy;
  /** How often the list of nodes is read again, besides after every node change in the audit log. */
  resyncIntervalMs?: number;
  /** How long a removed node's stream is kept, so the last events of its removal still arrive. */
  lingerMs?: number;
};

type RelayDeps = Pick<ServiceDeps, 'db' | 'gateway' | 'events' | 'operations' | 'logger'>;

/**
 * One event stream per registered node, however many browsers watch: every agent's operations go into
 * the operation feed (deps.operations), which subscribers read. Nodes added or removed are followed or
 * dropped when the audit log says so (and at every resync); a node whose agent URL or token changed is
 * followed anew. `stop()` ends every stream and waits for them.
 */
export const startAgentEventRelay = ({
  deps,
  retry = { baseMs: 500, maxMs: 30_000 },
  resyncIntervalMs = 30_000,
  lingerMs = 2_000,
}: { deps: RelayDeps } & RelayOptions) => {
  const closing = new AbortController();
  const streams = new Map<string, { target: string; stream: NodeEventStream }>();
  const retiring = new Set<Promise<void>>();
  let syncing: Promise<void> = Promise.resolve();

  const retire = ({
    stream,
    reason,
    delayMs,
  }: {
    stream: NodeEventStream;
    reason: string;
    delayMs: number;
  }) => {
    const retired = sleep(delayMs, undefined, { signal: closing.signal })
      .catch(() => undefined)
      .then(() => stream.stop({ reason }));
    retiring.add(retired);
    void retired.finally(() => retiring.delete(retired));
  };

  const syncOnce = async () => {
    if (closing.signal.aborted) return;
    const nodes = await deps.db.node.findMany({
      select: { id: true, name: true, agentUrl: true, agentToken: true },
    });
    for (const node of nodes) {
      const target = JSON.stringify([node.agentUrl, node.agentToken]);
      const current = streams.get(node.id);
      if (current?.target === target) {
        current.stream.rename({ name: node.name });
        continue;
      }
      if (current) retire({ stream: current.stream, reason: "the node's agent changed", delayMs: 0 });
      streams.set(node.id, { target, stream: followNodeEvents({ deps, node, retry }) });
    }
    const kept = new Set(nodes.map(({ id }) => id));
    for (const [nodeId, { stream }] of streams)
      if (!kept.has(nodeId)) {
        streams.delete(nodeId);
        retire({ stream, reason: 'the node was removed while it ran', delayMs: lingerMs });
      }
  };

  /** Reads the nodes again (one read at a time) and follows exactly those. */
  const sync = () => {
    syncing = syncing.then(syncOnce).catch((error: unknown) => {
      deps.logger.error({ error: describeError(error) }, 'could not read the nodes to follow');
    });
    return syncing;
  };

  const watchNodeChanges = async () => {
    for await (const event of deps.events.listen({ signal: closing.signal }))
      if (event.targetType === 'node' && event.action !== 'node.status') void sync();
  };
  const watching = watchNodeChanges();
  const timer = setInterval(() => void sync(), resyncIntervalMs);
  timer.unref();
  void sync();

  return {
    sync,
    /** The ids of the nodes followed now. */
    listFollowed: () => [...streams.keys()],
    stop: async () => {
      closing.abort();
      clearInterval(timer);
      await Promise.all([watching, syncing]);
      const stopping = [...streams.values()].map(({ stream }) =>
        stream.stop({ reason: 'the control plane stopped while it ran' }),
      );
      streams.clear();
      await Promise.all([...stopping, ...retiring]);
    },
  };
};

export type AgentEventRelay = ReturnType<typeof startAgentEventRelay>;
