import { commentPrefix, isOurChain } from '../names.js';
import type { ChainDeclaration, RestoreScript, RuleChange, TableName } from './restore-script.js';
import { getRuleComment, type SavedRule, type SavedTables } from './saved-rules.js';

/** A rule is ours when it sits in one of our chains, or carries our comment (our hooks in built-in chains). */
export const isOurRule = ({ chain, rule }: Pick<SavedRule, 'chain' | 'rule'>) =>
  isOurChain(chain) || (getRuleComment(rule)?.startsWith(commentPrefix) ?? false);

const listOurChains = (tables: SavedTables): ChainDeclaration[] =>
  (['filter', 'nat'] as TableName[]).flatMap((table) =>
    [...tables.chains[table]].filter(isOurChain).map((chain) => ({ table, chain })),
  );

const hasChain = (tables: SavedTables, { table, chain }: ChainDeclaration) => tables.chains[table].has(chain);
const hookKey = (rule: SavedRule) => `${rule.table} ${rule.line}`;

/**
 * The script that makes our part of the tables (our chains, our hooks) equal to `target`, and leaves every
 * other rule alone. Used to roll an operation back to the snapshot taken before it.
 */
export const renderConvergeScript = ({
  current,
  target,
}: {
  current: SavedTables;
  target: SavedTables;
}): RestoreScript => {
  const targetChains = listOurChains(target);
  const staleChains = listOurChains(current).filter((chain) => !hasChain(target, chain));
  const isHook = (rule: SavedRule) => !isOurChain(rule.chain) && isOurRule(rule);
  const targetHooks = target.rules.filter(isHook);
  const currentHooks = current.rules.filter(isHook);
  const targetHookKeys = new Set(targetHooks.map(hookKey));
  const currentHookKeys = new Set(currentHooks.map(hookKey));
  const changes: RuleChange[] = [
    ...currentHooks
      .filter((rule) => !targetHookKeys.has(hookKey(rule)))
      .map(
        (rule): RuleChange => ({ table: rule.table, action: 'delete', chain: rule.chain, rule: rule.rule }),
      ),
    ...targetHooks
      .filter((rule) => !currentHookKeys.has(hookKey(rule)))
      .reverse()
      .map(
        (rule): RuleChange => ({ table: rule.table, action: 'insert', chain: rule.chain, rule: rule.rule }),
      ),
    ...target.rules
      .filter((rule) => isOurChain(rule.chain))
      .map(
        (rule): RuleChange => ({ table: rule.table, action: 'append', chain: rule.chain, rule: rule.rule }),
      ),
  ];
  return { declaredChains: [...targetChains, ...staleChains], changes, deletedChains: staleChains };
};

/** Our rules only, as lines: what snapshot comparisons in tests and inspection look at. */
export const listOurRuleLines = (tables: SavedTables) =>
  tables.rules.filter(isOurRule).map((rule) => `${rule.table} ${rule.line}`);
