import { formatAlias, instanceInterfaceName } from '../names.js';

/**
 * How the instance's side names the node's namespace when it sends the veth's outer end there: by its
 * name in the lab, by this process's id when netcore acts in its own namespace.
 */
export const formatNodeNamespaceRef = ({ hostNamespace }: { hostNamespace: string | undefined }) =>
  hostNamespace ?? String(process.pid);

/**
 * Whether a new veth pair is made silent on IPv6 (`addrgenmode none`: no link-local address, so no
 * duplicate address detection, router solicitation or MLD report). The bridge floods each new port's
 * IPv6 chatter to every other port, so without this a setup grew with the node's instances (50 ports
 * added here: 0.4 s on an empty bridge, 1.7 s beside 900 ports; 0.24 s without IPv6). Kudo's instances
 * are IPv4-only; IPv6 itself stays enabled. Only where the kernel has IPv6 and the MTU allows it (below
 * 1,280 a link has no IPv6 state to set).
 */
export const canSilenceIpv6 = ({ hasIpv6, mtu }: { hasIpv6: boolean; mtu: number }) => hasIpv6 && mtu >= 1280;

/**
 * `ip` batch lines run in the instance's namespace: loopback up, optionally the veth pair (made from
 * inside, its outer end sent to the node's namespace, silent on IPv6 when `isIpv6Silent`), the address
 * and the default route via the node.
 * The pair is made from the instance's side because `ip` keeps open every namespace it is told to send a
 * link to: a long-lived process in the node's namespace would keep each deleted instance's namespace
 * alive. Every line but `link add` is idempotent, so a re-run converges.
 */
export const renderInstanceSideLines = ({
  instanceIpCidr,
  nodeIpAddr,
  veth,
  interfaceName = instanceInterfaceName,
}: {
  instanceIpCidr: string;
  nodeIpAddr: string;
  /** The instance's interface: eth0, or what a container runtime asked for. */
  interfaceName?: string | undefined;
  /** Given when the pair is to be made. */
  veth?: { vethName: string; mtu: number; nodeNamespaceRef: string; isIpv6Silent: boolean } | undefined;
}) => [
  ['link', 'set', 'lo', 'up'],
  ...(veth
    ? [
        [
          'link',
          'add',
          interfaceName,
          'mtu',
          String(veth.mtu),
          'type',
          'veth',
          'peer',
          'name',
          veth.vethName,
          'mtu',
          String(veth.mtu),
          'netns',
          veth.nodeNamespaceRef,
        ],
        ...(veth.isIpv6Silent ? [['link', 'set', 'dev', interfaceName, 'addrgenmode', 'none']] : []),
      ]
    : []),
  ['addr', 'flush', 'dev', interfaceName],
  ['addr', 'add', instanceIpCidr, 'dev', interfaceName],
  ['link', 'set', interfaceName, 'up'],
  ['route', 'replace', 'default', 'via', nodeIpAddr, 'dev', interfaceName],
];

/**
 * `ip` batch lines run in the node's namespace: the veth's outer end on the bridge, up, and tagged, with
 * bridge port isolation as the node wants it (a new port starts without, so only `on` is written for one).
 * A new outer end is made silent on IPv6 first when `isIpv6Silent` (see `canSilenceIpv6`).
 */
export const renderVethAttachLines = ({
  vethName,
  bridgeName,
  instanceId,
  isIsolated,
  isNew,
  isIpv6Silent,
}: {
  vethName: string;
  bridgeName: string;
  instanceId: string;
  isIsolated: boolean;
  isNew: boolean;
  isIpv6Silent: boolean;
}) => [
  ...(isNew && isIpv6Silent ? [['link', 'set', 'dev', vethName, 'addrgenmode', 'none']] : []),
  ['link', 'set', vethName, 'master', bridgeName, 'up', 'alias', formatAlias({ instance: instanceId })],
  ...(isNew && !isIsolated
    ? []
    : [['link', 'set', vethName, 'type', 'bridge_slave', 'isolated', isIsolated ? 'on' : 'off']]),
];

/**
 * `ip` batch lines run in the node's namespace after the attach: the bridge forgets its neighbour entry
 * for the instance's address. An address given again (a container after a deleted one, an instance made
 * anew) comes with a new MAC, and the node would keep sending to the old one until its entry went stale
 * (seconds). The entry is set to `failed` (made so when there was none): the next packet to the address
 * resolves it again, and the kernel's garbage collector removes it if none comes. One message, and it
 * cannot fail for want of an entry. It is not deleted after: `ip` ends a whole batch (exit 2, even with
 * `-force`) when a neighbour change fails, and the collector may remove a failed entry at any moment,
 * so a `neigh del` behind it failed now and then and took the node's session with it. `neigh flush`
 * read every link of the node first (`ip` maps names to indexes with a full dump): 0.8 ms per setup on
 * an empty node, 3-8 ms beside 900 instances.
 */
export const renderNeighbourFlushLines = ({
  bridgeName,
  instanceIpCidr,
}: {
  bridgeName: string;
  instanceIpCidr: string;
}) => {
  const address = instanceIpCidr.split('/')[0] ?? instanceIpCidr;
  return [['neigh', 'replace', address, 'dev', bridgeName, 'nud', 'failed']];
};

/** Everything a setup runs in the node's namespace for one instance: the attach, then the neighbour entry. */
export const renderBridgeSideLines = ({
  instanceIpCidr,
  ...attach
}: Parameters<typeof renderVethAttachLines>[0] & { instanceIpCidr: string }) => [
  ...renderVethAttachLines(attach),
  ...renderNeighbourFlushLines({ bridgeName: attach.bridgeName, instanceIpCidr }),
];
