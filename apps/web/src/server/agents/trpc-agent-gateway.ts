import { EventEmitter, on } from 'node:events';
import {
  type AgentClient,
  AgentTransportError,
  createAgentClient,
  readAgentCallError,
} from '@kudo/agent/client';
import { type AgentTls, createAgentFetch } from '../pki/agent-fetch.js';
import { findAgentUrlProblem } from '../pki/agent-url.js';
import type {
  AgentConnection,
  AgentGateway,
  AgentOperationEvent,
  TFollowEventsRequest,
} from './agent-gateway.js';

/** The web's view of a streamed event: the agent's own, without its `seq` (the id carries it). */
const toOperationEvent = ({ seq: _seq, ...event }: AgentOperationEvent & { seq?: number }) =>
  event as AgentOperationEvent;

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
    emitter.emit('error', readAgentCallError({ error, url, operation: 'events' }));
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
    for await (const [event] of events) yield toOperationEvent(event as AgentOperationEvent);
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    isClosed = true;
    subscription.unsubscribe();
  }
}

/**
 * The agent's `/metrics` (Prometheus text), through the same connection and credentials as its procedures
 * (the mTLS fetch for an https:// agent, the bearer token when the node has one).
 */
const readAgentMetrics = async ({
  url,
  token,
  send,
  signal,
}: {
  url: string;
  token: string;
  send: typeof fetch;
  signal: AbortSignal;
}) => {
  const response = await send(`${url.replace(/\/+$/, '')}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (response.ok) return response.text();
  await response.body?.cancel();
  throw new AgentTransportError({
    kind: response.status === 401 || response.status === 403 ? 'unauthorised' : 'incompatible',
    reason: `the agent at ${url} answered /metrics with HTTP ${response.status}`,
    url,
  });
};

/**
 * Agents reached with `@kudo/agent/client` (the one file that depends on it). Each call has a deadline:
 * `healthTimeoutMs` for health checks, `timeoutMs` for everything else. With `tls`, an `https://` agent is
 * verified against the cluster CA and shown the control plane's client certificate (a revoked one is
 * refused); plain `http://` is only for loopback agents (the lab and tests). A node that joined has no
 * bearer token (an empty one): none is sent.
 */
export const createTrpcAgentGateway = ({
  timeoutMs,
  healthTimeoutMs = Math.min(timeoutMs, 5_000),
  tls,
}: {
  timeoutMs: number;
  healthTimeoutMs?: number;
  tls?: AgentTls;
}): AgentGateway => {
  const agentFetch = tls ? createAgentFetch({ tls }) : undefined;
  return {
    connect: ({ url, token }) => {
      const isHttps = url.startsWith('https:');
      const client = createAgentClient({
        url,
        token: token || undefined,
        fetch: isHttps ? agentFetch?.fetch : undefined,
        send: isHttps ? agentFetch?.send : undefined,
      });
      const urlProblem = findAgentUrlProblem(url);
      /** One call with its deadline; a failure is read once into an AgentCallError (transport or remote). */
      const call = async <T>(
        operation: string,
        send: (signal: AbortSignal) => Promise<T>,
        limitMs = timeoutMs,
      ) => {
        const signal = AbortSignal.timeout(limitMs);
        try {
          if (urlProblem) throw new Error(`the agent URL ${url} ${urlProblem}`);
          return await send(signal);
        } catch (error) {
          throw readAgentCallError({ error, url, operation, isTimedOut: signal.aborted });
        }
      };
      return {
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
        inspect: (request) => call('inspect', (signal) => client.inspect.query(request, { signal })),
        diff: (request) => call('diff', (signal) => client.diff.query(request, { signal })),
        orphans: (request) => call('orphans', (signal) => client.orphans.query(request, { signal })),
        cleanOrphans: (request) =>
          call('cleanOrphans', (signal) => client.cleanOrphans.mutate(request, { signal })),
        followEvents: (request) => followAgentEvents({ client, url, request }),
        createCredentialsRequest: () =>
          call('credentials.createRequest', (signal) =>
            client.credentials.createRequest.mutate(undefined, { signal }),
          ),
        installCredentials: (request) =>
          call('credentials.install', (signal) => client.credentials.install.mutate(request, { signal })),
        setCniRange: (request) =>
          call('cni.setRange', (signal) => client.cni.setRange.mutate(request, { signal })),
        listCniAttachments: () =>
          call('cni.listAttachments', (signal) => client.cni.listAttachments.query(undefined, { signal })),
        removeStaleCniAttachments: () =>
          call('cni.removeStale', (signal) => client.cni.removeStale.mutate(undefined, { signal })),
        readMetrics: () =>
          call(
            'metrics',
            (signal) =>
              readAgentMetrics({
                url,
                token,
                send: (isHttps && agentFetch?.fetch) || fetch,
                signal,
              }),
            healthTimeoutMs,
          ),
      } satisfies AgentConnection;
    },
  };
};
