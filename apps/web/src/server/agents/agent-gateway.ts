import type { AgentInputs, AgentOutputs } from '@kudo/agent/client';

/**
 * The agent's contract as the control plane sees it, derived from the agent's router (`AgentRouter`): what
 * each procedure takes (`AgentInputs`, defaults still optional) and answers (`AgentOutputs`, as JSON
 * carries it). Nothing here is declared by hand, so a change of the agent's API shows up in the typecheck.
 */

/** The procedures the control plane calls as request/answer (the events stream is `followEvents`). */
type CalledProcedure =
  | 'health'
  | 'setupNode'
  | 'setupIptables'
  | 'addOtherNodes'
  | 'newNodeInCluster'
  | 'deleteNodeInCluster'
  | 'cleanNode'
  | 'setupInstance'
  | 'setupInstances'
  | 'cleanInstance'
  | 'setPortMappings'
  | 'inspect'
  | 'diff'
  | 'orphans'
  | 'cleanOrphans';

/** A procedure that returns nothing answers `never` in tRPC's inference: it resolves, with nothing. */
type ToAnswer<Output> = [Output] extends [never] ? undefined : Output;

/** What an agent says about itself; a changed `bootId` means the node rebooted. */
export type AgentHealth = AgentOutputs['health'];

/** The agent's `diff`: whether the node differs from `desired`, each drift item with its fix, and what it read. */
export type AgentDiff = AgentOutputs['diff'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type StreamedEvent = AgentOutputs['events'] extends AsyncIterable<{ data: infer Event }> ? Event : never;

/**
 * One event of an agent's event stream: a mutation started, finished or failed. `id` is `EPOCH-SEQ` (the
 * epoch changes when the agent restarts); the started and the final event of one call share `operationId`.
 * (The agent's own `seq` is left out: the id carries it.)
 */
export type AgentOperationEvent = DistributiveOmit<StreamedEvent, 'seq'>;

/** Why an agent's operation failed, as its event stream tells it. */
export type AgentOperationError = Extract<AgentOperationEvent, { phase: 'failed' }>['error'];

export type TFollowEventsRequest = {
  /** The last event already seen: the agent sends what came after it (its whole history when unknown). */
  lastEventId: string | undefined;
  /** Ends the stream (the iteration simply stops). */
  signal: AbortSignal;
  /** Called once the agent has accepted the subscription. */
  onConnected?: () => void;
};

/**
 * One node's agent, as the control plane uses it: its procedures, remotely. Every method throws an
 * AgentCallError of `@kudo/agent/client`: an AgentTransportError when the call did not get through
 * (unreachable, timeout, unauthorised, incompatible), an AgentRemoteError with netcore's error data when
 * the agent answered with a failure. (A NetcoreError is taken as remote data too: an in-process stand-in
 * for an agent may throw one.) `toWebError` reads all of them.
 */
export type AgentConnection = {
  [Procedure in CalledProcedure]: (
    request: AgentInputs[Procedure],
  ) => Promise<ToAnswer<AgentOutputs[Procedure]>>;
} & {
  /**
   * The agent's events, live, until `signal` aborts. A dropped connection, a refused token or an agent that
   * ends its stream throws (an AgentTransportError): the caller decides when to follow again, from the last id.
   */
  followEvents: (request: TFollowEventsRequest) => AsyncIterable<AgentOperationEvent>;
  /** A new key on the node (kept there, pending) and its certificate request: renewal and rotation. */
  createCredentialsRequest: () => Promise<AgentOutputs['credentials']['createRequest']>;
  /** The certificate the cluster CA issued for that key: the agent serves with it at once. */
  installCredentials: (
    request: AgentInputs['credentials']['install'],
  ) => Promise<ToAnswer<AgentOutputs['credentials']['install']>>;
  /** Delegates the part of the node's subnet the agent allocates CNI addresses from (at every setup). */
  setCniRange: (request: AgentInputs['cni']['setRange']) => Promise<AgentOutputs['cni']['setRange']>;
  /** The CNI attachments the agent made, each with whether its container's namespace still exists. */
  listCniAttachments: () => Promise<AgentOutputs['cni']['listAttachments']>;
  /** Removes the CNI attachments whose namespace is gone (their container is gone): the orphans' GC. */
  removeStaleCniAttachments: () => Promise<AgentOutputs['cni']['removeStale']>;
  /** The agent's Prometheus metrics (`GET /metrics`, text exposition format), for the charts. */
  readMetrics: () => Promise<string>;
};

/** What a method of AgentConnection answers. */
export type AgentOutputsOf<Method extends keyof AgentConnection> = Awaited<
  ReturnType<AgentConnection[Method]>
>;

/** One CNI attachment as the agent lists it. */
export type AgentCniAttachment = AgentOutputs['cni']['listAttachments']['attachments'][number];

/** How the control plane reaches agents; the only seam between services and the agent's client. */
export type AgentGateway = { connect: (target: { url: string; token: string }) => AgentConnection };

/** The operations a drift item's fix can name, each a method of AgentConnection. */
export type AgentOperation = Exclude<CalledProcedure, 'health' | 'inspect' | 'diff' | 'orphans'>;
