import type { TableName } from './restore-script.js';

/** A rule as iptables-save prints it: its chain and the arguments after `-A CHAIN`. */
export type SavedRule = { table: TableName; chain: string; rule: string[]; line: string };
export type SavedTables = { chains: Record<TableName, Set<string>>; rules: SavedRule[] };

/** Splits a rule line into arguments, honouring the double quotes iptables-save puts around comments. */
export const splitRuleArguments = (text: string): string[] => {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? ''));
  }
  return args;
};

/** Parses `iptables-save` output for the filter and nat tables. */
export const parseIptablesSave = (output: string): SavedTables => {
  const saved: SavedTables = { chains: { filter: new Set(), nat: new Set() }, rules: [] };
  let table: TableName | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = name === 'filter' || name === 'nat' ? name : undefined;
      continue;
    }
    if (!table) continue;
    if (line.startsWith(':')) {
      saved.chains[table].add(line.slice(1).split(' ')[0] ?? '');
    } else if (line.startsWith('-A ')) {
      const [, chain = '', ...rule] = splitRuleArguments(line);
      saved.rules.push({ table, chain, rule, line });
    }
  }
  return saved;
};

/** The value of the `--comment` match of a saved rule, if any. */
export const getRuleComment = (rule: readonly string[]) => {
  const index = rule.indexOf('--comment');
  return index === -1 ? undefined : rule[index + 1];
};

/** The value following an option in a saved rule, e.g. getRuleOption(rule, '--dport'). */
export const getRuleOption = (rule: readonly string[], option: string) => {
  const index = rule.indexOf(option);
  return index === -1 ? undefined : rule[index + 1];
};
