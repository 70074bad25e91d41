import { createHash } from 'node:crypto';
import { getBridgeName, getVethName, routeProtocol } from '@kudo/netcore';
import { listNamespaces } from '@kudo/netcore/lab';
import { runIn } from '@kudo/netcore/testing';
import type { Database } from '../db/database.js';
import { getNodeIpAddr } from '../ipam/ipam.js';

/**
 * What the reliability tests compare after a fault: a node's kernel against the control plane's database,
 * read with plain `ip` and `iptables-save` (not with netcore's own inspection, which is under test too),
 * and the database against itself. Each function returns a list of problems in words: `[]` is healthy.
 */

/** netcore's instance namespace name (names.ts), recomputed here so the check does not trust netcore. */
const getInstanceNamespace = ({ nodeNamespace, instanceId }: { nodeNamespace: string; instanceId: string }) =>
  `${nodeNamespace}-i-${instanceId.slice(0, 24)}-${createHash('sha256')
    .update(`instance:${instanceId}`)
    .digest('hex')
    .slice(0, 8)}`;

const difference = (left: readonly string[], right: readonly string[]) =>
  left.filter((item) => !right.includes(item));

/** The kernel objects of a lab node that carry our marks. */
export const readNodeKernel = async ({ namespace }: { namespace: string }) => {
  const [namespaces, links, saved, routes] = await Promise.all([
    listNamespaces(),
    runIn({ namespace, command: ['ip', '-o', 'link', 'show'] }),
    runIn({ namespace, command: ['iptables-save'] }),
    runIn({ namespace, command: ['ip', 'route', 'show', 'proto', String(routeProtocol)] }),
  ]);
  const linkNames = links
    .split('\n')
    .map((line) => line.match(/^\d+: ([^:@\s]+)/)?.[1])
    .filter((name): name is string => Boolean(name));
  const rules = saved
    .split('\n')
    .filter((line) => line.startsWith('-A ') && (line.includes('KUDO-') || line.includes('kudo:')));
  return {
    instanceNamespaces: namespaces.filter((name) => name.startsWith(`${namespace}-i-`)),
    // By name: a bulk re-apply creates veths in parallel, so their order (ifindex) means nothing.
    veths: linkNames.filter((name) => name.startsWith('kudov')).sort(),
    bridges: linkNames.filter((name) => name.startsWith('kudob')),
    rules,
    routes: routes.split('\n').filter(Boolean),
  };
};

export type NodeKernel = Awaited<ReturnType<typeof readNodeKernel>>;

