import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentHealth } from '../agents/agent-gateway.js';
import { runAudited, systemActor } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';
import { describeError, WebError } from '../errors/web-error.js';
import { setUpRegisteredNode } from '../nodes/add-node.js';
import type { NodeRecord } from '../nodes/node-model.js';
import { connectAgent, readNodeRecord } from '../nodes/node-queries.js';
import { saveNodeStatus } from '../nodes/node-status.js';
import { revokeAgentCertificates } from '../pki/agent-certificates.js';
import { findVersionProblem } from './agent-version.js';

type Peer = Pick<NodeRecord, 'id' | 'subnet' | 'externalIpAddr'>;

/** The API version an agent's health reports (an agent from before the handshake reports none). */
export const readApiVersion = (health: AgentHealth) =>
  'apiVersion' in health && typeof health.apiVersion === 'number' ? health.apiVersion : undefined;

/** How long a node just joined is waited for: its agent starts serving once it has saved its certificate. */
export const enrolledAgentWait = { attempts: 60, delayMs: 1_000 } as const;

/** The agent's health once it answers, or the last failure after `attempts` tries. */
const waitForAgent = async ({
  deps,
  nodeId,
  attempts,
  delayMs,
}: {
  deps: ServiceDeps;
  nodeId: string;
  attempts: number;
  delayMs: number;
}): Promise<AgentHealth> => {
  const agent = connectAgent({ deps, node: await readNodeRecord({ db: deps.db, nodeId }) });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await agent.health();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(delayMs);
    }
  }
};

/**
 * Sets up a node that just joined, as node.add does once registered: waits for its agent to serve, checks
 * it is the node that joined and speaks our API version, then sets it up and announces it. If it never
 * answers, its setup stays pending (the health monitor completes it when it does).
 */
export const setUpEnrolledNode = ({
  deps,
  nodeId,
  node,
  peers,
  wait = enrolledAgentWait,
}: {
  deps: ServiceDeps;
  nodeId: string;
  node: Peer;
  peers: readonly NodeRecord[];
  wait?: { attempts: number; delayMs: number };
}) =>
  runAudited({
    deps,
    actor: systemActor,
    action: 'node.setup',
    targetType: 'node',
    targetId: nodeId,
    work: async (note) => {
      const health = await waitForAgent({ deps, nodeId, ...wait });
      const apiVersion = readApiVersion(health);
      const versionProblem = findVersionProblem({ apiVersion, agentVersion: health.agentVersion });
      await deps.db.node.update({
        where: { id: nodeId },
        data: {
          lastBootId: health.bootId,
          lastSeenAt: new Date(),
          agentVersion: health.agentVersion,
          apiVersion: apiVersion ?? null,
          kernel: health.kernel,
          versionProblem: versionProblem ?? null,
        },
      });
      const problem =
        versionProblem ??
        (health.nodeId === nodeId
          ? undefined
          : `the agent at this URL reports node id '${health.nodeId}', not '${nodeId}'`);
      if (problem) {
        await saveNodeStatus({ deps, nodeId, status: 'degraded', reason: problem });
        throw new WebError({ code: 'PRECONDITION_FAILED', nodeId, message: problem });
      }
      const agent = connectAgent({ deps, node: await readNodeRecord({ db: deps.db, nodeId }) });
      return setUpRegisteredNode({
        deps,
        agent,
        node,
        peers,
        note,
        onUndo: (tx) =>
          revokeAgentCertificates({ db: tx, nodeId, reason: 'the node was refused at setup' }).then(
            () => undefined,
          ),
      });
    },
  }).catch((error: unknown) => {
    deps.logger.warn({ nodeId, error: describeError(error) }, 'setup of a joined node did not finish');
    return undefined;
  });
