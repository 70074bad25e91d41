import { createHash } from 'node:crypto';

/** Every name netcore gives to a kernel object starts with this (interfaces, chains, namespaces). */
export const namePrefix = 'kudo';
/** Linux interface names are limited to 15 characters (IFNAMSIZ - 1). */
export const maxInterfaceNameLength = 15;
/** Routes netcore installs carry this routing protocol number, so they can be found and removed exactly. */
export const routeProtocol = 152;
/** The interface name an instance sees inside its namespace. */
export const instanceInterfaceName = 'eth0';

const hashId = ({ id, length }: { id: string; length: number }) =>
  createHash('sha256').update(id).digest('hex').slice(0, length);

/** `kudob` + 10 hex digits of the node id's hash: 15 characters, never a collision between long ids. */
export const getBridgeName = (nodeId: string) =>
  `${namePrefix}b${hashId({ id: `node:${nodeId}`, length: 10 })}`;

/** Host-side end of an instance's veth pair, on the bridge. */
export const getVethName = (instanceId: string) =>
  `${namePrefix}v${hashId({ id: `instance:${instanceId}`, length: 10 })}`;

/**
 * Network namespace of an instance: readable, prefixed, and unique thanks to the hash
 * (the id part is cut to keep the name short).
 */
export const getNamespaceName = (instanceId: string, { prefix = namePrefix }: { prefix?: string } = {}) =>
  `${prefix}-i-${instanceId.slice(0, 24)}-${hashId({ id: `instance:${instanceId}`, length: 8 })}`;

/** Whether a namespace name was made by getNamespaceName with this prefix. */
export const isInstanceNamespaceName = ({ name, prefix }: { name: string; prefix: string }) =>
  name.startsWith(`${prefix}-i-`) && /-[0-9a-f]{8}$/.test(name);

export const isOurInterfaceName = (name: string) =>
  name.length === maxInterfaceNameLength && /^kudo[bv][0-9a-f]{10}$/.test(name);

/** Our own iptables chains, hooked into the built-in ones. */
export const chains = {
  forward: 'KUDO-FORWARD',
  input: 'KUDO-INPUT',
  postrouting: 'KUDO-POSTROUTING',
  hostPorts: 'KUDO-HOSTPORTS',
  clusterForward: 'KUDO-CLUSTER-FORWARD',
  clusterNat: 'KUDO-CLUSTER-NAT',
} as const;

export const isOurChain = (chain: string) => chain.startsWith('KUDO-');

/** Every rule netcore writes carries a comment starting with this. */
export const commentPrefix = 'kudo:';

export const comments = {
  hook: (chain: string) => `${commentPrefix}hook ${chain}`,
  node: (what: string) => `${commentPrefix}node ${what}`,
  instancePort: (instanceId: string) => `${commentPrefix}instance=${instanceId}`,
  clusterNode: (nodeId: string) => `${commentPrefix}cluster-node=${nodeId}`,
};

/**
 * Link aliases carry what a name cannot: `kudo:instance=ID` on a host-side veth, and the node id and
 * settings on a bridge, so later calls need only an id.
 */
export const parseAlias = (alias: string | undefined): Record<string, string> => {
  if (!alias?.startsWith(commentPrefix)) return {};
  return Object.fromEntries(
    alias
      .slice(commentPrefix.length)
      .split(';')
      .map((pair) => pair.split('=') as [string, string])
      .filter((pair) => pair.length === 2),
  );
};

export const formatAlias = (fields: Record<string, string>) =>
  `${commentPrefix}${Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join(';')}`;
