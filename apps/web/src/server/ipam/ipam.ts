import {
  classifyAddress,
  formatIpv4Address,
  getNetworkRange,
  isIpv4Address,
  isIpv4Network,
  isNetworkWithin,
} from '@kudo/netcore/addressing';
import { WebError } from '../errors/web-error.js';

/**
 * Address plan, pure: node subnets carved from the cluster CIDR (the node address first in each), and
 * instance addresses from a node's subnet. The database's unique constraints make a choice final; these
 * functions only choose and validate. The address maths is netcore's (`@kudo/netcore/addressing`).
 */

export type ClusterPlan = { clusterCidr: string; nodePrefixLength: number };

const minPrefixLength = 8;
/** A node subnet needs the node address and at least one instance address: /30 at most. */
const maxNodePrefixLength = 30;

/** Checks a cluster plan; the first problem is a WebError naming its field. */
export const validateClusterPlan = ({ clusterCidr, nodePrefixLength }: ClusterPlan): ClusterPlan => {
  if (!isIpv4Network(clusterCidr))
    throw new WebError({
      code: 'INVALID_INPUT',
      field: 'clusterCidr',
      message: `${clusterCidr} is not a network such as 10.0.0.0/16 (address bits after the prefix must be 0)`,
    });
  const { prefixLength } = getNetworkRange(clusterCidr);
  if (prefixLength < minPrefixLength || prefixLength > maxNodePrefixLength)
    throw new WebError({
      code: 'INVALID_INPUT',
      field: 'clusterCidr',
      message: `the cluster prefix must be /${minPrefixLength} to /${maxNodePrefixLength}`,
    });
  if (
    !Number.isInteger(nodePrefixLength) ||
    nodePrefixLength < prefixLength ||
    nodePrefixLength > maxNodePrefixLength
  )
    throw new WebError({
      code: 'INVALID_INPUT',
      field: 'nodePrefixLength',
      message: `a node prefix must be /${prefixLength} (the cluster's) to /${maxNodePrefixLength}`,
    });
  return { clusterCidr, nodePrefixLength };
};

/** The node's own address in its subnet: the first host address. */
export const getNodeIpAddr = (subnet: string) => formatIpv4Address(getNetworkRange(subnet).first + 1);

/** The node address with its prefix, as netcore's setupNode takes it (`10.0.1.1/24`). */
export const getNodeIpCidr = (subnet: string) =>
  `${getNodeIpAddr(subnet)}/${getNetworkRange(subnet).prefixLength}`;

/** An instance address with its node's prefix, as netcore's setupInstance takes it. */
export const getInstanceIpCidr = ({ ipAddr, subnet }: { ipAddr: string; subnet: string }) =>
  `${ipAddr}/${getNetworkRange(subnet).prefixLength}`;

/** The lowest node subnet of the plan not in `usedSubnets`; undefined when the cluster CIDR is full. */
export const findFreeSubnet = ({
  plan,
  usedSubnets,
}: {
  plan: ClusterPlan;
  usedSubnets: readonly string[];
}): string | undefined => {
  const cluster = getNetworkRange(plan.clusterCidr);
  const size = 2 ** (32 - plan.nodePrefixLength);
  const used = new Set(usedSubnets);
  for (let start = cluster.first; start < cluster.first + cluster.size; start += size) {
    const subnet = `${formatIpv4Address(start)}/${plan.nodePrefixLength}`;
    if (!used.has(subnet)) return subnet;
  }
  return undefined;
};

