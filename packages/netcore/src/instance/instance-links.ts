import { formatAlias, instanceInterfaceName } from '../names.js';

/**
 * How the instance's side names the node's namespace when it sends the veth's outer end there: by its
 * name in the lab, by this process's id when netcore acts in its own namespace.
 */
export const formatNodeNamespaceRef = ({ hostNamespace }: { hostNamespace: string | undefined }) =>
  hostNamespace ?? String(process.pid);

/**
 * `ip` batch lines run in the instance's namespace: loopback up, optionally the veth pair (made from
 * inside, its outer end sent to the node's namespace), the address and the default route via the node.
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
  veth?: { vethName: string; mtu: number; nodeNamespaceRef: string } | undefined;
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
 */
export const renderVethAttachLines = ({
  vethName,
  bridgeName,
  instanceId,
  isIsolated,
  isNew,
}: {
  vethName: string;
  bridgeName: string;
  instanceId: string;
  isIsolated: boolean;
  isNew: boolean;
}) => [
  ['link', 'set', vethName, 'master', bridgeName, 'up', 'alias', formatAlias({ instance: instanceId })],
  ...(isNew && !isIsolated
    ? []
    : [['link', 'set', vethName, 'type', 'bridge_slave', 'isolated', isIsolated ? 'on' : 'off']]),
];
