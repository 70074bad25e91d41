import { z } from 'zod';
import { listPeerSubnets } from '../cluster/peer-rules.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { readLinks, readRoutes, runIpBatch } from '../kernel/links.js';
import { deleteNamespace, listNamespaces } from '../kernel/namespaces.js';
import type { RuleChange } from '../kernel/restore-script.js';
import {
  getNamespaceName,
  isInstanceNamespaceName,
  isOurInterfaceName,
  parseAlias,
  routeProtocol,
} from '../names.js';
import { cleanNode } from '../node/clean-node.js';
import { deleteNftPortMappings, readNftState } from '../port-mappings/nft-port-mappings.js';
import { listPortMappings } from '../port-mappings/port-mapping-rules.js';
import { ZId } from '../schemas.js';
import { parseInput } from '../validate.js';

/** What the caller knows to exist on this host; anything else carrying our marks is an orphan. */
export const ZKnownResources = z.object({
  nodeIds: z.array(ZId).default([]),
  instanceIds: z.array(ZId).default([]),
  /** Other nodes of the cluster; when omitted, routes and rules to peers are not judged. */
  peerNodeIds: z.array(ZId).optional(),
});
export const ZCleanOrphansRequest = z.object({ known: ZKnownResources, dryRun: z.boolean().default(true) });

export type TKnownResources = z.input<typeof ZKnownResources>;
export type Orphan = {
  resource: 'namespace' | 'veth' | 'port-mapping' | 'node' | 'peer-route' | 'peer-rules';
  name: string;
  detail: string;
  /** What cleaning it does, in words. */
  action: string;
};

type OrphanPlan = {
  orphans: Orphan[];
  namespaces: string[];
  veths: string[];
  ruleDeletes: RuleChange[];
  /** Instances whose elements in our nftables map are orphans. */
  nftInstanceIds: string[];
  routes: string[];
  nodes: string[];
};

