import type { ZNodeIdRequest } from '@kudo/netcore';
import type { z } from 'zod';
import { type Actor, followEvents, listAuditEntries, runAudited } from './audit/audit-log.js';
import { createSessionServices } from './auth/session-services.js';
import {
  readClusterPlan,
  type TUpdateClusterSettingsRequest,
  updateClusterPlan,
} from './cluster/cluster-settings.js';
import type { ServiceDeps } from './deps.js';
import { type RelayOptions, startAgentEventRelay } from './events/agent-event-relay.js';
import { inspectNode } from './inspection/inspect-node.js';
import { cleanOrphans, listOrphans, type TCleanOrphansRequest } from './inspection/orphans.js';
import { reconcileNode, type TReconcileRequest } from './inspection/reconcile-node.js';
import { createInstance, type TCreateInstanceRequest } from './instances/create-instance.js';
import { deleteInstance, type TInstanceIdRequest } from './instances/delete-instance.js';
import { getInstance, listInstances } from './instances/read-instances.js';
import { createJoinServices } from './join/join-services.js';
import { createMetricsServices } from './metrics/metrics-services.js';
import { addNode, type TAddNodeRequest } from './nodes/add-node.js';
import { checkAllNodes, checkNode, startHealthMonitor } from './nodes/check-node.js';
import { getNode, listNodes } from './nodes/read-nodes.js';
import { removeNode, type TRemoveNodeRequest } from './nodes/remove-node.js';
import { resumeInterruptedChanges } from './nodes/resume-interrupted.js';
import { retryNode } from './nodes/retry-node.js';
import {
  readNodeCredentials,
  rotateNodeCredentials,
  startCertificateRenewal,
  type TNodeCredentialsRequest,
} from './pki/node-credentials.js';
import { listPortMappings } from './port-mappings/read-port-mappings.js';
import { setPortMappings, type TSetPortMappingsRequest } from './port-mappings/set-port-mappings.js';
import { createTokenServices } from './tokens/token-services.js';
import { createUserServices } from './users/user-services.js';

type Change<Request> = { actor: Actor; request: Request };

/**
 * The control plane's operations, bound to their dependencies: what the tRPC routers (and tests) call.
 * Changes take the acting user's name and the request as its router parsed it (`z.output`: validated once,
 * defaults applied); every change is in the audit log.
 */
export const createServices = (deps: ServiceDeps) => ({
  logger: deps.logger,
  cluster: {
    getSettings: () => readClusterPlan({ db: deps.db }),
    updateSettings: ({ actor, request }: Change<TUpdateClusterSettingsRequest>) =>
      updateClusterPlan({ deps, actor, request }),
  },
  nodes: {
    list: () => listNodes({ deps }),
    get: ({ nodeId }: { nodeId: string }) => getNode({ deps, nodeId }),
    add: ({ actor, request }: Change<TAddNodeRequest>) => addNode({ deps, actor, request }),
    remove: ({ actor, request }: Change<TRemoveNodeRequest>) => removeNode({ deps, actor, request }),
    retry: ({ actor, request }: Change<z.output<typeof ZNodeIdRequest>>) =>
      retryNode({ deps, actor, request }),
    /** One health check now (the monitor does it periodically). */
    check: ({ nodeId }: { nodeId: string }) => checkNode({ deps, nodeId }),
    /** A health check a user asked for: audited under their name, as every change they make is. */
    checkNow: ({ actor, request }: Change<z.output<typeof ZNodeIdRequest>>) =>
      runAudited({
        deps,
        actor,
        action: 'node.check',
        targetType: 'node',
        targetId: request.nodeId,
        work: () => checkNode({ deps, nodeId: request.nodeId }),
      }),
    checkAll: () => checkAllNodes({ deps }),
  },
  join: createJoinServices(deps),
  users: createUserServices(deps),
  sessions: createSessionServices(deps),
  /** Personal API tokens for scripts (`Authorization: Bearer`). */
  tokens: createTokenServices(deps),
  /** The charts: agents' metrics scraped into series per node and for the cluster. */
  metrics: createMetricsServices(deps),
  credentials: {
    /** A node's certificate (serial, expiry, renewal due) and its agent's API version. */
    get: ({ nodeId }: { nodeId: string }) => readNodeCredentials({ deps, nodeId }),
    rotate: ({ actor, request }: Change<TNodeCredentialsRequest>) =>
      rotateNodeCredentials({ deps, actor, request }),
  },
  instances: {
    list: ({ nodeId }: { nodeId?: string } = {}) => listInstances({ deps, nodeId }),
    get: ({ instanceId }: { instanceId: string }) => getInstance({ deps, instanceId }),
    create: ({ actor, request }: Change<TCreateInstanceRequest>) => createInstance({ deps, actor, request }),
    delete: ({ actor, request }: Change<TInstanceIdRequest>) => deleteInstance({ deps, actor, request }),
  },
  portMappings: {
    list: ({ nodeId }: { nodeId?: string } = {}) => listPortMappings({ deps, nodeId }),
    set: ({ actor, request }: Change<TSetPortMappingsRequest>) => setPortMappings({ deps, actor, request }),
  },
  inspection: {
    inspect: ({ nodeId }: { nodeId: string }) => inspectNode({ deps, nodeId }),
    reconcile: ({ actor, request }: Change<TReconcileRequest>) => reconcileNode({ deps, actor, request }),
    listOrphans: ({ nodeId }: { nodeId: string }) => listOrphans({ deps, nodeId }),
    cleanOrphans: ({ actor, request }: Change<TCleanOrphansRequest>) =>
      cleanOrphans({ deps, actor, request }),
  },
  events: {
    list: (page: { cursor?: number; limit: number; targetType?: string; targetId?: string; user?: string }) =>
      listAuditEntries({ db: deps.db, ...page }),
    follow: ({ lastEventId, signal }: { lastEventId?: number; signal?: AbortSignal }) =>
      followEvents({ deps, lastEventId, signal }),
  },
  operations: {
    /** The operations kept (running, and the last ended ones), in the order they last changed. */
    list: () => deps.operations.list(),
    /** Every operation kept, or what changed after `lastEventId`, then each change as it happens. */
    follow: ({ lastEventId, signal }: { lastEventId?: string; signal?: AbortSignal }) =>
      deps.operations.follow({ lastEventId, signal }),
  },
  /** At start, before serving: what a stopped process left half-done becomes pending changes. */
  resumeInterruptedChanges: () => resumeInterruptedChanges({ deps }),
  startHealthMonitor: ({ intervalMs, isOnDuty }: { intervalMs: number; isOnDuty?: () => Promise<boolean> }) =>
    startHealthMonitor({ deps, intervalMs, isOnDuty }),
  /** Renews agent certificates with a third of their lifetime left, every `intervalMs`, until `stop()`. */
  startCertificateRenewal: ({ intervalMs }: { intervalMs: number }) =>
    startCertificateRenewal({ deps, intervalMs }),
  /** Follows every node's agent event stream into the operation feed, until `stop()`. */
  startEventRelay: (options: RelayOptions = {}) => startAgentEventRelay({ deps, ...options }),
});

export type Services = ReturnType<typeof createServices>;
