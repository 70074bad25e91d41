import { ZId, ZIpv4Addr } from '@kudo/netcore';
import { z } from 'zod';
import type { AgentConnection } from '../agents/agent-gateway.js';
import { type Actor, type AuditNote, runAudited } from '../audit/audit-log.js';
import { readClusterPlan } from '../cluster/cluster-settings.js';
import { type DatabaseTransaction, readUniqueViolation } from '../db/database.js';
import type { ServiceDeps } from '../deps.js';
import type { WebRequestKind } from '../errors/agent-fields.js';
import { parseRequest } from '../errors/parse-request.js';
import { isRefusal, toWebError, WebError } from '../errors/web-error.js';
import { startProgress } from '../events/operation-progress.js';
import { findFreeSubnet, getNodeIpAddr, validateRequestedSubnet } from '../ipam/ipam.js';
import { announceToPeers } from './announce-to-peers.js';
import { delegateCniRange } from './delegate-cni-range.js';
import { type NodeRecord, publicNodeSelect, toNodeRequest } from './node-model.js';
import { readPeers } from './node-queries.js';
import { decideNodeStatus, saveNodeStatus } from './node-status.js';
import { clearPendingChange, recordPendingChange } from './pending-changes.js';

export const ZAddNodeRequest = z.object({
  /** Where the node's agent listens, e.g. http://10.1.2.3:7070. */
  agentUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
  /** The agent's bearer token: it travels in an HTTP header, so visible ASCII only (no space). */
  agentToken: z
    .string()
    .min(1, 'must not be empty')
    .max(1024)
    .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters, without spaces'),
  /** The node's address on the network between nodes (its uplink). */
  externalIpAddr: ZIpv4Addr,
  /** Display name; defaults to the node id the agent reports. */
  name: z
    .string()
    .trim()
    .min(1)
    .max(63)
    .regex(/^\P{Cc}*$/u, 'must not contain control characters')
    .optional(),
  /** A subnet of the cluster network for this node; by default the lowest free one. */
  subnet: z.string().max(18).optional(),
});
export type TAddNodeRequest = z.output<typeof ZAddNodeRequest>;

const maxAllocationAttempts = 20;

const conflictFieldByColumn: Record<string, { field: string; what: string }> = {
  id: { field: 'agentUrl', what: 'a node with the id this agent reports' },
  agentUrl: { field: 'agentUrl', what: 'a node with this agent URL' },
  externalIpAddr: { field: 'externalIpAddr', what: 'a node with this external address' },
};

/** What a pending change says while the call it stands for has not been answered yet. */
export const additionIntentNote = 'not yet applied: the node is being added';

/**
 * Writes every call an addition needs as a pending change, in the transaction that registers the node,
 * before any agent hears of it: the new node's setup, and its announcement to each other node. Each is
 * cleared when its call succeeds; if the control plane stops in the middle, the next start finds what is
 * left and completes it (the health monitor runs pending changes).
 */
const recordAdditionIntent = async ({
  tx,
  node,
  peers,
  changeOwner = null,
}: {
  tx: DatabaseTransaction;
  node: Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>;
  peers: readonly Pick<NodeRecord, 'id'>[];
  /** This process (the intent is its change in flight: no other live replica runs it). */
  changeOwner?: string | null;
}) => {
  const announcement = JSON.stringify(toNodeRequest(node));
  const changes = [
    { nodeId: node.id, kind: 'reapplyNode', payload: '{}' },
    ...peers.map((peer) => ({ nodeId: peer.id, kind: 'newNodeInCluster', payload: announcement })),
  ];
  for (const { nodeId, kind, payload } of changes)
    await tx.pendingChange.upsert({
      where: { nodeId_subjectId: { nodeId, subjectId: node.id } },
      create: { nodeId, subjectId: node.id, kind, payload, lastError: additionIntentNote, changeOwner },
      update: { kind, payload, lastError: additionIntentNote, attempts: 0, changeOwner },
    });
};