/** The instance id a rule line is about (`kudo:instance=ID` in its comment), if any. */
export const readRuleInstance = (line: string) => line.match(/kudo:instance=([^"\s]+)/)?.[1];

/**
 * Everything that differs between a node's kernel and what the database wants on it: leaked or missing
 * namespaces, veths, bridge, port-mapping rules and peer routes, and duplicated rules.
 */
export const findKernelProblems = async ({
  db,
  nodeId,
  namespace,
}: {
  db: Database;
  nodeId: string;
  namespace: string;
}) => {
  const kernel = await readNodeKernel({ namespace });
  const node = await db.node.findUnique({
    where: { id: nodeId },
    select: {
      instances: { select: { id: true, status: true, portMappings: { select: { hostPort: true } } } },
    },
  });
  const peers = await db.node.findMany({
    where: { id: { not: nodeId }, removeRequestedAt: null },
    select: { id: true, subnet: true, externalIpAddr: true },
  });
  const wanted = (node?.instances ?? []).filter(({ status }) => status !== 'deleting');
  const problems: string[] = [];
  const compare = (what: string, actual: readonly string[], expected: readonly string[]) => {
    for (const item of difference(actual, expected)) problems.push(`leaked ${what} ${item}`);
    for (const item of difference(expected, actual)) problems.push(`missing ${what} ${item}`);
  };
  compare(
    'namespace',
    kernel.instanceNamespaces,
    wanted.map(({ id }) => getInstanceNamespace({ nodeNamespace: namespace, instanceId: id })),
  );
  compare(
    'veth',
    kernel.veths,
    wanted.map(({ id }) => getVethName(id)),
  );
  compare('bridge', kernel.bridges, node ? [getBridgeName(nodeId)] : []);
  compare(
    'route',
    kernel.routes.map((line) => line.split(' ').slice(0, 3).join(' ')),
    peers.map(({ subnet, externalIpAddr }) => `${subnet} via ${externalIpAddr}`),
  );
  for (const line of new Set(kernel.rules))
    if (kernel.rules.indexOf(line) !== kernel.rules.lastIndexOf(line))
      problems.push(`duplicated rule ${line}`);
  const ruleInstances = kernel.rules.map(readRuleInstance).filter((id): id is string => Boolean(id));
  compare(
    'port-mapping rules of instance',
    [...new Set(ruleInstances)],
    wanted.filter(({ portMappings }) => portMappings.length > 0).map(({ id }) => id),
  );
  for (const { id, portMappings } of wanted)
    for (const { hostPort } of portMappings)
      if (
        !kernel.rules.some((line) => readRuleInstance(line) === id && line.includes(`--dport ${hostPort} `))
      )
        problems.push(`missing host port ${hostPort} of instance ${id}`);
  return problems.sort();
};

/**
 * Records that are half-valid or point at nothing: an instance outside its node's subnet or on the node's
 * own address, a port mapping whose node is not its instance's, an address or host port held twice, a
 * pending change about a node that does not exist. (Foreign keys already refuse a missing node or instance.)
 */
export const findDatabaseProblems = async ({ db }: { db: Database }) => {
  const [nodes, instances, mappings, pending] = await Promise.all([
    db.node.findMany({ select: { id: true, subnet: true, nodeIpAddr: true } }),
    db.instance.findMany({ select: { id: true, nodeId: true, ipAddr: true, status: true } }),
    db.portMapping.findMany({
      select: { instanceId: true, nodeId: true, hostPort: true, protocol: true, instancePort: true },
    }),
    db.pendingChange.findMany({ select: { nodeId: true, subjectId: true, kind: true } }),
  ]);
  const problems: string[] = [];
  const nodeById = new Map(nodes.map((node) => [node.id, node]));
  const instanceById = new Map(instances.map((instance) => [instance.id, instance]));
  for (const node of nodes)
    if (node.nodeIpAddr !== getNodeIpAddr(node.subnet))
      problems.push(`node ${node.id}: address ${node.nodeIpAddr} is not the first of ${node.subnet}`);
  const seenAddresses = new Set<string>();
  for (const instance of instances) {
    const node = nodeById.get(instance.nodeId);
    if (!node) problems.push(`instance ${instance.id}: node ${instance.nodeId} does not exist`);
    else if (!isInSubnet({ address: instance.ipAddr, subnet: node.subnet }))
      problems.push(`instance ${instance.id}: ${instance.ipAddr} is outside ${node.subnet}`);
    else if (instance.ipAddr === node.nodeIpAddr)
      problems.push(`instance ${instance.id}: holds its node's own address`);
    if (seenAddresses.has(instance.ipAddr)) problems.push(`address ${instance.ipAddr} is held twice`);
    seenAddresses.add(instance.ipAddr);
  }
  const seenPorts = new Set<string>();
  for (const mapping of mappings) {
    const instance = instanceById.get(mapping.instanceId);
    if (!instance) problems.push(`port mapping ${mapping.hostPort}: instance ${mapping.instanceId} missing`);
    else if (instance.nodeId !== mapping.nodeId)
      problems.push(`port mapping ${mapping.hostPort} of ${mapping.instanceId}: on node ${mapping.nodeId}`);
    if (mapping.hostPort < 1 || mapping.hostPort > 65_535 || mapping.instancePort < 1)
      problems.push(`port mapping ${mapping.hostPort}→${mapping.instancePort}: out of range`);
    if (!['tcp', 'udp'].includes(mapping.protocol))
      problems.push(`port mapping ${mapping.hostPort}: protocol ${mapping.protocol}`);
    const key = `${mapping.nodeId}/${mapping.protocol}/${mapping.hostPort}`;
    if (seenPorts.has(key)) problems.push(`host port ${key} is mapped twice`);
    seenPorts.add(key);
  }
  for (const change of pending)
    if (
      !nodeById.has(change.nodeId) ||
      (change.kind !== 'deleteNodeInCluster' && !nodeById.has(change.subjectId))
    )
      problems.push(
        `pending ${change.kind} on ${change.nodeId} about ${change.subjectId}: points at nothing`,
      );
  return problems.sort();
};

const toNumber = (address: string) =>
  address.split('.').reduce((value, part) => value * 256 + Number(part), 0);

const isInSubnet = ({ address, subnet }: { address: string; subnet: string }) => {
  const [network = '', prefix = '32'] = subnet.split('/');
  const size = 2 ** (32 - Number(prefix));
  const first = toNumber(network);
  const value = toNumber(address);
  return value > first && value < first + size - 1;
};
