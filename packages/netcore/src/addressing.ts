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

export const isIpv4Address = (value: string) =>
  Validator.isValidIPv4String(value)[0] && value.split('.').length === 4;

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

/** Parses `a.b.c.d/n` (host bits allowed). Callers validate with isIpv4Cidr first. */
export const parseHostCidr = (value: string): HostCidr => {
  const [address = '', prefix = ''] = value.split('/');
  const range = IPv4CidrRange.fromCidr(value);
  const networkAddress = range.getFirst().toString();
  return {
    address,
    prefixLength: Number(prefix),
    network: `${networkAddress}/${prefix}`,
    networkAddress,
    broadcastAddress: range.getLast().toString(),
  };
};

/** Canonical network of a CIDR: `10.0.1.7/24` gives `10.0.1.0/24`. */
export const toNetwork = (cidr: string) => parseHostCidr(cidr).network;

export const isAddressInNetwork = ({ address, network }: { address: string; network: string }) =>
  IPv4CidrRange.fromCidr(toNetwork(network)).contains(IPv4CidrRange.fromCidr(`${address}/32`));

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
