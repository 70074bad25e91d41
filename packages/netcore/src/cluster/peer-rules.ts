import { toNetwork } from '../addressing.js';
import type { RestoreScript, RuleChange, TableName } from '../kernel/restore-script.js';
import { getRuleComment, getRuleOption, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments, routeProtocol } from '../names.js';
import type { NodeConfig } from '../node/node-config.js';
import type { TNodeRequest } from '../schemas.js';

/** Another node of the cluster, as this node sees it: its instance network and where to send it. */
export type Peer = { nodeId: string; subnet: string; externalIpAddr: string };

export const toPeer = ({ nodeId, nodeIp }: TNodeRequest): Peer => ({
  nodeId,
  subnet: toNetwork(nodeIp.clusterIpCidr),
  externalIpAddr: nodeIp.externalIpAddr,
});

type ChainRule = { table: TableName; chain: string; rule: string[] };

/**
 * A peer's rules: forwarding from its instances to ours is accepted, and traffic from our instances to
 * its instances is not masqueraded (ACCEPT in nat ends NAT processing), so both ends see real addresses.
 */
export const renderPeerRules = ({ config, peer }: { config: NodeConfig; peer: Peer }): ChainRule[] => {
  const tag = ['-m', 'comment', '--comment', comments.clusterNode(peer.nodeId)];
  return [
    {
      table: 'filter',
      chain: chains.clusterForward,
      rule: ['-s', peer.subnet, '-d', config.subnet, ...tag, '-j', 'ACCEPT'],
    },
    { table: 'nat', chain: chains.clusterNat, rule: ['-d', peer.subnet, ...tag, '-j', 'ACCEPT'] },
  ];
};

export const findPeerRules = ({ saved, nodeId }: { saved: SavedTables; nodeId: string }) =>
  saved.rules.filter((rule) => getRuleComment(rule.rule) === comments.clusterNode(nodeId));

/**
 * The peers recorded in the kernel, from their rules: node id to instance network, and whether both of
 * its rules (forwarding and no-NAT) are present.
 */
export const listPeerSubnets = (saved: SavedTables) => {
  const peers = new Map<string, { subnet: string; isComplete: boolean }>();
  for (const rule of saved.rules) {
    const nodeId = getRuleComment(rule.rule)?.replace(comments.clusterNode(''), '');
    if (!nodeId || getRuleComment(rule.rule) !== comments.clusterNode(nodeId)) continue;
    const subnet =
      rule.chain === chains.clusterNat ? getRuleOption(rule.rule, '-d') : getRuleOption(rule.rule, '-s');
    if (!subnet) continue;
    const known = peers.get(nodeId);
    peers.set(nodeId, { subnet, isComplete: known !== undefined && known.subnet === subnet });
  }
  return peers;
};

const sameRule = (a: readonly string[], b: readonly string[]) => a.join(' ') === b.join(' ');

/** Rules to add or replace peers and to remove others, leaving unchanged peers untouched. */
export const renderPeersScript = ({
  config,
  saved,
  upsert,
  remove,
}: {
  config: NodeConfig;
  saved: SavedTables;
  upsert: readonly Peer[];
  remove: readonly string[];
}): RestoreScript => {
  const deleteAll = (nodeId: string) =>
    findPeerRules({ saved, nodeId }).map(
      (rule): RuleChange => ({ table: rule.table, action: 'delete', chain: rule.chain, rule: rule.rule }),
    );
  const changes = [
    ...upsert.flatMap((peer) => {
      const desired = renderPeerRules({ config, peer });
      const present = findPeerRules({ saved, nodeId: peer.nodeId });
      const isCurrent =
        present.length === desired.length &&
        desired.every((rule) =>
          present.some((saved) => saved.chain === rule.chain && sameRule(saved.rule, rule.rule)),
        );
      if (isCurrent) return [];
      return [
        ...deleteAll(peer.nodeId),
        ...desired.map((rule): RuleChange => ({ ...rule, action: 'append' })),
      ];
    }),
    ...remove.flatMap(deleteAll),
  ];
  return { declaredChains: [], changes };
};

/** `ip` batch lines: routes to peers (host-gw: via their external address), tagged with our protocol. */
export const renderPeerRouteLines = ({
  upsert,
  removeSubnets,
}: {
  upsert: readonly Peer[];
  removeSubnets: readonly string[];
}) => [
  ...removeSubnets.map((subnet) => ['route', 'del', subnet, 'proto', String(routeProtocol)]),
  ...upsert.map((peer) => [
    'route',
    'replace',
    peer.subnet,
    'via',
    peer.externalIpAddr,
    'proto',
    String(routeProtocol),
  ]),
];
