import type { ChainDeclaration, RestoreScript, RuleChange, TableName } from '../kernel/restore-script.js';
import { getRuleComment, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments, isOurChain } from '../names.js';
import { hostPortBucketChains, renderBucketJump } from '../port-mappings/host-port-chains.js';
import type { NodeConfig } from './node-config.js';

type ChainRule = { table: TableName; chain: string; rule: string[] };

const comment = (text: string) => ['-m', 'comment', '--comment', text];

/** Only packets addressed to one of the node's own addresses. */
const toLocalAddress = ['-m', 'addrtype', '--dst-type', 'LOCAL'];

/** Only packets of connections in a conntrack state (e.g. `RELATED,ESTABLISHED`, `DNAT`). */
const inState = (state: string) => ['-m', 'conntrack', '--ctstate', state];

/** A jump from a built-in chain into one of ours, tagged with the target so it can be found and removed exactly. */
const hookInto = ({
  table,
  chain,
  target,
  match = [],
}: {
  table: TableName;
  chain: string;
  target: string;
  match?: readonly string[];
}): ChainRule => ({ table, chain, rule: [...match, ...comment(comments.hook(target)), '-j', target] });

/** Jumps from the built-in chains into ours, each tagged so it can be found and removed exactly: present once each. */
export const nodeHooks: readonly ChainRule[] = [
  hookInto({ table: 'filter', chain: 'FORWARD', target: chains.forward }),
  hookInto({ table: 'filter', chain: 'INPUT', target: chains.input }),
  hookInto({ table: 'nat', chain: 'PREROUTING', target: chains.hostPorts, match: toLocalAddress }),
  hookInto({ table: 'nat', chain: 'OUTPUT', target: chains.hostPorts, match: toLocalAddress }),
  hookInto({ table: 'nat', chain: 'POSTROUTING', target: chains.postrouting }),
];

/** Chains whose whole content follows from the node config: rewritten by every setupNode/setupIptables. */
export const staticChains: readonly ChainDeclaration[] = [
  { table: 'filter', chain: chains.forward },
  { table: 'filter', chain: chains.input },
  { table: 'nat', chain: chains.postrouting },
];

/** Chains filled by other operations (port mappings, cluster peers): created when missing, never flushed here. */
export const dynamicChains: readonly ChainDeclaration[] = [
  { table: 'filter', chain: chains.clusterForward },
  { table: 'nat', chain: chains.hostPorts },
  { table: 'nat', chain: chains.clusterNat },
];

/**
 * The buckets of port mappings and their jumps from `KUDO-HOSTPORTS` (see host-port-chains.ts), made
 * ready by setupNode/setupIptables so that setting up an instance changes no rule but its own. They are
 * the port mappings' state, not the node's: diffNode does not look at them; an instance whose bucket or
 * jump is missing has its mappings reported missing, and its setup or setPortMappings makes them again.
 */
const bucketChains: readonly ChainDeclaration[] = hostPortBucketChains.map(
  (chain): ChainDeclaration => ({ table: 'nat', chain }),
);
const bucketJumps: readonly ChainRule[] = hostPortBucketChains.map(
  (bucket): ChainRule => ({ table: 'nat', chain: chains.hostPorts, rule: renderBucketJump(bucket) }),
);

