import { formatAlias, instanceInterfaceName } from '../names.js';

/** `ip` batch lines, run in the node's namespace, that create the veth pair with its outer end on the bridge. */
export const renderVethLines = ({
  vethName,
  bridgeName,
  namespaceName,
  mtu,
  instanceId,
  isIsolated,
}: {
  vethName: string;
  bridgeName: string;
  namespaceName: string;
  mtu: number;
  instanceId: string;
  isIsolated: boolean;
}) => [
  [
    'link',
    'add',
    vethName,
    'mtu',
    String(mtu),
    'master',
    bridgeName,
    'up',
    'type',
    'veth',
    'peer',
    'name',
    instanceInterfaceName,
    'mtu',
    String(mtu),
    'netns',
    namespaceName,
  ],
  // `ip link add` ignores `alias`: it is set in its own line.
  ['link', 'set', vethName, 'alias', formatAlias({ instance: instanceId })],
  ...(isIsolated ? [['link', 'set', vethName, 'type', 'bridge_slave', 'isolated', 'on']] : []),
];

/** `ip` batch lines, run in the instance's namespace; each is idempotent, so a re-run converges. */
export const renderInstanceNamespaceLines = ({
  instanceIpCidr,
  nodeIpAddr,
}: {
  instanceIpCidr: string;
  nodeIpAddr: string;
}) => [
  ['link', 'set', 'lo', 'up'],
  ['addr', 'flush', 'dev', instanceInterfaceName],
  ['addr', 'add', instanceIpCidr, 'dev', instanceInterfaceName],
  ['link', 'set', instanceInterfaceName, 'up'],
  ['route', 'replace', 'default', 'via', nodeIpAddr, 'dev', instanceInterfaceName],
];
