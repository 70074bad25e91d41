import { runAudited, systemActor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { describeError, isWebError } from '../errors/web-error.js';
import { dropCniDrift, readCniInstanceIds } from '../inspection/cni-drift.js';
import { findVersionProblem } from '../join/agent-version.js';
import { toDesiredNode } from './node-model.js';
import { connectAgent, readInstances, readNodeRecord, readPeers } from './node-queries.js';
import { decideNodeStatus, type NodeObservation, saveNodeStatus } from './node-status.js';
import { runPendingChanges } from './pending-changes.js';
import { reapplyNodeLocked } from './reapply-node.js';
import { resumeInterruptedChanges } from './resume-interrupted.js';

/** Re-applies a node whose agent reports a new boot id (its bridge, rules and routes are gone). */
const reapplyAfterReboot = async ({
  deps,
  nodeId,
  previousBootId,
  bootId,
}: {
  deps: ServiceDeps;
  nodeId: string;
  previousBootId: string;
  bootId: string;
}) => {
  try {
    await runAudited({
      deps,
      actor: systemActor,
      action: 'node.reapply',
      targetType: 'node',
      targetId: nodeId,
      details: { reason: 'reboot detected: the agent reports a new boot id', previousBootId, bootId },
      work: () => deps.nodeLock.run({ key: nodeId, work: () => reapplyNodeLocked({ deps, nodeId }) }),
    });
  } catch (error) {
    // Recorded as a pending re-apply by reapplyNodeLocked, and in the audit log: retried at the next check.
    deps.logger.warn({ nodeId, error: describeError(error) }, 're-apply after reboot failed');
  }
};

/** What is pending for or about the node, and instances that are not as asked. */
const readProblems = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const [pendingChanges, problemInstances] = await Promise.all([
    deps.db.pendingChange.findMany({
      where: { OR: [{ nodeId }, { subjectId: nodeId }] },
      select: { nodeId: true, subjectId: true, kind: true, lastError: true },
      orderBy: { id: 'asc' },
    }),
    deps.db.instance.findMany({
      where: { nodeId, status: { in: ['failed', 'deleting'] } },
      select: { id: true, status: true, statusReason: true },
    }),
  ]);
  return { pendingChanges, problemInstances };
};

/**
 * One health check of a node: asks its agent for health, re-applies it after a reboot, runs what is
 * pending for it, inspects it for drift when nothing else is wrong, and stores its status with the reason.
 */
