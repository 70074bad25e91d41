import type { RestoreScript, RuleChange } from '../kernel/restore-script.js';
import { getRuleComment, getRuleOption, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments } from '../names.js';
import type { TPort, TProtocol } from '../schemas.js';

/** A port mapping as installed: whose it is, and where it sends traffic. */
export type PortMapping = TPort & { instanceId: string; instanceAddr: string };

export const formatPortKey = ({ protocol, hostPort }: Pick<TPort, 'protocol' | 'hostPort'>) =>
  `${protocol}/${hostPort}`;

/** One DNAT rule per mapping, in the node's host-ports chain, tagged with the instance id. */
export const renderPortMappingRule = ({
  instanceId,
  instanceAddr,
  hostPort,
  instancePort,
  protocol,
}: PortMapping) => [
  '-p',
  protocol,
  '-m',
  protocol,
  '--dport',
  String(hostPort),
  '-m',
  'comment',
  '--comment',
  comments.instancePort(instanceId),
  '-j',
  'DNAT',
  '--to-destination',
  `${instanceAddr}:${instancePort}`,
];

/** Reads a port mapping back from a saved DNAT rule; undefined for anything else. */
export const parsePortMappingRule = (rule: readonly string[]): PortMapping | undefined => {
  const instanceId = getRuleComment(rule)?.replace(comments.instancePort(''), '');
  const protocol = getRuleOption(rule, '-p');
  const hostPort = Number(getRuleOption(rule, '--dport'));
  const [instanceAddr, instancePort] = (getRuleOption(rule, '--to-destination') ?? '').split(':');
  if (!instanceId || (protocol !== 'tcp' && protocol !== 'udp') || !instanceAddr || !instancePort)
    return undefined;
  return {
    instanceId,
    protocol: protocol as TProtocol,
    hostPort,
    instanceAddr,
    instancePort: Number(instancePort),
  };
};

/** Every port mapping installed on the node, with the saved rule it came from. */
export const listPortMappings = (saved: SavedTables) =>
  saved.rules.flatMap((saved) => {
    if (saved.table !== 'nat' || saved.chain !== chains.hostPorts) return [];
    const mapping = parsePortMappingRule(saved.rule);
    return mapping ? [{ mapping, rule: saved.rule }] : [];
  });

/** The first requested host port already taken by another instance on the node, with its index. */
export const findHostPortConflict = ({
  saved,
  instanceId,
  ports,
}: {
  saved: SavedTables;
  instanceId: string;
  ports: readonly TPort[];
}) => {
  const taken = new Map(
    listPortMappings(saved)
      .filter(({ mapping }) => mapping.instanceId !== instanceId)
      .map(({ mapping }) => [formatPortKey(mapping), mapping.instanceId]),
  );
  const index = ports.findIndex((port) => taken.has(formatPortKey(port)));
  const port = ports[index];
  return port ? { index, port, owner: taken.get(formatPortKey(port)) ?? '' } : undefined;
};

const isSameMapping = (a: PortMapping, b: PortMapping) =>
  formatPortKey(a) === formatPortKey(b) &&
  a.instanceAddr === b.instanceAddr &&
  a.instancePort === b.instancePort;

/**
 * The changes that make an instance's port mappings exactly `ports`: only the differences are written,
 * so the cost does not grow with the number of mappings already on the node.
 */
export const renderPortMappingsScript = ({
  saved,
  instanceId,
  instanceAddr,
  ports,
}: {
  saved: SavedTables;
  instanceId: string;
  instanceAddr: string;
  ports: readonly TPort[];
}) => {
  const current = listPortMappings(saved).filter(({ mapping }) => mapping.instanceId === instanceId);
  const desired = ports.map((port): PortMapping => ({ ...port, instanceId, instanceAddr }));
  const removed = current.filter(({ mapping }) => !desired.some((wanted) => isSameMapping(wanted, mapping)));
  const added = desired.filter((wanted) => !current.some(({ mapping }) => isSameMapping(wanted, mapping)));
  const changes: RuleChange[] = [
    ...removed.map(
      ({ rule }): RuleChange => ({ table: 'nat', action: 'delete', chain: chains.hostPorts, rule }),
    ),
    ...added.map(
      (mapping): RuleChange => ({
        table: 'nat',
        action: 'append',
        chain: chains.hostPorts,
        rule: renderPortMappingRule(mapping),
      }),
    ),
  ];
  const script: RestoreScript = { declaredChains: [], changes };
  return { script, removed: removed.map(({ mapping }) => mapping), added };
};