/** The rules of the node's own chains: forwarding, masquerading, hairpin, and the jumps to the dynamic chains. */
export const renderNodeChainRules = ({
  bridgeName: bridge,
  subnet,
  uplinkInterface: uplink,
  protectedPorts,
}: NodeConfig): ChainRule[] => {
  /** A rule of one of the node's chains: what it matches, why (its comment), and where it jumps. */
  const ruleOf =
    ({ table, chain }: { table: TableName; chain: string }) =>
    ({
      match,
      why,
      jump,
    }: {
      match: readonly string[];
      why: string;
      jump: readonly string[];
    }): ChainRule => ({
      table,
      chain,
      rule: [...match, ...comment(comments.node(why)), '-j', ...jump],
    });
  const input = ruleOf({ table: 'filter', chain: chains.input });
  const forward = ruleOf({ table: 'filter', chain: chains.forward });
  const postrouting = ruleOf({ table: 'nat', chain: chains.postrouting });
  const toPorts = ['-p', 'tcp', '-m', 'multiport', '--dports', protectedPorts.join(',')];
  return [
    ...(protectedPorts.length > 0
      ? [
          input({
            match: ['-i', bridge, ...toPorts],
            why: 'instances may not reach node services',
            jump: ['REJECT', '--reject-with', 'tcp-reset'],
          }),
        ]
      : []),
    forward({ match: ['-i', bridge, '-o', bridge], why: 'instance to instance', jump: ['ACCEPT'] }),
    forward({ match: ['-i', bridge, '!', '-o', bridge], why: 'instance outbound', jump: ['ACCEPT'] }),
    forward({
      match: ['-o', bridge, ...inState('RELATED,ESTABLISHED')],
      why: 'replies to instances',
      jump: ['ACCEPT'],
    }),
    forward({ match: ['-o', bridge, ...inState('DNAT')], why: 'port mappings', jump: ['ACCEPT'] }),
    forward({ match: ['-o', bridge], why: 'other nodes', jump: [chains.clusterForward] }),
    forward({ match: ['-o', bridge], why: 'drop unsolicited inbound', jump: ['DROP'] }),
    postrouting({
      match: ['-s', subnet, '-d', subnet, '-o', bridge, ...inState('DNAT')],
      why: 'hairpin port mappings',
      jump: ['MASQUERADE'],
    }),
    postrouting({
      match: ['-s', '127.0.0.0/8', '-o', bridge],
      why: 'port mappings from localhost',
      jump: ['MASQUERADE'],
    }),
    postrouting({
      match: ['-s', subnet, '-o', uplink],
      why: 'cluster traffic keeps its source',
      jump: [chains.clusterNat],
    }),
    postrouting({ match: ['-s', subnet, '-o', uplink], why: 'outbound nat', jump: ['MASQUERADE'] }),
  ];
};

const hookKey = ({ table, chain, rule }: { table: TableName; chain: string; rule: readonly string[] }) =>
  `${table} ${chain} ${getRuleComment(rule)}`;

/**
 * The script that brings a node's iptables part to what its config asks for, given what the kernel has now:
 * static chains rewritten, dynamic chains and buckets created only if missing, each hook and bucket jump
 * present exactly once.
 */
export const renderNodeScript = ({
  config,
  saved,
}: {
  config: NodeConfig;
  saved: SavedTables;
}): RestoreScript => {
  const missingDynamic = [...dynamicChains, ...bucketChains].filter(
    ({ table, chain }) => !saved.chains[table].has(chain),
  );
  // Indexed once: a node may hold tens of thousands of rules, and there are some 70 hooks to look up.
  const presentByKey = new Map<string, SavedTables['rules'][number][]>();
  for (const rule of saved.rules) {
    if (getRuleComment(rule.rule) === undefined) continue;
    const key = hookKey(rule);
    const list = presentByKey.get(key);
    if (list) list.push(rule);
    else presentByKey.set(key, [rule]);
  }
  const hookChanges = [...nodeHooks, ...bucketJumps].flatMap((hook): RuleChange[] => {
    const present = presentByKey.get(hookKey(hook)) ?? [];
    const [first, ...duplicates] = present;
    const isExact = first !== undefined && first.rule.join(' ') === hook.rule.join(' ');
    const stale = isExact ? duplicates : present;
    return [
      ...stale.map(
        (rule): RuleChange => ({ table: rule.table, action: 'delete', chain: rule.chain, rule: rule.rule }),
      ),
      ...(isExact ? [] : [{ ...hook, action: 'insert' as const }]),
    ];
  });
  return {
    declaredChains: [...staticChains, ...missingDynamic],
    changes: [
      ...renderNodeChainRules(config).map((rule): RuleChange => ({ ...rule, action: 'append' })),
      ...hookChanges,
    ],
  };
};

/** Removes the hooks, then empties and deletes every chain of ours. Other rules are not touched. */
export const renderCleanNodeScript = ({ saved }: { saved: SavedTables }): RestoreScript => {
  const ourChains = (['filter', 'nat'] as TableName[]).flatMap((table) =>
    [...saved.chains[table]].filter(isOurChain).map((chain) => ({ table, chain })),
  );
  const hooks = saved.rules.filter(
    (rule) => !isOurChain(rule.chain) && nodeHooks.some((hook) => hookKey(hook) === hookKey(rule)),
  );
  return {
    declaredChains: ourChains,
    changes: hooks.map(
      (rule): RuleChange => ({ table: rule.table, action: 'delete', chain: rule.chain, rule: rule.rule }),
    ),
    deletedChains: ourChains,
  };
};
