/** A lab: simulated nodes in namespaces joined by an underlay bridge, and an outside client. No link to the machine. */
export type LabNode = { name: string; namespace: string; externalIpAddr: string; uplinkInterface: string };
/** A machine of the lab that is not a node: the outside client, the control plane. */
export type LabHost = { namespace: string; ipAddr: string };
export type LabPlan = {
  prefix: string;
  underlay: { namespace: string; bridgeName: string; gatewayCidr: string };
  nodes: LabNode[];
  outside: LabHost;
  /** The control plane's machine, on the underlay like the nodes (only when asked for). */
  controlPlane: LabHost | undefined;
};

/** Documentation range (RFC 5737) for the lab's uplink network; 192.0.2.0/24 is left alone on purpose. */
export const labUnderlayNetwork = { prefix: '198.51.100', length: 24 } as const;
export const labPrefixBase = 'kudo-lab';
const maxNodes = 100;

export const planLab = ({
  prefix,
  nodeCount,
  hasControlPlane = false,
}: {
  prefix: string;
  nodeCount: number;
  hasControlPlane?: boolean;
}): LabPlan => {
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > maxNodes)
    throw new RangeError(`a lab has 1-${maxNodes} nodes, not ${nodeCount}`);
  const { prefix: net, length } = labUnderlayNetwork;
  return {
    prefix,
    underlay: { namespace: `${prefix}-underlay`, bridgeName: 'underlay0', gatewayCidr: `${net}.1/${length}` },
    nodes: Array.from({ length: nodeCount }, (_, index) => ({
      name: `node${index + 1}`,
      namespace: `${prefix}-node${index + 1}`,
      externalIpAddr: `${net}.${11 + index}`,
      uplinkInterface: 'eth0',
    })),
    outside: { namespace: `${prefix}-outside`, ipAddr: `${net}.200` },
    controlPlane: hasControlPlane ? { namespace: `${prefix}-cp`, ipAddr: `${net}.2` } : undefined,
  };
};

/** Every machine of the lab on the underlay, with its uplink address: nodes, outside client, control plane. */
export const listLabHosts = (plan: LabPlan): LabHost[] => [
  ...plan.nodes.map((node) => ({ namespace: node.namespace, ipAddr: node.externalIpAddr })),
  plan.outside,
  ...(plan.controlPlane ? [plan.controlPlane] : []),
];

/** Every namespace of a lab starts with its prefix and a dash, so a lab is removed exactly by its prefix. */
export const isLabNamespace = ({ prefix, namespace }: { prefix: string; namespace: string }) =>
  namespace.startsWith(`${prefix}-`);

/** `ip` batch lines, run in the underlay namespace: its bridge, and one veth per host whose far end is in that host. */
export const renderUnderlayLines = (plan: LabPlan) => {
  const hosts = listLabHosts(plan).map((host) => host.namespace);
  return [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', plan.underlay.bridgeName, 'type', 'bridge'],
    ['addr', 'add', plan.underlay.gatewayCidr, 'dev', plan.underlay.bridgeName],
    ['link', 'set', plan.underlay.bridgeName, 'up'],
    ...hosts.flatMap((namespace, index) => [
      [
        'link',
        'add',
        `port${index}`,
        'master',
        plan.underlay.bridgeName,
        'up',
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        namespace,
      ],
    ]),
  ];
};

/** `ip` batch lines, run in a lab host: its uplink address and the default route to the underlay's gateway. */
export const renderLabHostLines = ({ ipAddr }: { ipAddr: string }) => [
  ['link', 'set', 'lo', 'up'],
  ['addr', 'add', `${ipAddr}/${labUnderlayNetwork.length}`, 'dev', 'eth0'],
  ['link', 'set', 'eth0', 'up'],
  ['route', 'add', 'default', 'via', `${labUnderlayNetwork.prefix}.1`],
];
