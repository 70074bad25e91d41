import type {
  DriftItem,
  NodeSnapshot,
  Orphan,
  TCleanInstanceRequest,
  TDesiredNode,
  TKnownResources,
  TNodeIdRequest,
  TNodeRequest,
  TSetPortMappingsRequest,
  TSetupInstanceRequest,
  TSetupInstancesRequest,
  TSetupNodeRequest,
} from '@kudo/netcore';

/** What an agent says about itself; a changed `bootId` means the node rebooted. */
export type AgentHealth = {
  agentVersion: string;
  nodeId: string;
  hostNamespace: string | null;
  kernel: string;
  bootId: string;
  uptimeSeconds: number;
  tools: Record<string, boolean>;
};

export type AgentDiff = { hasDrift: boolean; drift: DriftItem[]; actual: NodeSnapshot };

/** Why an agent's operation failed, as its event stream tells it. */
export type AgentOperationError = { code: string; field: string | undefined; reason: string };

/**
 * One event of an agent's event stream: a mutation started, finished or failed. `id` is `EPOCH-SEQ` (the
 * epoch changes when the agent restarts); the started and the final event of one call share `operationId`.
 */
export type AgentOperationEvent = {
  id: string;
  at: string;
  nodeId: string;
  operationId: string;
  operation: string;
} & (
  | { phase: 'started'; input: unknown; waitedMs: number }
  | { phase: 'finished'; durationMs: number }
  | { phase: 'failed'; durationMs: number; error: AgentOperationError }
);

export type TFollowEventsRequest = {
  /** The last event already seen: the agent sends what came after it (its whole history when unknown). */
  lastEventId: string | undefined;
  /** Ends the stream (the iteration simply stops). */
  signal: AbortSignal;
  /** Called once the agent has accepted the subscription. */
  onConnected?: () => void;
};

/**
 * One node's agent, as the control plane uses it: netcore's operations, remotely. Every method throws a
 * NetcoreError (the agent's own, or UNREACHABLE / TIMEOUT / PERMISSION_DENIED when the call did not get
 * through), so services handle local and remote failures alike.
 */
export type AgentConnection = {
  health: () => Promise<AgentHealth>;
  setupNode: (request: TSetupNodeRequest) => Promise<unknown>;
  setupIptables: (request: TNodeIdRequest) => Promise<unknown>;
  addOtherNodes: (nodes: TNodeRequest[]) => Promise<unknown>;
  newNodeInCluster: (request: TNodeRequest) => Promise<unknown>;
  deleteNodeInCluster: (request: TNodeRequest) => Promise<unknown>;
  cleanNode: (request: TNodeIdRequest) => Promise<unknown>;
  setupInstance: (
    request: TSetupInstanceRequest,
  ) => Promise<{ interfaceName: string; hostInterfaceName: string; namespaceName: string }>;
  /** Many instances of the node at once, all or nothing (a re-apply after a reboot). */
  setupInstances: (request: TSetupInstancesRequest) => Promise<{
    created: number;
    repaired: number;
    namespaces: { instanceId: string; namespaceName: string }[];
  }>;
  cleanInstance: (request: TCleanInstanceRequest) => Promise<unknown>;
  setPortMappings: (request: TSetPortMappingsRequest) => Promise<unknown>;
  inspect: (request: TNodeIdRequest) => Promise<NodeSnapshot>;
  diff: (request: { desired: TDesiredNode }) => Promise<AgentDiff>;
  orphans: (request: { known: TKnownResources }) => Promise<{ orphans: Orphan[] }>;
  cleanOrphans: (request: { known: TKnownResources }) => Promise<{ orphans: Orphan[] }>;
  /**
   * The agent's events, live, until `signal` aborts. A dropped connection, a refused token or an agent that
   * ends its stream throws (a NetcoreError): the caller decides when to follow again, from the last id.
   */
  followEvents: (request: TFollowEventsRequest) => AsyncIterable<AgentOperationEvent>;
};

/** How the control plane reaches agents; the only seam between services and the agent's client. */
export type AgentGateway = { connect: (target: { url: string; token: string }) => AgentConnection };

/** The operations a drift item's fix can name, each a method of AgentConnection. */
export type AgentOperation = keyof Omit<
  AgentConnection,
  'health' | 'inspect' | 'diff' | 'orphans' | 'followEvents'
>;
