import { isIpv4Address } from '@kudo/netcore';
import { IPv4, IPv4CidrRange, Validator } from 'ip-num';
import { WebError } from '../errors/web-error.js';

/**
 * Address plan, pure: node subnets carved from the cluster CIDR (the node address first in each), and
 * instance addresses from a node's subnet. The database's unique constraints make a choice final; these
 * functions only choose and validate.
 */

export type ClusterPlan = { clusterCidr: string; nodePrefixLength: number };

const minPrefixLength = 8;
/** A node subnet needs the node address and at least one instance address: /30 at most. */
const maxNodePrefixLength = 30;

const toAddress = (value: bigint) => IPv4.fromNumber(value).toString();
const toValue = (address: string) => IPv4.fromDecimalDottedString(address).getValue();

/** `a.b.c.d/n` whose address is the network's first (no host bits set). */
export const isCanonicalNetwork = (cidr: string) =>
  Validator.isValidIPv4CidrNotation(cidr)[0] && Validator.isValidIPv4CidrRange(cidr)[0];

const readNetwork = (cidr: string) => {
  const range = IPv4CidrRange.fromCidr(cidr);
  const prefixLength = Number(range.cidrPrefix.getValue());
  return { first: range.getFirst().getValue(), size: range.getSize(), prefixLength };
};

/** Checks a cluster plan; the first problem is a WebError naming its field. */
export const validateClusterPlan = ({ clusterCidr, nodePrefixLength }: ClusterPlan): ClusterPlan => {
  if (!isCanonicalNetwork(clusterCidr))
    throw new WebError({
      code: 'INVALID_INPUT',
      field: 'clusterCidr',
      message: `${clusterCidr} is not a network such as 10.0.0.0/16 (address bits after the prefix must be 0)`,
    });
  const { prefixLength } = readNetwork(clusterCidr);
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
export const getNodeIpAddr = (subnet: string) => toAddress(readNetwork(subnet).first + 1n);

/** The node address with its prefix, as netcore's setupNode takes it (`10.0.1.1/24`). */
export const getNodeIpCidr = (subnet: string) =>
  `${getNodeIpAddr(subnet)}/${readNetwork(subnet).prefixLength}`;

/** An instance address with its node's prefix, as netcore's setupInstance takes it. */
export const getInstanceIpCidr = ({ ipAddr, subnet }: { ipAddr: string; subnet: string }) =>
  `${ipAddr}/${readNetwork(subnet).prefixLength}`;

/** The lowest node subnet of the plan not in `usedSubnets`; undefined when the cluster CIDR is full. */
export const findFreeSubnet = ({
  plan,
  usedSubnets,
}: {
  plan: ClusterPlan;
  usedSubnets: readonly string[];
}): string | undefined => {
  const cluster = readNetwork(plan.clusterCidr);
  const size = 2n ** BigInt(32 - plan.nodePrefixLength);
  const used = new Set(usedSubnets);
  for (let start = cluster.first; start < cluster.first + cluster.size; start += size) {
    const subnet = `${toAddress(start)}/${plan.nodePrefixLength}`;
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
  if (!isCanonicalNetwork(subnet))
    throw fail('INVALID_INPUT', `${subnet} is not a network such as 10.0.1.0/24`);
  const requested = readNetwork(subnet);
  if (requested.prefixLength !== plan.nodePrefixLength)
    throw fail('INVALID_INPUT', `node subnets are /${plan.nodePrefixLength} in this cluster`);
  if (!IPv4CidrRange.fromCidr(plan.clusterCidr).contains(IPv4CidrRange.fromCidr(subnet)))
    throw fail('INVALID_INPUT', `${subnet} is not inside the cluster network ${plan.clusterCidr}`);
  if (usedSubnets.includes(subnet)) throw fail('CONFLICT', `${subnet} is already a node's subnet`);
  return subnet;
};

/**
 * The lowest free instance address of a subnet: after the node address, before the broadcast address.
 * Undefined when the subnet is full.
 */
export const findFreeInstanceAddress = ({
  subnet,
  usedAddresses,
}: {
  subnet: string;
  usedAddresses: readonly string[];
}): string | undefined => {
  const { first, size } = readNetwork(subnet);
  const used = new Set(usedAddresses);
  for (let value = first + 2n; value < first + size - 1n; value += 1n) {
    const address = toAddress(value);
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
  const { first, size } = readNetwork(subnet);
  const value = toValue(ipAddr);
  if (value < first || value >= first + size)
    throw fail('INVALID_INPUT', `${ipAddr} is not in the node's subnet ${subnet}`);
  if (value === first || value === first + size - 1n)
    throw fail('INVALID_INPUT', `${ipAddr} is the network or broadcast address of ${subnet}`);
  if (value === first + 1n) throw fail('INVALID_INPUT', `${ipAddr} is the node's own address`);
  if (usedAddresses.includes(ipAddr)) throw fail('CONFLICT', `${ipAddr} is already used by an instance`);
  return ipAddr;
};
