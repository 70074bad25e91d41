import type { RestoreScript, RuleChange } from '../kernel/restore-script.js';
import { getRuleComment, getRuleOption, type SavedRule, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments } from '../names.js';
import type { TPort, TProtocol } from '../schemas.js';
import { getHostPortBucketChain, isHostPortChain } from './host-port-chains.js';

/** A port mapping as installed: whose it is, and where it sends traffic. */
export type PortMapping = TPort & { instanceId: string; instanceAddr: string };

export const formatPortKey = ({ protocol, hostPort }: Pick<TPort, 'protocol' | 'hostPort'>) =>
  `${protocol}/${hostPort}`;

/** One DNAT rule per mapping, in the instance's host-port chain (see host-port-chains.ts), tagged with the instance id. */
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

/** A mapping found in the tables, with the saved rule it came from and the chain that holds it. */
type InstalledMapping = { mapping: PortMapping; rule: readonly string[]; chain: string };

const installedByTables = new WeakMap<SavedTables, InstalledMapping[]>();
const installedByRule = new WeakMap<SavedRule, InstalledMapping | null>();

/** The mapping a saved rule holds (null: none), parsed once per rule object. */
const readInstalledMapping = (saved: SavedRule) => {
  const known = installedByRule.get(saved);
  if (known !== undefined) return known;
  const mapping =
    saved.table === 'nat' && isHostPortChain(saved.chain) ? parsePortMappingRule(saved.rule) : undefined;
  const installed = mapping ? { mapping, rule: saved.rule, chain: saved.chain } : null;
  installedByRule.set(saved, installed);
  return installed;
};

/**
 * Every port mapping installed on the node, with the saved rule it came from. Tables are never changed
 * in place (a change makes new ones that share the unchanged rule objects), so the list is kept per
 * tables object and each rule is parsed once: beside 20,000 mappings a change costs a pass over the
 * rules, not a parse of each (30 ms).
 */
export const listPortMappings = (saved: SavedTables): readonly InstalledMapping[] => {
  const known = installedByTables.get(saved);
  if (known) return known;
  const installed: InstalledMapping[] = [];
  for (const rule of saved.rules) {
    const mapping = readInstalledMapping(rule);
    if (mapping) installed.push(mapping);
  }
  installedByTables.set(saved, installed);
  return installed;
};

const mappingsByInstance = new WeakMap<SavedTables, Map<string, InstalledMapping[]>>();

/** The installed port mappings of one instance (grouped once per tables object). */
const listInstancePortMappings = ({ saved, instanceId }: { saved: SavedTables; instanceId: string }) => {
  let grouped = mappingsByInstance.get(saved);
  if (!grouped) {
    grouped = new Map();
    for (const installed of listPortMappings(saved)) {
      const list = grouped.get(installed.mapping.instanceId) ?? [];
      list.push(installed);
      grouped.set(installed.mapping.instanceId, list);
    }
    mappingsByInstance.set(saved, grouped);
  }
  return grouped.get(instanceId) ?? [];
};

/** The host ports an instance asks for, and the node's tables they are checked against. */
export type HostPortRequest = { saved: SavedTables; instanceId: string; ports: readonly TPort[] };

/**
 * The first requested host port already taken by another instance on the node, with its index. One pass
 * over the node's mappings comparing numbers (no map of the node's 20,000 keys built per change).
 */
export const findHostPortConflict = ({ saved, instanceId, ports }: HostPortRequest) => {
  if (ports.length === 0) return undefined;
  const requested = new Set(ports.map(({ hostPort }) => hostPort));
  const owners = new Map<string, string>();
  for (const { mapping } of listPortMappings(saved))
    if (requested.has(mapping.hostPort) && mapping.instanceId !== instanceId)
      owners.set(formatPortKey(mapping), mapping.instanceId);
  const index = ports.findIndex((port) => owners.has(formatPortKey(port)));
  const port = ports[index];
  return port ? { index, port, owner: owners.get(formatPortKey(port)) ?? '' } : undefined;
};

const formatMappingKey = (mapping: PortMapping) =>
  `${formatPortKey(mapping)}>${mapping.instanceAddr}:${mapping.instancePort}`;

/**
 * The chain an instance's new mappings go to: its bucket, or `KUDO-HOSTPORTS` on a node whose buckets
 * are missing (set up before them: setupIptables creates them, and diffNode names them).
 */
const selectHostPortChain = ({ saved, instanceId }: { saved: SavedTables; instanceId: string }) => {
  const bucket = getHostPortBucketChain(instanceId);
  return saved.chains.nat.has(bucket) ? bucket : chains.hostPorts;
};

/**
 * The changes that make an instance's port mappings exactly `ports`: only the differences are written,
 * so the cost does not grow with the number of mappings already on the node. A mapping is removed from
 * the chain that holds it, and added to the instance's bucket.
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
  const current = listInstancePortMappings({ saved, instanceId });
  const desired = ports.map((port): PortMapping => ({ ...port, instanceId, instanceAddr }));
  const desiredKeys = new Set(desired.map(formatMappingKey));
  const currentKeys = new Set(current.map(({ mapping }) => formatMappingKey(mapping)));
  const removed = current.filter(({ mapping }) => !desiredKeys.has(formatMappingKey(mapping)));
  const added = desired.filter((wanted) => !currentKeys.has(formatMappingKey(wanted)));
  const target = added.length > 0 ? selectHostPortChain({ saved, instanceId }) : chains.hostPorts;
  const changes: RuleChange[] = [
    ...removed.map(({ rule, chain }): RuleChange => ({ table: 'nat', action: 'delete', chain, rule })),
    ...added.map(
      (mapping): RuleChange => ({
        table: 'nat',
        action: 'append',
        chain: target,
        rule: renderPortMappingRule(mapping),
      }),
    ),
  ];
  const script: RestoreScript = { declaredChains: [], changes };
  return { script, removed: removed.map(({ mapping }) => mapping), added };
};
