import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { getVethName, type Netcore } from '@kudo/netcore';
import { parseHostCidr } from '@kudo/netcore/addressing';
import type { Operations } from '../services/operations.js';
import { findFreeCniAddress, toAttachmentCidr, toAttachmentInstanceId } from './cni-allocator.js';
import { CniRefusal } from './cni-errors.js';
import { type CniIpHelpers, createCniIpHelpers } from './cni-ip-helpers.js';
import type {
  TCniAddRequest,
  TCniCheckRequest,
  TCniDelRequest,
  TCniGcRequest,
  TCniRange,
} from './cni-schemas.js';
import type { Attachment, CniState, CniStore } from './cni-store.js';

const run = promisify(execFile);

const isSameAttachment = (a: Omit<Attachment, 'ports'> | TCniDelRequest, b: TCniDelRequest) =>
  a.containerId === b.containerId && a.ifName === b.ifName && a.networkName === b.networkName;

/** The address inside the runtime's namespace, read through nsenter (no shell): what CHECK compares. */
const readAttachedAddress = async ({ netnsPath, ifName }: { netnsPath: string; ifName: string }) => {
  try {
    const { stdout } = await run('nsenter', [
      `--net=${netnsPath}`,
      '--',
      'ip',
      '-j',
      'addr',
      'show',
      'dev',
      ifName,
    ]);
    const [link] = JSON.parse(stdout) as {
      addr_info?: { family: string; local: string; prefixlen: number }[];
    }[];
    const inet = link?.addr_info?.find((info) => info.family === 'inet');
    return inet ? `${inet.local}/${inet.prefixlen}` : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The agent's CNI side: attachments of containers to the node's bridge, addressed from the range the
 * control plane delegated. Allocation and the record of attachments are serialized here (a short lock
 * around the store); the kernel work goes through the node's operation queue as `cniAdd` / `cniDel`,
 * whose started events carry the container id, instance id and address, so the control plane learns of
 * each attachment from the event stream it already follows.
 */
export const createCniService = ({
  nodeId,
  netcore,
  operations,
  store,
  ipHelpers = createCniIpHelpers(),
}: {
  nodeId: string;
  netcore: Netcore;
  operations: Operations;
  store: CniStore;
  /** The `ip` processes forwarders lend (served on the CNI socket); netcore's runner must be wrapped by them. */
  ipHelpers?: CniIpHelpers;
}) => {
  // Each change reads and replaces the state in memory in one synchronous step (no other change can come
  // in between); only the first load waits. The file follows (store.update) while the kernel works.
  const withState = async <T>(change: (state: CniState) => T) => change(await store.load());
  /** Drops the request's attachment; returns it (if known) and the write that covers the change. */
  const forget = (request: TCniDelRequest) =>
    withState((state) => {
      const known = state.attachments.find((attachment) => isSameAttachment(attachment, request));
      const persisted = store.update({
        ...state,
        attachments: state.attachments.filter((attachment) => !isSameAttachment(attachment, request)),
      });
      return { known, persisted };
    });
  /** Puts back an attachment a failed DEL had dropped (unless the same key was attached again meanwhile). */
  const remember = (attachment: Attachment) =>
    withState((state) =>
      state.attachments.some((known) => isSameAttachment(known, attachment))
        ? Promise.resolve()
        : store.update({ ...state, attachments: [...state.attachments, attachment] }),
    );

  const add = async (request: TCniAddRequest) => {
    const attachment = await withState((state) => {
      const { range } = state;
      if (!range)
        throw new CniRefusal({
          code: 'NO_RANGE',
          message: `the control plane has not delegated an address range to node '${nodeId}' yet`,
        });
      if (state.attachments.some((known) => isSameAttachment(known, request)))
        throw new CniRefusal({
          code: 'ALREADY_ATTACHED',
          field: 'ifName',
          message: `container ${request.containerId} already has ${request.ifName} on network ${request.networkName}`,
        });
      const address = findFreeCniAddress({
        range,
        usedAddresses: state.attachments.map(({ instanceIpCidr }) => parseHostCidr(instanceIpCidr).address),
      });
      if (!address)
        throw new CniRefusal({
          code: 'RANGE_FULL',
          message: `every address of ${range.rangeCidr} is attached`,
        });
      const made: Attachment = {
        containerId: request.containerId,
        ifName: request.ifName,
        networkName: request.networkName,
        instanceId: toAttachmentInstanceId(request),
        instanceIpCidr: toAttachmentCidr({ range, address }),
        netnsPath: request.netnsPath,
        runtime: request.runtime,
        ports: request.portMappings.map(({ hostPort, containerPort, protocol }) => ({
          hostPort,
          instancePort: containerPort,
          protocol,
        })),
        createdAt: new Date().toISOString(),
      };
      const persisted = store.update({ ...state, attachments: [...state.attachments, made] });
      return { attachment: made, nodeIpAddr: parseHostCidr(range.nodeIpCidr).address, persisted };
    });
    const { attachment: made, nodeIpAddr, persisted } = attachment;
    try {
      // The record reaches the file while the kernel works; the answer waits for both.
      const [result] = await Promise.all([
        operations.runMutation({
          operation: 'cniAdd',
          input: { ...made, nodeId },
          work: () =>
            netcore.setupInstance({
              nodeId,
              nodeIpAddr,
              instanceId: made.instanceId,
              instanceIpCidr: made.instanceIpCidr,
              ports: made.ports,
              netns: { path: made.netnsPath, interfaceName: made.ifName },
            }),
        }),
        persisted,
      ]);
      return { ...made, gateway: nodeIpAddr, hostInterfaceName: result.hostInterfaceName };
    } catch (error) {
      await (await forget(request)).persisted.catch(() => undefined);
      throw error;
    }
  };

  /**
   * Idempotent: whatever the record says, the instance's veth and rules are removed by their names and tags.
   * The record is dropped first (in memory, where addresses are chosen) and its file written while the
   * kernel works; a failure puts it back. The answer does not wait for the file: a record still in it after
   * a crash only holds its address back (never hands one out twice), and the runtime's GC or
   * `removeStale` removes it, as for a container gone without DEL. (Under load the write and its rename
   * outlasted the veth's removal by a millisecond.) A failed write is followed by the next, of the whole state.
   */
  const del = async (request: TCniDelRequest) => {
    const instanceId = toAttachmentInstanceId(request);
    const { known, persisted } = await forget(request);
    persisted.catch(() => undefined);
    try {
      await operations.runMutation({
        operation: 'cniDel',
        input: { ...request, instanceId, nodeId },
        work: () => netcore.cleanInstance({ instanceId, netns: {} }),
      });
    } catch (error) {
      if (known) await remember(known);
      throw error;
    }
    return { instanceId };
  };

  const check = async (request: TCniCheckRequest) => {
    const state = await store.load();
    const attachment = state.attachments.find((known) => isSameAttachment(known, request));
    if (!attachment)
      throw new CniRefusal({
        code: 'NOT_ATTACHED',
        message: `container ${request.containerId} has no ${request.ifName} on network ${request.networkName}`,
      });
    const [snapshot, address] = await Promise.all([
      netcore.inspectNode({ nodeId }),
      readAttachedAddress({ netnsPath: request.netnsPath, ifName: request.ifName }),
    ]);
    const actual = snapshot.instances.find(({ instanceId }) => instanceId === attachment.instanceId);
    const problems = [
      ...(actual?.veth?.name === getVethName(attachment.instanceId) &&
      actual.veth.master === snapshot.bridge?.name
        ? []
        : ['its veth is not on the bridge']),
      ...(address === attachment.instanceIpCidr
        ? []
        : [`${request.ifName} has ${address ?? 'no address'}, not ${attachment.instanceIpCidr}`]),
      ...attachment.ports
        .filter(
          (port) =>
            !actual?.portMappings.some(
              (mapping) =>
                mapping.hostPort === port.hostPort &&
                mapping.instancePort === port.instancePort &&
                mapping.protocol === port.protocol,
            ),
        )
        .map((port) => `port mapping ${port.protocol}/${port.hostPort} is missing`),
    ];
    if (problems.length > 0)
      throw new CniRefusal({
        code: 'DRIFT',
        message: `attachment ${attachment.instanceId}: ${problems.join('; ')}`,
      });
    return { instanceId: attachment.instanceId };
  };

  /** Removes every attachment of the network the runtime does not list as valid. */
  const gc = async ({ networkName, validAttachments }: TCniGcRequest) => {
    const state = await store.load();
    const isValid = (attachment: Attachment) =>
      validAttachments.some(
        ({ containerId, ifName }) => containerId === attachment.containerId && ifName === attachment.ifName,
      );
    const stale = state.attachments.filter(
      (attachment) => attachment.networkName === networkName && !isValid(attachment),
    );
    for (const attachment of stale) await del(attachment);
    return { removed: stale.map(({ instanceId }) => instanceId) };
  };

  const status = async () => {
    const { range } = await store.load();
    if (!range)
      throw new CniRefusal({
        code: 'NO_RANGE',
        message: `the control plane has not delegated an address range to node '${nodeId}' yet`,
      });
    return { range };
  };

  const setRange = async (range: TCniRange) => {
    await withState((state) => store.update({ ...state, range }));
    return { range };
  };

  /** Every attachment, and whether its namespace still exists (gone: the container is gone; GC removes it). */
  const listAttachments = async () => {
    const { range, attachments } = await store.load();
    return {
      range: range ?? null,
      attachments: attachments.map((attachment) => ({
        ...attachment,
        isNetnsPresent: existsSync(attachment.netnsPath),
      })),
    };
  };

  /**
   * The control plane's GC: removes every attachment whose namespace is gone (its container is gone and the
   * runtime will not send DEL, or has no GC of its own), decided here, so one added meanwhile is kept.
   */
  const removeStale = async () => {
    const { attachments } = await store.load();
    const stale = attachments.filter((attachment) => !existsSync(attachment.netnsPath));
    for (const attachment of stale) await del(attachment);
    return { removed: stale.map(({ instanceId }) => instanceId) };
  };

  return { add, del, check, gc, status, setRange, listAttachments, removeStale, ipHelpers };
};

export type CniService = ReturnType<typeof createCniService>;