export const checkNode = async ({ deps, nodeId }: { deps: ServiceDeps; nodeId: string }) => {
  const node = await readNodeRecord({ db: deps.db, nodeId });
  const agent = connectAgent({ deps, node });
  const save = async (observation: NodeObservation) => {
    const decided = decideNodeStatus(observation);
    await saveNodeStatus({ deps, nodeId, ...decided });
    return decided;
  };
  let health: Awaited<ReturnType<typeof agent.health>>;
  try {
    health = await agent.health();
  } catch (error) {
    return save({
      unreachableReason: `agent at ${node.agentUrl} did not answer: ${describeError(error)}`,
      isBeingRemoved: false,
      pendingChanges: [],
      problemInstances: [],
    });
  }
  const versionProblem = findVersionProblem({
    apiVersion: health.apiVersion,
    agentVersion: health.agentVersion,
  });
  await deps.db.node.update({
    where: { id: nodeId },
    data: {
      lastSeenAt: new Date(),
      agentVersion: health.agentVersion,
      apiVersion: health.apiVersion,
      versionProblem: versionProblem ?? null,
      kernel: health.kernel,
    },
  });
  // The version handshake: an agent of another API version is not driven (nothing is sent to it).
  if (versionProblem)
    return save({ problem: versionProblem, isBeingRemoved: false, pendingChanges: [], problemInstances: [] });
  if (health.nodeId !== node.id)
    return save({
      problem: `the agent at ${node.agentUrl} reports node id '${health.nodeId}', not '${node.id}'`,
      isBeingRemoved: false,
      pendingChanges: [],
      problemInstances: [],
    });
  // A node being removed is not brought back: only its removal (node.remove) goes on.
  if (node.removeRequestedAt === null) {
    if (health.bootId !== node.lastBootId)
      await deps.db.node.update({ where: { id: nodeId }, data: { lastBootId: health.bootId } });
    if (node.lastBootId !== null && health.bootId !== node.lastBootId)
      await reapplyAfterReboot({ deps, nodeId, previousBootId: node.lastBootId, bootId: health.bootId });
    await deps.nodeLock.run({
      key: nodeId,
      work: () => runPendingChanges({ deps, nodeId, reapply: () => reapplyNodeLocked({ deps, nodeId }) }),
    });
  }

  const problems = await readProblems({ deps, nodeId });
  const observation: NodeObservation = { ...problems, isBeingRemoved: node.removeRequestedAt !== null };
  if (
    problems.pendingChanges.length > 0 ||
    problems.problemInstances.length > 0 ||
    observation.isBeingRemoved
  )
    return save(observation);
  try {
    const { drift } = await deps.nodeLock.run({
      key: nodeId,
      work: async () => {
        const [peers, instances, cniInstanceIds] = await Promise.all([
          readPeers({ db: deps.db, nodeId }),
          readInstances({ db: deps.db, nodeId }),
          readCniInstanceIds({ db: deps.db, nodeId }),
        ]);
        const diff = await agent.diff({ desired: toDesiredNode({ node, peers, instances }) });
        return { drift: dropCniDrift({ items: diff.drift, cniInstanceIds }) };
      },
    });
    return save({ ...observation, drift });
  } catch (error) {
    return save({ ...observation, problem: `inspection failed: ${describeError(error)}` });
  }
};

/**
 * Checks every node, in parallel; one node's failure does not stop the others. A node found degraded only
 * by changes other nodes still had to receive about it (an addition's announcement) is checked once more
 * when those were completed by the others' checks meanwhile, so its status is not left stale.
 */
export const checkAllNodes = async ({ deps }: { deps: ServiceDeps }) => {
  const nodes = await deps.db.node.findMany({ select: { id: true } });
  const results = await Promise.allSettled(nodes.map(({ id }) => checkNode({ deps, nodeId: id })));
  const stale: string[] = [];
  for (const [index, result] of results.entries()) {
    const nodeId = nodes[index]?.id;
    if (!nodeId || result.status !== 'fulfilled' || result.value.status !== 'degraded') continue;
    const { pendingChanges, problemInstances } = await readProblems({ deps, nodeId });
    if (pendingChanges.length === 0 && problemInstances.length === 0) stale.push(nodeId);
  }
  for (const [index, result] of (
    await Promise.allSettled(stale.map((nodeId) => checkNode({ deps, nodeId })))
  ).entries())
    results[nodes.findIndex(({ id }) => id === stale[index])] = result;
  results.forEach((result, index) => {
    const isGone =
      result.status === 'rejected' && isWebError(result.reason) && result.reason.code === 'NOT_FOUND';
    if (result.status === 'rejected' && !isGone)
      deps.logger.error(
        { nodeId: nodes[index]?.id, error: describeError(result.reason) },
        'node check failed',
      );
  });
};

/**
 * Polls every agent's health every `intervalMs`; a check never overlaps the previous one. Each check first
 * takes over what a dead replica left in flight (resumeInterruptedChanges: only changes whose owner is gone).
 */
export const startHealthMonitor = ({
  deps,
  intervalMs,
  isOnDuty = async () => true,
}: {
  deps: ServiceDeps;
  intervalMs: number;
  /** Whether this control plane runs the checks now (replicas: the one holding the lease, locks/lease.ts). */
  isOnDuty?: () => Promise<boolean>;
}) => {
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = isOnDuty()
      .then(async (isOn) => {
        if (!isOn) return;
        await resumeInterruptedChanges({ deps, isStarting: false });
        await checkAllNodes({ deps });
      })
      .catch((error) => deps.logger.error({ error: describeError(error) }, 'health check failed'))
      .finally(() => {
        if (!isStopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    stop: async () => {
      isStopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