const planOrphans = async ({
  host,
  known: knownInput,
}: {
  host: Host;
  known: unknown;
}): Promise<OrphanPlan> => {
  const known = parseInput({ schema: ZKnownResources, input: knownInput });
  const [links, saved, routes, namespaces] = await Promise.all([
    readLinks({ host }),
    readIptables({ host }),
    readRoutes({ host, protocol: routeProtocol }),
    listNamespaces(),
  ]);
  const instanceIds = new Set(known.instanceIds);
  const knownNamespaces = new Set(
    known.instanceIds.map((id) => getNamespaceName(id, { prefix: host.namespacePrefix })),
  );
  const plan: OrphanPlan = {
    orphans: [],
    namespaces: [],
    veths: [],
    ruleDeletes: [],
    nftInstanceIds: [],
    routes: [],
    nodes: [],
  };

  for (const name of namespaces)
    if (isInstanceNamespaceName({ name, prefix: host.namespacePrefix }) && !knownNamespaces.has(name)) {
      plan.namespaces.push(name);
      plan.orphans.push({
        resource: 'namespace',
        name,
        detail: 'instance namespace of no known instance',
        action: `ip netns del ${name}`,
      });
    }
  for (const link of links) {
    if (!isOurInterfaceName(link.name)) continue;
    const fields = parseAlias(link.alias);
    if (link.kind === 'veth' && !(fields.instance && instanceIds.has(fields.instance))) {
      plan.veths.push(link.name);
      plan.orphans.push({
        resource: 'veth',
        name: link.name,
        detail: `veth of ${fields.instance ? `unknown instance '${fields.instance}'` : 'no instance'}`,
        action: `ip link del ${link.name}`,
      });
    }
    if (link.kind === 'bridge' && !(fields.node && known.nodeIds.includes(fields.node))) {
      plan.nodes.push(fields.node ?? '');
      plan.orphans.push({
        resource: 'node',
        name: link.name,
        detail: `bridge of unknown node '${fields.node ?? '?'}'`,
        action: 'cleanNode: bridge, chains, hooks and peer routes',
      });
    }
  }
  for (const { mapping, rule, chain } of listPortMappings(saved))
    if (!instanceIds.has(mapping.instanceId)) {
      plan.ruleDeletes.push({ table: 'nat', action: 'delete', chain, rule });
      plan.orphans.push({
        resource: 'port-mapping',
        name: `${mapping.protocol}/${mapping.hostPort}`,
        detail: `maps to unknown instance '${mapping.instanceId}' (${mapping.instanceAddr}:${mapping.instancePort})`,
        action: 'delete the DNAT rule',
      });
    }
  // Our nftables map is read only where a node of ours uses it (an iptables node never runs nft).
  const usesNftables = links.some(
    (link) => isOurInterfaceName(link.name) && parseAlias(link.alias).ports === 'nftables',
  );
  for (const mapping of usesNftables ? (await readNftState({ host })).mappings : [])
    if (!instanceIds.has(mapping.instanceId)) {
      if (!plan.nftInstanceIds.includes(mapping.instanceId)) plan.nftInstanceIds.push(mapping.instanceId);
      plan.orphans.push({
        resource: 'port-mapping',
        name: `${mapping.protocol}/${mapping.hostPort}`,
        detail: `maps to unknown instance '${mapping.instanceId}' (${mapping.instanceAddr}:${mapping.instancePort})`,
        action: 'delete the element of the nftables map',
      });
    }
  const peers = listPeerSubnets(saved);
  if (known.peerNodeIds) {
    const peerIds = new Set(known.peerNodeIds);
    for (const [nodeId] of peers) {
      if (peerIds.has(nodeId)) continue;
      for (const rule of saved.rules.filter((candidate) =>
        candidate.rule.includes(`kudo:cluster-node=${nodeId}`),
      ))
        plan.ruleDeletes.push({ table: rule.table, action: 'delete', chain: rule.chain, rule: rule.rule });
      plan.orphans.push({
        resource: 'peer-rules',
        name: nodeId,
        detail: `rules for node '${nodeId}', not in the cluster`,
        action: 'delete its forwarding and no-NAT rules',
      });
    }
  }
  const keptSubnets = new Set(
    [...peers]
      .filter(([nodeId]) => !known.peerNodeIds || known.peerNodeIds.includes(nodeId))
      .map(([, peer]) => peer.subnet),
  );
  for (const route of routes)
    if (!keptSubnets.has(route.destination)) {
      plan.routes.push(route.destination);
      plan.orphans.push({
        resource: 'peer-route',
        name: route.destination,
        detail: `route via ${route.gateway ?? '?'} to no known node`,
        action: `ip route del ${route.destination}`,
      });
    }
  return plan;
};

/** Resources that carry our marks (names, aliases, rule comments, route protocol) but belong to nothing known. */
export const findOrphans = async ({ host, known }: { host: Host; known: unknown }) =>
  (await planOrphans({ host, known })).orphans;

/** Removes orphans; with `dryRun` (the default) only returns the plan. Never touches anything without our marks. */
export const cleanOrphans = async ({ host, request }: { host: Host; request: unknown }) => {
  const { known, dryRun } = parseInput({ schema: ZCleanOrphansRequest, input: request });
  const plan = await planOrphans({ host, known });
  if (dryRun) return { dryRun, orphans: plan.orphans };
  await applyRestoreScript({ host, script: { declaredChains: [], changes: plan.ruleDeletes } });
  if (plan.nftInstanceIds.length > 0) await deleteNftPortMappings({ host, instanceIds: plan.nftInstanceIds });
  await runIpBatch({
    host,
    lines: [
      ...plan.routes.map((subnet) => ['route', 'del', subnet, 'proto', String(routeProtocol)]),
      ...plan.veths.map((name) => ['link', 'del', name]),
    ],
  });
  for (const namespaceName of plan.namespaces) await deleteNamespace({ host, namespaceName });
  for (const nodeId of plan.nodes) if (nodeId) await cleanNode({ host, request: { nodeId } });
  return { dryRun, orphans: plan.orphans };
};
