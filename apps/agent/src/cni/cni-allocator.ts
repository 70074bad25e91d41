import { createHash } from 'node:crypto';
import { formatIpv4Address, getNetworkRange, parseHostCidr } from '@kudo/netcore/addressing';
import type { TCniRange } from './cni-schemas.js';

/**
 * Pure decisions of the agent's CNI side: which instance id an attachment gets, and which address of the
 * delegated range is free. The agent is the only allocator of its range (the control plane never hands
 * out an address there), so what it has recorded is the whole truth about the range.
 */

/** The key of an attachment, as the spec defines it: container, interface, network. */
export type AttachmentKey = { containerId: string; ifName: string; networkName: string };

/**
 * The instance id of an attachment: readable (`cni-` + the container id's first 12 characters) and unique
 * (8 hex digits of the key's hash); a valid netcore id whatever the container id looks like.
 */
export const toAttachmentInstanceId = ({ containerId, ifName, networkName }: AttachmentKey) => {
  const hash = createHash('sha256').update(`${networkName}/${containerId}/${ifName}`).digest('hex');
  const readable = containerId.slice(0, 12).replace(/[^A-Za-z0-9_.-]/g, '-');
  return `cni-${readable}-${hash.slice(0, 8)}`;
};

/** The lowest address of the range not in use: never the node's, nor the subnet's network or broadcast. */
export const findFreeCniAddress = ({
  range,
  usedAddresses,
}: {
  range: TCniRange;
  usedAddresses: readonly string[];
}): string | undefined => {
  const node = parseHostCidr(range.nodeIpCidr);
  const subnet = getNetworkRange(node.network);
  const { first, last } = getNetworkRange(range.rangeCidr);
  const used = new Set([...usedAddresses, node.address]);
  for (let value = first; value <= last; value += 1) {
    if (value === subnet.first || value === subnet.last) continue;
    const address = formatIpv4Address(value);
    if (!used.has(address)) return address;
  }
  return undefined;
};

/** The address with the node subnet's prefix, as netcore's setupInstance takes it. */
export const toAttachmentCidr = ({ range, address }: { range: TCniRange; address: string }) =>
  `${address}/${parseHostCidr(range.nodeIpCidr).prefixLength}`;