/** A subnet asked for by a user: checked against the plan and the subnets in use, never trusted. */
export const validateRequestedSubnet = ({
  subnet,
  plan,
  usedSubnets,
}: {
  subnet: string;
  plan: ClusterPlan;
  usedSubnets: readonly string[];
}) => {
  const fail = (code: 'INVALID_INPUT' | 'CONFLICT', message: string) =>
    new WebError({ code, field: 'subnet', message });
  if (!isIpv4Network(subnet)) throw fail('INVALID_INPUT', `${subnet} is not a network such as 10.0.1.0/24`);
  const requested = getNetworkRange(subnet);
  if (requested.prefixLength !== plan.nodePrefixLength)
    throw fail('INVALID_INPUT', `node subnets are /${plan.nodePrefixLength} in this cluster`);
  if (!isNetworkWithin({ network: subnet, outer: plan.clusterCidr }))
    throw fail('INVALID_INPUT', `${subnet} is not inside the cluster network ${plan.clusterCidr}`);
  if (usedSubnets.includes(subnet)) throw fail('CONFLICT', `${subnet} is already a node's subnet`);
  return subnet;
};

/** Node subnets of at least this many addresses (a /26) delegate their upper half to container runtimes. */
const minCniSubnetSize = 64;

/**
 * The range of a node subnet delegated to the node's agent for CNI attachments (containers started by a
 * runtime through the `kudo` plugin): the upper half (`10.0.1.128/25` of `10.0.1.0/24`). One allocator per
 * address: the control plane never hands out an instance address there, the agent only hands out those.
 * Undefined for subnets smaller than a /26 (no room to share): CNI is then refused on that node.
 */
export const getCniRange = (subnet: string): string | undefined => {
  const { first, size, prefixLength } = getNetworkRange(subnet);
  if (size < minCniSubnetSize) return undefined;
  return `${formatIpv4Address(first + size / 2)}/${prefixLength + 1}`;
};

/** Whether an address of the subnet is in its CNI range (never the control plane's to give). */
export const isInCniRange = ({ ipAddr, subnet }: { ipAddr: string; subnet: string }) => {
  const range = getCniRange(subnet);
  return range !== undefined && classifyAddress({ address: ipAddr, network: range }) !== 'outside';
};

/**
 * The lowest free instance address of a subnet: after the node address, before the broadcast address
 * and the subnet's CNI range. Undefined when the subnet is full.
 */
export const findFreeInstanceAddress = ({
  subnet,
  usedAddresses,
}: {
  subnet: string;
  usedAddresses: readonly string[];
}): string | undefined => {
  const { first, last } = getNetworkRange(subnet);
  const cniRange = getCniRange(subnet);
  const end = cniRange === undefined ? last : getNetworkRange(cniRange).first;
  const used = new Set(usedAddresses);
  for (let value = first + 2; value < end; value += 1) {
    const address = formatIpv4Address(value);
    if (!used.has(address)) return address;
  }
  return undefined;
};

/** An instance address asked for by a user: inside the node's subnet, not reserved, not in use. */
export const validateRequestedAddress = ({
  ipAddr,
  subnet,
  usedAddresses,
}: {
  ipAddr: string;
  subnet: string;
  usedAddresses: readonly string[];
}) => {
  const fail = (code: 'INVALID_INPUT' | 'CONFLICT', message: string) =>
    new WebError({ code, field: 'ipAddr', message });
  if (!isIpv4Address(ipAddr)) throw fail('INVALID_INPUT', `${ipAddr} is not an IPv4 address`);
  const place = classifyAddress({ address: ipAddr, network: subnet });
  if (place === 'outside') throw fail('INVALID_INPUT', `${ipAddr} is not in the node's subnet ${subnet}`);
  if (place !== 'host')
    throw fail('INVALID_INPUT', `${ipAddr} is the network or broadcast address of ${subnet}`);
  if (ipAddr === getNodeIpAddr(subnet)) throw fail('INVALID_INPUT', `${ipAddr} is the node's own address`);
  if (isInCniRange({ ipAddr, subnet }))
    throw fail(
      'INVALID_INPUT',
      `${ipAddr} is in ${getCniRange(subnet)}, the range this node's container runtimes (CNI) allocate from`,
    );
  if (usedAddresses.includes(ipAddr)) throw fail('CONFLICT', `${ipAddr} is already used by an instance`);
  return ipAddr;
};
