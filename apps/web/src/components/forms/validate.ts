/**
 * Checks a form can make before sending, so a mistake is shown at once under its field. The server
 * validates everything again with the zod schemas; these only mirror their rules for instant feedback.
 */

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const checkId = (value: string) => {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return 'must be at most 63 characters';
  if (!idPattern.test(value))
    return 'must start with a letter or digit, then only letters, digits, ".", "_" or "-"';
  return undefined;
};

const toNumber = (address: string) => {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
};

export const isIpv4Address = (value: string) => toNumber(value) !== undefined;

const toDotted = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** The network of a host CIDR: `10.0.1.1/24` → `10.0.1.0/24` (the input when it is not a CIDR). */
export const toNetworkCidr = (cidr: string) => {
  const [address = '', lengthText = ''] = cidr.split('/');
  const value = toNumber(address);
  const length = Number(lengthText);
  if (value === undefined || !Number.isInteger(length) || length < 0 || length > 32) return cidr;
  const size = 2 ** (32 - length);
  return `${toDotted(value - (value % size))}/${length}`;
};

/** Why `address` cannot be an instance's address in `subnet` (besides being taken), or undefined. */
export const checkInstanceAddress = ({
  address,
  subnet,
  nodeIpAddr,
  usedAddresses = [],
}: {
  address: string;
  subnet: string;
  nodeIpAddr?: string;
  usedAddresses?: readonly string[];
}) => {
  const value = toNumber(address);
  if (value === undefined) return 'must be an IPv4 address such as 10.0.1.7';
  const [network = '', lengthText = ''] = subnet.split('/');
  const base = toNumber(network);
  const length = Number(lengthText);
  if (base === undefined || !Number.isInteger(length)) return undefined;
  const size = 2 ** (32 - length);
  const first = base - (base % size);
  if (value < first || value >= first + size) return `must be inside the node's subnet ${subnet}`;
  if (value === first) return `is the network address of ${subnet}`;
  if (value === first + size - 1) return `is the broadcast address of ${subnet}`;
  if (address === nodeIpAddr) return 'is the node bridge address';
  if (usedAddresses.includes(address)) return 'is already used by another instance';
  return undefined;
};

export const checkPort = (value: string) => {
  if (!/^\d+$/.test(value)) return 'must be a number';
  const port = Number(value);
  if (port < 1 || port > 65_535) return 'must be between 1 and 65535';
  return undefined;
};

export type PortDraft = { hostPort: string; instancePort: string; protocol: 'tcp' | 'udp' };

/** The first problem of a list of port mappings, with the field path the API would use (`ports.1.hostPort`). */
export const checkPorts = (ports: readonly PortDraft[]) => {
  const seen = new Set<string>();
  for (const [index, port] of ports.entries()) {
    for (const key of ['hostPort', 'instancePort'] as const) {
      const problem = checkPort(port[key]);
      if (problem)
        return {
          field: `ports.${index}.${key}`,
          message: `${key === 'hostPort' ? 'host port' : 'instance port'} ${problem}`,
        };
    }
    const key = `${port.protocol}/${Number(port.hostPort)}`;
    if (seen.has(key))
      return { field: `ports.${index}.hostPort`, message: `host port ${key} is mapped twice` };
    seen.add(key);
  }
  return undefined;
};

export const toPorts = (ports: readonly PortDraft[]) =>
  ports.map((port) => ({
    hostPort: Number(port.hostPort),
    instancePort: Number(port.instancePort),
    protocol: port.protocol,
  }));
