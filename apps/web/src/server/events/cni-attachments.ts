import { ZHostCidr, ZId, ZPorts } from '@kudo/netcore';
import { parseHostCidr } from '@kudo/netcore/addressing';
import { z } from 'zod';
import { createAuditEntry, publishAuditEntry } from '../audit/audit-log.js';
import type { ServiceDeps } from '../deps.js';

/**
 * CNI attachments as instances: a container runtime attaches a container through the node's agent
 * (`cniAdd`), which allocates its address from the node's delegated range; the control plane records it
 * as an instance of source `cni`, with the container id and the runtime, and forgets it at `cniDel`. The
 * runtime owns such an instance: the control plane shows it, never sets it up or removes it itself.
 */

/** An attachment as the agent's `cni.listAttachments` lists it (what its `cniAdd` carries, too). */
export const ZCniAttachment = z.object({
  instanceId: ZId,
  instanceIpCidr: ZHostCidr,
  containerId: z.string().min(1).max(256),
  runtime: z.string().max(64),
  ifName: z.string().max(15).optional(),
  ports: ZPorts.default([]),
});
export type CniAttachment = z.output<typeof ZCniAttachment>;

type AttachmentDeps = Pick<ServiceDeps, 'db' | 'events'>;

/** Who made the change, as the audit log says it: the runtime on the node. */
export const toRuntimeActor = ({ runtime, nodeId }: { runtime: string; nodeId: string }) =>
  `${runtime} on ${nodeId}`;

/**
 * Records an attachment as a `cni` instance with its port mappings (the runtime's `portMappings`), and
 * audits it. Idempotent by instance id: an attachment already recorded is left as it is (a replayed event,
 * or the reconciliation after a reconnect). Returns whether it was new.
 */
export const recordCniAttachment = async ({
  deps,
  nodeId,
  attachment,
  durationMs = 0,
}: {
  deps: AttachmentDeps;
  nodeId: string;
  attachment: CniAttachment;
  durationMs?: number;
}) => {
  const { instanceId, containerId, runtime } = attachment;
  const ipAddr = parseHostCidr(attachment.instanceIpCidr).address;
  // The entry is written with the instance: whoever sees the instance also finds who attached it.
  const entry = await deps.db.$transaction(async (tx) => {
    if (await tx.instance.findUnique({ where: { id: instanceId }, select: { id: true } })) return undefined;
    const taken = await tx.portMapping.findMany({
      where: { nodeId },
      select: { hostPort: true, protocol: true },
    });
    const ports = attachment.ports.filter(
      (port) =>
        !taken.some(({ hostPort, protocol }) => hostPort === port.hostPort && protocol === port.protocol),
    );
    await tx.instance.create({
      data: {
        id: instanceId,
        nodeId,
        ipAddr,
        interfaceName: attachment.ifName ?? null,
        status: 'running',
        source: 'cni',
        containerId,
        runtime,
        portMappings: { create: ports.map((port) => ({ ...port, nodeId })) },
      },
    });
    return createAuditEntry({
      db: tx,
      record: {
        actor: toRuntimeActor({ runtime, nodeId }),
        action: 'instance.attach',
        targetType: 'instance',
        targetId: instanceId,
        result: 'ok',
        details: { nodeId, containerId, runtime, ipAddr, ports: attachment.ports },
        durationMs,
      },
    });
  });
  if (entry) publishAuditEntry({ events: deps.events, entry });
  const isNew = entry !== undefined;
  return isNew;
};

/** Forgets a `cni` instance of the node (its port mappings go with it) and audits it. Idempotent. */
export const forgetCniAttachment = async ({
  deps,
  nodeId,
  instanceId,
  durationMs = 0,
}: {
  deps: AttachmentDeps;
  nodeId: string;
  instanceId: string;
  durationMs?: number;
}) => {
  const entry = await deps.db.$transaction(async (tx) => {
    const row = await tx.instance.findFirst({
      where: { id: instanceId, nodeId, source: 'cni' },
      select: { containerId: true, runtime: true, ipAddr: true },
    });
    if (!row) return undefined;
    const { count } = await tx.instance.deleteMany({ where: { id: instanceId, nodeId, source: 'cni' } });
    if (count === 0) return undefined;
    const runtime = row.runtime ?? 'cni';
    return createAuditEntry({
      db: tx,
      record: {
        actor: toRuntimeActor({ runtime, nodeId }),
        action: 'instance.detach',
        targetType: 'instance',
        targetId: instanceId,
        result: 'ok',
        details: { nodeId, containerId: row.containerId, runtime, ipAddr: row.ipAddr },
        durationMs,
      },
    });
  });
  if (!entry) return false;
  publishAuditEntry({ events: deps.events, entry });
  return true;
};

/**
 * Makes the node's `cni` instances what its agent lists (after a reconnect: events may have been missed
 * while the stream was down): records the attachments not yet known, forgets those the agent no longer has.
 */
export const reconcileCniAttachments = async ({
  deps,
  nodeId,
  attachments,
}: {
  deps: AttachmentDeps;
  nodeId: string;
  attachments: readonly CniAttachment[];
}) => {
  const recorded = await deps.db.instance.findMany({
    where: { nodeId, source: 'cni' },
    select: { id: true },
  });
  const listed = new Set(attachments.map(({ instanceId }) => instanceId));
  let added = 0;
  let removed = 0;
  for (const attachment of attachments)
    if (await recordCniAttachment({ deps, nodeId, attachment })) added += 1;
  for (const { id } of recorded)
    if (!listed.has(id) && (await forgetCniAttachment({ deps, nodeId, instanceId: id }))) removed += 1;
  return { added, removed };
};
