import { EventEmitter, on } from 'node:events';
import { type AgentClient, type AgentEvent, createAgentClient, toAgentErrorData } from '@kudo/agent/client';
import {
  diffNode,
  NetcoreError,
  type NetcoreErrorCode,
  type NodeSnapshot,
  netcoreErrorCodes,
} from '@kudo/netcore';
import type {
  AgentConnection,
  AgentGateway,
  AgentOperationEvent,
  TFollowEventsRequest,
} from './agent-gateway.js';

const isNetcoreCode = (code: string): code is NetcoreErrorCode =>
  (netcoreErrorCodes as readonly string[]).includes(code);

/**
 * A failed call as a NetcoreError: the agent's own netcore error when it sent one, PERMISSION_DENIED for a
 * refused token, TIMEOUT when we gave up waiting, UNREACHABLE when nothing answered.
 */
export const toAgentCallError = ({
  error,
  operation,
  url,
  isTimedOut,
}: {
  error: unknown;
  operation: string;
  url: string;
  isTimedOut: boolean;
}) => {
  if (isTimedOut)
    return new NetcoreError({
      code: 'TIMEOUT',
      reason: `the agent at ${url} did not answer ${operation} in time`,
      cause: error,
    });
  const { code, field, reason } = toAgentErrorData(error);
  if (isNetcoreCode(code)) return new NetcoreError({ code, field, reason, cause: error });
  if (code === 'UNAUTHORIZED' || code === 'FORBIDDEN')
    return new NetcoreError({
      code: 'PERMISSION_DENIED',
      reason: `the agent at ${url} refused the token`,
      cause: error,
    });
  return new NetcoreError({ code: 'COMMAND_FAILED', field, reason: `${code}: ${reason}`, cause: error });
};

const toOperationEvent = (event: AgentEvent): AgentOperationEvent => {
  const { id, at, nodeId, operationId, operation } = event;
  const base = { id, at, nodeId, operationId, operation };
  if (event.phase === 'started')
    return { ...base, phase: 'started', input: event.input, waitedMs: event.waitedMs };
  if (event.phase === 'finished') return { ...base, phase: 'finished', durationMs: event.durationMs };
  const { code, field, reason } = event.error;
  return { ...base, phase: 'failed', durationMs: event.durationMs, error: { code, field, reason } };
};

/**
 * The agent's `events` subscription as an async iterable. The client's own link would retry a lost
 * connection forever at a fixed pace and say nothing: here the first sign of trouble (a connection error,
 * an inactivity time-out, a refused token, the agent closing the stream) ends the iteration with an error,
 * so the caller reconnects on its own terms.
 */
async function* followAgentEvents({
  client,
  url,
  request: { lastEventId, signal, onConnected },
}: {
  client: AgentClient;
  url: string;
  request: TFollowEventsRequest;
}): AsyncGenerator<AgentOperationEvent> {
  const emitter = new EventEmitter();
  // What the iteration below does not hear any more (it stopped) must not crash the process.
  emitter.on('error', () => undefined);
  const events = on(emitter, 'event', { signal });
  let isClosed = false;
  const fail = (error: unknown) => {
    if (isClosed || signal.aborted) return;
    emitter.emit('error', toAgentCallError({ error, operation: 'events', url, isTimedOut: false }));
  };
  const subscription = client.events.subscribe(lastEventId === undefined ? undefined : { lastEventId }, {
    signal,
    onStarted: () => onConnected?.(),
    onData: ({ data }) => emitter.emit('event', data),
    onError: fail,
    onConnectionStateChange: (state) => {
      if (state.state === 'connecting' && state.error) fail(state.error);
    },
    onComplete: () => fail(new Error('the agent ended its event stream')),
  });
  try {
    for await (const [event] of events) yield toOperationEvent(event as AgentEvent);
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    isClosed = true;
    subscription.unsubscribe();
  }
}

/**
 * Agents reached over HTTP with `@kudo/agent/client` (the one file that depends on it). Each call has a
 * deadline: `healthTimeoutMs` for health checks, `timeoutMs` for everything else.
 */
export const createTrpcAgentGateway = ({
  timeoutMs,
  healthTimeoutMs = Math.min(timeoutMs, 5_000),
}: {
  timeoutMs: number;
  healthTimeoutMs?: number;
}): AgentGateway => ({
  connect: ({ url, token }) => {
    const client = createAgentClient({ url, token });
    const call = async <T>(
      operation: string,
      send: (signal: AbortSignal) => Promise<T>,
      limitMs = timeoutMs,
    ) => {
      const signal = AbortSignal.timeout(limitMs);
      try {
        return await send(signal);
      } catch (error) {
        throw toAgentCallError({ error, operation, url, isTimedOut: signal.aborted });
      }
    };
    const connection: AgentConnection = {
      health: () => call('health', (signal) => client.health.query(undefined, { signal }), healthTimeoutMs),
      setupNode: (request) => call('setupNode', (signal) => client.setupNode.mutate(request, { signal })),
      setupIptables: (request) =>
        call('setupIptables', (signal) => client.setupIptables.mutate(request, { signal })),
      addOtherNodes: (nodes) =>
        call('addOtherNodes', (signal) => client.addOtherNodes.mutate(nodes, { signal })),
      newNodeInCluster: (request) =>
        call('newNodeInCluster', (signal) => client.newNodeInCluster.mutate(request, { signal })),
      deleteNodeInCluster: (request) =>
        call('deleteNodeInCluster', (signal) => client.deleteNodeInCluster.mutate(request, { signal })),
      cleanNode: (request) => call('cleanNode', (signal) => client.cleanNode.mutate(request, { signal })),
      setupInstance: (request) =>
        call('setupInstance', (signal) => client.setupInstance.mutate(request, { signal })),
      setupInstances: (request) =>
        call('setupInstances', (signal) => client.setupInstances.mutate(request, { signal })),
      cleanInstance: (request) =>
        call('cleanInstance', (signal) => client.cleanInstance.mutate(request, { signal })),
      setPortMappings: (request) =>
        call('setPortMappings', (signal) => client.setPortMappings.mutate(request, { signal })),
      // JSON drops undefined properties: the wire type has `x?: T` where netcore's has `x: T | undefined`.
      inspect: (request) =>
        call('inspect', (signal) => client.inspect.query(request, { signal }) as Promise<NodeSnapshot>),
      // The agent's `diff` query would carry the whole desired state in its URL (a GET), which outgrows
      // the HTTP header limit on a node with many instances: read the node instead, and compare here with
      // netcore's own (pure) diffNode.
      diff: async ({ desired }) => {
        const actual = await connection.inspect({ nodeId: desired.nodeId });
        const drift = diffNode({ desired, actual });
        return { hasDrift: drift.length > 0, drift, actual };
      },
      orphans: (request) => call('orphans', (signal) => client.orphans.query(request, { signal })),
      cleanOrphans: (request) =>
        call('cleanOrphans', (signal) => client.cleanOrphans.mutate(request, { signal })),
      followEvents: (request) => followAgentEvents({ client, url, request }),
    };
    return connection;
  },
});
