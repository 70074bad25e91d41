import type { AgentCniAttachment } from '../agents/agent-gateway.js';

/**
 * A CNI attachment whose container is gone (its namespace no longer exists) and that no DEL or GC from
 * the runtime removed (a container killed with its task deleted, a runtime without GC): its address, veth
 * and rules are still held. Listed with the other orphans; cleaning runs the agent's GC of those.
 */
export const toStaleAttachmentOrphans = (attachments: readonly AgentCniAttachment[]) =>
  attachments
    .filter(({ isNetnsPresent }) => !isNetnsPresent)
    .map(({ instanceId, containerId, runtime, instanceIpCidr, netnsPath }) => ({
      resource: 'cni-attachment' as const,
      name: instanceId,
      detail: `container ${containerId} (${runtime}) is gone: ${netnsPath} no longer exists; it still holds ${instanceIpCidr}`,
      action: "remove its veth, rules and address through the agent's CNI GC",
    }));
