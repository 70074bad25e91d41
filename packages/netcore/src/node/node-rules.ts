import type { ChainDeclaration, RestoreScript, RuleChange, TableName } from '../kernel/restore-script.js';
import { getRuleComment, type SavedTables } from '../kernel/saved-rules.js';
import { chains, comments, isOurChain } from '../names.js';
import type { NodeConfig } from './node-config.js';

type ChainRule = { table: TableName; chain: string; rule: string[] };

const comment = (text: string) => ['-m', 'comment', '--comment', text];

/** Jumps from the built-in chains into ours, each tagged so it can be found and removed exactly. */
export const nodeHooks: readonly ChainRule[] = [
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: [...comment(comments.hook(chains.forward)), '-j', chains.forward],
  },
  {
    table: 'filter',
    chain: 'INPUT',
    rule: [...comment(comments.hook(chains.input)), '-j', chains.input],
  },
  {
    table: 'nat',
    chain: 'PREROUTING',
    rule: [
      '-m',
      'addrtype',
      '--dst-type',
      'LOCAL',
      ...comment(comments.hook(chains.hostPorts)),
      '-j',
      chains.hostPorts,
    ],
  },
  {
    table: 'nat',
    chain: 'OUTPUT',
    rule: [
      '-m',
      'addrtype',
      '--dst-type',
      'LOCAL',
      ...comment(comments.hook(chains.hostPorts)),
      '-j',
      chains.hostPorts,
    ],
  },
  {
    table: 'nat',
    chain: 'POSTROUTING',
    rule: [...comment(comments.hook(chains.postrouting)), '-j', chains.postrouting],
  },
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

/** The rules of the node's own chains: forwarding, masquerading, hairpin, and the jumps to the dynamic chains. */
export const renderNodeChainRules = ({
  bridgeName: bridge,
  subnet,
  uplinkInterface: uplink,
  protectedPorts,
}: NodeConfig): ChainRule[] => {
  const input = (rule: string[]): ChainRule => ({ table: 'filter', chain: chains.input, rule });
  const forward = (rule: string[]): ChainRule => ({ table: 'filter', chain: chains.forward, rule });
  const postrouting = (rule: string[]): ChainRule => ({ table: 'nat', chain: chains.postrouting, rule });
  return [
    ...(protectedPorts.length > 0
      ? [
          input([
            '-i',
            bridge,
            '-p',
            'tcp',
            '-m',
            'multiport',
            '--dports',
            protectedPorts.join(','),
            ...comment(comments.node('instances may not reach node services')),
            '-j',
            'REJECT',
            '--reject-with',
            'tcp-reset',
          ]),
        ]
      : []),
    forward(['-i', bridge, '-o', bridge, ...comment(comments.node('instance to instance')), '-j', 'ACCEPT']),
    forward([
      '-i',
      bridge,
      '!',
      '-o',
      bridge,
      ...comment(comments.node('instance outbound')),
      '-j',
      'ACCEPT',
    ]),
    forward([
      '-o',
      bridge,
      '-m',
      'conntrack',
      '--ctstate',
      'RELATED,ESTABLISHED',
      ...comment(comments.node('replies to instances')),
      '-j',
      'ACCEPT',
    ]),
    forward([
      '-o',
      bridge,
      '-m',
      'conntrack',
      '--ctstate',
      'DNAT',
      ...comment(comments.node('port mappings')),
      '-j',
      'ACCEPT',
    ]),
    forward(['-o', bridge, ...comment(comments.node('other nodes')), '-j', chains.clusterForward]),
    forward(['-o', bridge, ...comment(comments.node('drop unsolicited inbound')), '-j', 'DROP']),
    postrouting([
      '-s',
      subnet,
      '-d',
      subnet,
      '-o',
      bridge,
      '-m',
      'conntrack',
      '--ctstate',
      'DNAT',
      ...comment(comments.node('hairpin port mappings')),
      '-j',
      'MASQUERADE',
    ]),
    postrouting([
      '-s',
      '127.0.0.0/8',
      '-o',
      bridge,
      ...comment(comments.node('port mappings from localhost')),
      '-j',
      'MASQUERADE',
    ]),
    postrouting([
      '-s',
      subnet,
      '-o',
      uplink,
      ...comment(comments.node('cluster traffic keeps its source')),
      '-j',
      chains.clusterNat,
    ]),
    postrouting(['-s', subnet, '-o', uplink, ...comment(comments.node('outbound nat')), '-j', 'MASQUERADE']),
  ];
};

const hookKey = ({ table, chain, rule }: { table: TableName; chain: string; rule: readonly string[] }) =>
  `${table} ${chain} ${getRuleComment(rule)}`;

/**
 * The script that brings a node's iptables part to what its config asks for, given what the kernel has now:
 * static chains rewritten, dynamic chains created only if missing, each hook present exactly once.
 */
export const renderNodeScript = ({
  config,
  saved,
}: {
  config: NodeConfig;
  saved: SavedTables;
}): RestoreScript => {
  const missingDynamic = dynamicChains.filter(({ table, chain }) => !saved.chains[table].has(chain));
  const hookChanges = nodeHooks.flatMap((hook): RuleChange[] => {
    const present = saved.rules.filter((rule) => hookKey(rule) === hookKey(hook));
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