/** What registering a node needs besides the addition request: what its agent said, or the join. */
export type NodeRegistration = {
  nodeId: string;
  /** The field a taken node id is reported under (the agent URL for node.add, which learns the id from it). */
  nodeIdField?: string;
  bootId?: string;
  agentVersion: string;
  apiVersion?: number;
  kernel?: string;
  /** Runs in the registering transaction, after the node row is written (a join consumes its token there). */
  onRegistered?: (tx: DatabaseTransaction) => Promise<void>;
};

/**
 * Registers the node with a subnet (pending, with every call its addition needs as pending changes); the
 * subnet's uniqueness in the database settles concurrent adds.
 */
export const registerNode = async ({
  deps,
  request,
  registration: { nodeId, nodeIdField = 'agentUrl', bootId, agentVersion, apiVersion, kernel, onRegistered },
}: {
  deps: ServiceDeps;
  request: z.output<typeof ZAddNodeRequest>;
  registration: NodeRegistration;
}) => {
  const conflictFields: Record<string, { field: string; what: string }> = {
    ...conflictFieldByColumn,
    id: { field: nodeIdField, what: `a node with the id '${nodeId}'` },
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.db.$transaction(async (tx) => {
        await deps.nodeLock.serializeAllocation({ tx, key: 'cluster:subnets' });
        const plan = await readClusterPlan({ db: tx });
        const usedSubnets = (await tx.node.findMany({ select: { subnet: true } })).map(
          ({ subnet }) => subnet,
        );
        const subnet = request.subnet
          ? validateRequestedSubnet({ subnet: request.subnet, plan, usedSubnets })
          : findFreeSubnet({ plan, usedSubnets });
        if (!subnet)
          throw new WebError({
            code: 'CONFLICT',
            field: 'subnet',
            message: `the cluster network ${plan.clusterCidr} has no free /${plan.nodePrefixLength} left`,
          });
        const node = await tx.node.create({
          data: {
            id: nodeId,
            name: request.name ?? nodeId,
            agentUrl: request.agentUrl,
            agentToken: request.agentToken,
            externalIpAddr: request.externalIpAddr,
            subnet,
            nodeIpAddr: getNodeIpAddr(subnet),
            status: 'pending',
            lastBootId: bootId,
            lastSeenAt: bootId ? new Date() : undefined,
            agentVersion,
            apiVersion,
            kernel,
          },
          select: { id: true, subnet: true, externalIpAddr: true, nodeIpAddr: true },
        });
        const peers = await readPeers({ db: tx, nodeId });
        await recordAdditionIntent({ tx, node, peers, changeOwner: deps.changeOwner });
        await onRegistered?.(tx);
        return { node, peers };
      });
    } catch (error) {
      const columns = readUniqueViolation(error);
      if (!columns) throw error;
      const known = columns.map((column) => conflictFields[column]).find(Boolean);
      if (known)
        throw new WebError({
          code: 'CONFLICT',
          field: known.field,
          message: `there is already ${known.what}`,
        });
      // The subnet was taken by a concurrent add: choose again (a requested one is simply refused).
      if (request.subnet || attempt >= maxAllocationAttempts)
        throw new WebError({ code: 'CONFLICT', field: 'subnet', message: 'the subnet is already taken' });
    }
  }
};

/**
 * Sets up a node just registered: its bridge and routes to every other node and its CNI range, then its announcement to
 * each other node. A refusal by its agent undoes the registration (`onUndo` runs in that transaction);
 * any other failure leaves the node degraded with what failed, recorded as pending changes.
 */
