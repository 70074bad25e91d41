/** The two tables netcore writes to. */
export type TableName = 'filter' | 'nat';

/** One rule line of an iptables-restore script: `-A`, `-I CHAIN 1` or `-D`, then the rule's arguments. */
export type RuleChange = {
  table: TableName;
  action: 'append' | 'insert' | 'delete';
  chain: string;
  /** Rule arguments after the chain name, e.g. ['-s', '10.0.0.0/24', '-j', 'MASQUERADE']. */
  rule: readonly string[];
};

/** A chain that is created if missing; `flush: true` also empties it when it exists (iptables-restore semantics). */
export type ChainDeclaration = { table: TableName; chain: string };

export type RestoreScript = {
  /** Chains declared in the script: created when missing, flushed when present. */
  declaredChains: readonly ChainDeclaration[];
  /**
   * Chains created with `-N` before the changes: the transaction fails if one exists already (where a
   * declaration would silently flush it), so a stale model of the rules can never empty a chain.
   */
  createdChains?: readonly ChainDeclaration[];
  changes: readonly RuleChange[];
  /** Chains deleted at the end of their table's section (they must be empty and unreferenced by then). */
  deletedChains?: readonly ChainDeclaration[];
};

const quoteArgument = (argument: string) =>
  /^[A-Za-z0-9_.:/=,!+-]+$/.test(argument) ? argument : `"${argument}"`;

export const renderRuleArguments = (rule: readonly string[]) => rule.map(quoteArgument).join(' ');

const renderChange = ({ action, chain, rule }: RuleChange) => {
  const head = { append: `-A ${chain}`, insert: `-I ${chain} 1`, delete: `-D ${chain}` }[action];
  return `${head} ${renderRuleArguments(rule)}`;
};

/**
 * Renders one iptables-restore --noflush script: every table in one transaction (COMMIT per table),
 * so a rule set is applied whole or not at all.
 */
export const renderRestoreScript = ({
  declaredChains,
  createdChains = [],
  changes,
  deletedChains = [],
}: RestoreScript): string => {
  const tables: TableName[] = ['filter', 'nat'];
  const sections = tables.flatMap((table) => {
    const declared = declaredChains.filter((chain) => chain.table === table);
    const created = createdChains.filter((chain) => chain.table === table);
    const tableChanges = changes.filter((change) => change.table === table);
    const deleted = deletedChains.filter((chain) => chain.table === table);
    if (declared.length + created.length + tableChanges.length + deleted.length === 0) return [];
    return [
      `*${table}`,
      ...declared.map(({ chain }) => `:${chain} - [0:0]`),
      ...created.map(({ chain }) => `-N ${chain}`),
      ...tableChanges.map(renderChange),
      ...deleted.map(({ chain }) => `-X ${chain}`),
      'COMMIT',
    ];
  });
  return sections.length === 0 ? '' : `${sections.join('\n')}\n`;
};

export const isEmptyScript = (script: RestoreScript) =>
  script.declaredChains.length +
    (script.createdChains?.length ?? 0) +
    script.changes.length +
    (script.deletedChains?.length ?? 0) ===
  0;

/**
 * The script that undoes a script of appends and deletes (order inside our chains is not significant),
 * and deletes the chains it created (empty and unreferenced again once its changes are undone).
 */
export const invertScript = (script: RestoreScript): RestoreScript => ({
  declaredChains: [],
  changes: [...script.changes]
    .reverse()
    .map((change): RuleChange => ({ ...change, action: change.action === 'delete' ? 'append' : 'delete' })),
  ...(script.createdChains?.length ? { deletedChains: script.createdChains } : {}),
});
