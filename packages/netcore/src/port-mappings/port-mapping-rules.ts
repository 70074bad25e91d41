import type { RestoreScript, RuleChange } from '../kernel/restore-script.js';
import { getRuleComment, getRuleOption, type SavedRule, type SavedTables } from '../kernel/saved-rules.js';
import { comments } from '../names.js';
import type { TPort, TProtocol } from '../schemas.js';
import { mergeBucketScripts, renderBucketEnsure } from './bucket-changes.js';
import { getHostPortBucketChain, isHostPortChain, isReachableHostPortChain } from './host-port-chains.js';

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
 * Every port mapping packets to the node's host ports can reach: those in `KUDO-HOSTPORTS` (a node set
 * up before the buckets) or in a bucket it jumps to. A mapping whose bucket lost its jump (e.g. someone
 * ran `iptables -t nat -F KUDO-HOSTPORTS`) is installed but dead: inspection reports it missing.
 */
export const listReachablePortMappings = (saved: SavedTables): readonly InstalledMapping[] =>
  listPortMappings(saved).filter(({ chain }) => isReachableHostPortChain({ saved, chain }));

/**
 * The changes that make an instance's port mappings exactly `ports`: only the differences are written,
 * so the cost does not grow with the number of mappings already on the node. A mapping is removed from
 * the chain that holds it, and added to the instance's bucket, whose chain and jump are ensured whenever
 * the instance keeps mappings (an emptied bucket is left to cleanNode: see host-port-chains.ts).
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
  const bucket = getHostPortBucketChain(instanceId);
  const ensure =
    desired.length > 0 ? renderBucketEnsure({ saved, bucket }) : { createdChains: [], changes: [] };
  const changes: RuleChange[] = [
    ...removed.map(({ rule, chain }): RuleChange => ({ table: 'nat', action: 'delete', chain, rule })),
    ...added.map(
      (mapping): RuleChange => ({
        table: 'nat',
        action: 'append',
        chain: bucket,
        rule: renderPortMappingRule(mapping),
      }),
    ),
    ...ensure.changes,
  ];
  const script: RestoreScript = {
    declaredChains: [],
    ...(ensure.createdChains.length > 0 ? { createdChains: ensure.createdChains } : {}),
    changes,
  };
  return { script, removed: removed.map(({ mapping }) => mapping), added };
};

/**
 * One script for the port mappings of several instances (a bulk setup, a group of removals): their
 * changes together, each bucket created and jumped to once.
 */
export const renderPortMappingsScripts = ({
  saved,
  instances,
}: {
  saved: SavedTables;
  instances: readonly { instanceId: string; instanceAddr: string; ports: readonly TPort[] }[];
}) => {
  const rendered = instances.map((instance) => renderPortMappingsScript({ saved, ...instance }));
  return {
    script: mergeBucketScripts(rendered.map(({ script }) => script)),
    removed: rendered.flatMap(({ removed }) => removed),
    added: rendered.flatMap(({ added }) => added),
  };
};
