/**
 * IPv4 address maths, the only copy in the house: netcore's schemas, the control plane's address plan
 * and the dashboard's forms all import it (the browser through `@kudo/netcore/addressing`), so it stays
 * pure: no I/O, no Node built-ins, no dependencies. An address is a 32-bit number held in a plain
 * JavaScript number (exact far beyond 2^32); the property tests check every function against ip-num.
 */

/** An address with its prefix, as in `10.0.0.1/24`, and the network it sits in. */
export type HostCidr = {
  address: string;
  prefixLength: number;
  /** Network in canonical form, e.g. `10.0.0.0/24`. */
  network: string;
  networkAddress: string;
  broadcastAddress: string;
};

/** A network as numbers: its first and last address and how many addresses it spans. */
export type NetworkRange = { first: number; last: number; size: number; prefixLength: number };

/** Where an address sits relative to a network. */
export type AddressPlace = 'outside' | 'network-address' | 'broadcast-address' | 'host';

/** A decimal octet without leading zeros (as ip-num and the kernel's own parser want it). */
const octetPattern = /^(0|[1-9]\d{0,2})$/;

/** The 32-bit value of a dotted-quad address; undefined when the text is not one. */
export const parseIpv4Address = (value: string): number | undefined => {
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  let result = 0;
  for (const part of parts) {
    if (!octetPattern.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    result = result * 256 + octet;
  }
  return result;
};

/** The dotted quad of a 32-bit value: `formatIpv4Address(167772161)` gives `10.0.0.1`. */
export const formatIpv4Address = (value: number) =>
  [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');

export const isIpv4Address = (value: string) => parseIpv4Address(value) !== undefined;

export const isIpv4Cidr = (value: string) => {
  const [address, prefix, ...rest] = value.split('/');
  return (
    rest.length === 0 &&
    address !== undefined &&
    isIpv4Address(address) &&
    prefix !== undefined &&
    /^\d{1,2}$/.test(prefix) &&
    Number(prefix) <= 32
  );
};

const toMask = (prefixLength: number) => (prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);

/** Parses `a.b.c.d/n` (host bits allowed). Callers validate with isIpv4Cidr first. */
export const parseHostCidr = (value: string): HostCidr => {
  const [address = '', prefix = ''] = value.split('/');
  const prefixLength = Number(prefix);
  const mask = toMask(prefixLength);
  const network = ((parseIpv4Address(address) ?? 0) & mask) >>> 0;
  const networkAddress = formatIpv4Address(network);
  return {
    address,
    prefixLength,
    network: `${networkAddress}/${prefixLength}`,
    networkAddress,
    broadcastAddress: formatIpv4Address((network | ~mask) >>> 0),
  };
};

/** Canonical network of a CIDR: `10.0.1.7/24` gives `10.0.1.0/24`. */
export const toNetwork = (cidr: string) => parseHostCidr(cidr).network;

/** `a.b.c.d/n` naming a network exactly: no host bits set (`10.0.1.0/24`, not `10.0.1.7/24`). */
export const isIpv4Network = (value: string) => isIpv4Cidr(value) && toNetwork(value) === value;

/** A CIDR's network as numbers (host bits ignored). Callers validate with isIpv4Cidr first. */
export const getNetworkRange = (cidr: string): NetworkRange => {
  const { networkAddress, prefixLength } = parseHostCidr(cidr);
  const first = parseIpv4Address(networkAddress) ?? 0;
  const size = 2 ** (32 - prefixLength);
  return { first, last: first + size - 1, size, prefixLength };
};

export const isAddressInNetwork = ({ address, network }: { address: string; network: string }) => {
  const { prefixLength, network: canonical } = parseHostCidr(network);
  return parseHostCidr(`${address}/${prefixLength}`).network === canonical;
};

/** Whether every address of `network` is in `outer` (a network is within itself). */
export const isNetworkWithin = ({ network, outer }: { network: string; outer: string }) => {
  const inner = getNetworkRange(network);
  const range = getNetworkRange(outer);
  return inner.first >= range.first && inner.last <= range.last;
};

/** CIDR networks either nest or are disjoint, so they overlap exactly when one contains the other. */
export const doNetworksOverlap = ({ a, b }: { a: string; b: string }) =>
  isNetworkWithin({ network: a, outer: b }) || isNetworkWithin({ network: b, outer: a });

/**
 * Where `address` sits in `network`: outside it, its network or broadcast address, or a host address.
 * A /31 or /32 has no network or broadcast address (RFC 3021): every address in it is a host's.
 */
export const classifyAddress = ({ address, network }: { address: string; network: string }): AddressPlace => {
  const value = parseIpv4Address(address);
  const { first, last, prefixLength } = getNetworkRange(network);
  if (value === undefined || value < first || value > last) return 'outside';
  if (prefixLength >= 31) return 'host';
  if (value === first) return 'network-address';
  if (value === last) return 'broadcast-address';
  return 'host';
};

/** Whether an address can be given to a host in the network (not its network or broadcast address). */
export const isUsableHostAddress = ({ address, cidr }: { address: string; cidr: HostCidr }) =>
  cidr.prefixLength >= 31 || (address !== cidr.networkAddress && address !== cidr.broadcastAddress);
