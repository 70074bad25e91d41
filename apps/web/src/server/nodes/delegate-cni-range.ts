import type { AgentConnection } from '../agents/agent-gateway.js';
import { getCniRange, getNodeIpCidr } from '../ipam/ipam.js';

/**
 * Tells a node's agent which part of the node's subnet it allocates CNI addresses from (the upper half,
 * never handed out by the control plane): part of every setup and re-apply, so an agent that lost its
 * state, or a node added before CNI, gets it again. A subnet too small to share delegates nothing (the
 * agent then refuses CNI attachments). Idempotent.
 */
export const delegateCniRange = async ({
  agent,
  node,
}: {
  agent: Pick<AgentConnection, 'setCniRange'>;
  node: { subnet: string };
}) => {
  const rangeCidr = getCniRange(node.subnet);
  if (!rangeCidr) return undefined;
  return agent.setCniRange({ nodeIpCidr: getNodeIpCidr(node.subnet), rangeCidr });
};
