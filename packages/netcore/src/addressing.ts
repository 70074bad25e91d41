import { IPv4, IPv4CidrRange, Validator } from 'ip-num';

/** An address with its prefix, as in `10.0.0.1/24`, and the network it sits in. */
export type HostCidr = {
  address: string;
  prefixLength: number;
  /** Network in canonical form, e.g. `10.0.0.0/24`. */
  network: string;
  networkAddress: string;
  broadcastAddress: string;
};

/**
 * Keeps a pure function's answers (ip-num's validation takes about 0.1 ms per address, which a bulk
 * request of thousands of addresses feels); forgets everything past `limit` entries.
 */
const remember = <T>(compute: (value: string) => T, limit = 20_000) => {
  const known = new Map<string, T>();
  return (value: string): T => {
    const cached = known.get(value);
    if (cached !== undefined) return cached;
    const result = compute(value);
    if (known.size >= limit) known.clear();
    known.set(value, result);
    return result;
  };
};

export const isIpv4Address = remember(
  (value: string) => Validator.isValidIPv4String(value)[0] && value.split('.').length === 4,
);

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

const toNumber = (address: string) =>
  address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

const toDotted = (value: number) =>
  [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');

/**
 * Parses `a.b.c.d/n` (host bits allowed). Callers validate with isIpv4Cidr first. Plain 32-bit arithmetic
 * (ip-num's parse costs a tenth of a millisecond, which bulk requests of thousands of addresses feel).
 */
export const parseHostCidr = (value: string): HostCidr => {
  const [address = '', prefix = ''] = value.split('/');
  const prefixLength = Number(prefix);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (toNumber(address) & mask) >>> 0;
  const networkAddress = toDotted(network);
  return {
    address,
    prefixLength,
    network: `${networkAddress}/${prefixLength}`,
    networkAddress,
    broadcastAddress: toDotted((network | ~mask) >>> 0),
  };
};

/** Canonical network of a CIDR: `10.0.1.7/24` gives `10.0.1.0/24`. */
export const toNetwork = (cidr: string) => parseHostCidr(cidr).network;

export const isAddressInNetwork = ({ address, network }: { address: string; network: string }) => {
  const { prefixLength, network: canonical } = parseHostCidr(network);
  return parseHostCidr(`${address}/${prefixLength}`).network === canonical;
};

/** CIDR networks either nest or are disjoint, so they overlap exactly when one contains the other. */
export const doNetworksOverlap = ({ a, b }: { a: string; b: string }) => {
  const first = IPv4CidrRange.fromCidr(toNetwork(a));
  const second = IPv4CidrRange.fromCidr(toNetwork(b));
  return first.contains(second) || second.contains(first);
};

/** Whether an address can be given to a host in the network (not its network or broadcast address). */
export const isUsableHostAddress = ({ address, cidr }: { address: string; cidr: HostCidr }) =>
  cidr.prefixLength >= 31 || (address !== cidr.networkAddress && address !== cidr.broadcastAddress);

export const compareAddresses = (a: string, b: string) => {
  const x = IPv4.fromDecimalDottedString(a).getValue();
  const y = IPv4.fromDecimalDottedString(b).getValue();
  return x < y ? -1 : x > y ? 1 : 0;
};