export const setUpRegisteredNode = async ({
  deps,
  agent,
  node,
  peers,
  note,
  onUndo,
  request,
}: {
  deps: ServiceDeps;
  agent: AgentConnection;
  node: Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>;
  peers: readonly NodeRecord[];
  note: AuditNote;
  onUndo?: (tx: DatabaseTransaction) => Promise<void>;
  /** The web request that adds the node: a refusal of setupNode names its fields. */
  request?: WebRequestKind;
}) => {
  const nodeId = node.id;
  const failures: string[] = [];
  const progress = startProgress({ total: 1 + peers.length, what: `setting up ${nodeId}` });

  await deps.nodeLock.run({
    key: nodeId,
    work: async () => {
      let isSetUp = false;
      try {
        await agent.setupNode({
          nodeId,
          nodeIpCidr: toNodeRequest(node).nodeIp.clusterIpCidr,
          nodesIps: peers.map(toNodeRequest),
        });
        isSetUp = true;
        await delegateCniRange({ agent, node });
        await clearPendingChange({ deps, nodeId, subjectId: nodeId });
      } catch (error) {
        const webError = toWebError(error, {
          nodeId,
          operation: isSetUp ? 'cni.setRange' : 'setupNode',
          request: isSetUp ? undefined : request,
        });
        // Only a refused setupNode undoes the registration; a failed delegation is retried as a re-apply.
        if (!isSetUp && webError.agentCode && isRefusal(webError.agentCode)) {
          // Undone: the node, and what the other nodes were to be told about it.
          await deps.db.$transaction(async (tx) => {
            await tx.pendingChange.deleteMany({ where: { subjectId: nodeId } });
            await tx.node.delete({ where: { id: nodeId } });
            await onUndo?.(tx);
          });
          throw webError;
        }
        failures.push(webError.message);
        await recordPendingChange({
          deps,
          nodeId,
          subjectId: nodeId,
          kind: 'reapplyNode',
          error: webError,
        });
      }
    },
  });
  progress.advance({ what: `set up ${nodeId}; announcing it to ${peers.length} nodes` });
  const announced = await announceToPeers({
    deps,
    node,
    peers,
    operation: 'newNodeInCluster',
    onProgress: ({ peer }) =>
      progress.advance({
        what: peer.isAnnounced
          ? `announced to ${peer.nodeId}`
          : `announcement to ${peer.nodeId} failed: kept as a pending change`,
      }),
  });
  failures.push(...announced.failures);
  const pendingChanges = await deps.db.pendingChange.findMany({
    where: { OR: [{ nodeId }, { subjectId: nodeId }] },
    select: { nodeId: true, subjectId: true, kind: true, lastError: true },
  });
  await saveNodeStatus({
    deps,
    nodeId,
    ...decideNodeStatus({ isBeingRemoved: false, pendingChanges, problemInstances: [] }),
  });
  note.details.failures = failures;
  return deps.db.node.findUniqueOrThrow({ where: { id: nodeId }, select: publicNodeSelect });
};

/**
 * Adds a node: checks its agent, allocates its subnet, sets it up with routes to every other node, and
 * tells every other node about it. A refusal by the new node's agent undoes the registration; any other
 * failure leaves the node degraded with what failed, recorded as pending changes that a retry (or the
 * health monitor) completes.
 */
export const addNode = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TAddNodeRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'node.add',
    targetType: 'node',
    targetId: request.agentUrl,
    work: async (note) => {
      const input = request;
      note.details = { agentUrl: input.agentUrl, externalIpAddr: input.externalIpAddr, subnet: input.subnet };
      // A malformed subnet is refused before the agent is contacted (whether it is free is settled later).
      if (input.subnet)
        validateRequestedSubnet({
          subnet: input.subnet,
          plan: await readClusterPlan({ db: deps.db }),
          usedSubnets: [],
        });
      const agent = deps.gateway.connect({ url: input.agentUrl, token: input.agentToken });
      const health = await agent.health().catch((error: unknown) => {
        throw toWebError(error, { operation: 'health check of the new agent', request: 'node.add' });
      });
      const nodeId = parseRequest({ schema: ZId, input: health.nodeId });
      note.targetId = nodeId;
      const { node, peers } = await registerNode({
        deps,
        request: input,
        registration: {
          nodeId,
          bootId: health.bootId,
          agentVersion: health.agentVersion,
          kernel: health.kernel,
        },
      });
      note.details.subnet = node.subnet;
      return setUpRegisteredNode({ deps, agent, node, peers, note, request: 'node.add' });
    },
  });
