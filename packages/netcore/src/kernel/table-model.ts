import { type RestoreScript, renderRuleArguments } from './restore-script.js';
import type { SavedRule, SavedTables } from './saved-rules.js';

const isSameRule = (a: readonly string[], b: readonly string[]) => a.join('\u0000') === b.join('\u0000');

/**
 * The tables after a script was applied, computed without asking the kernel: what netcore keeps as its
 * model of a host's rules between operations. Pure.
 */
export const applyScriptToTables = ({
  tables,
  script,
}: {
  tables: SavedTables;
  script: RestoreScript;
}): SavedTables => {
  const chains = { filter: new Set(tables.chains.filter), nat: new Set(tables.chains.nat) };
  let rules: SavedRule[] = [...tables.rules];
  for (const { table, chain } of script.declaredChains) {
    chains[table].add(chain);
    rules = rules.filter((rule) => !(rule.table === table && rule.chain === chain));
  }
  for (const { table, chain } of script.createdChains ?? []) chains[table].add(chain);
  for (const { table, action, chain, rule } of script.changes) {
    const saved: SavedRule = {
      table,
      chain,
      rule: [...rule],
      line: `-A ${chain} ${renderRuleArguments(rule)}`,
    };
    if (action === 'append') rules.push(saved);
    else if (action === 'insert') {
      const first = rules.findIndex((candidate) => candidate.table === table && candidate.chain === chain);
      rules.splice(first === -1 ? rules.length : first, 0, saved);
    } else {
      const index = rules.findIndex(
        (candidate) =>
          candidate.table === table && candidate.chain === chain && isSameRule(candidate.rule, rule),
      );
      if (index !== -1) rules.splice(index, 1);
    }
  }
  for (const { table, chain } of script.deletedChains ?? []) chains[table].delete(chain);
  return { chains, rules };
};
