import type { BenchRun } from '../bench-run.js';
import { type Spread, spreadOf } from '../measure.js';

export const renderTable = ({
  headers,
  rows,
}: {
  headers: readonly string[];
  rows: readonly (readonly string[])[];
}) =>
  [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');

/** One value per run (undefined when that run has none) → median over runs and its range. */
export const spreadOverRuns = (
  runs: readonly BenchRun[],
  pick: (run: BenchRun) => number | undefined,
): Spread => spreadOf(runs.map(pick).filter((value): value is number => value !== undefined));

/** At most `limit` items, then how many more. */
export const listSome = (items: readonly string[], limit = 8) =>
  items.length <= limit
    ? items.join('; ')
    : `${items.slice(0, limit).join('; ')}; and ${items.length - limit} more`;

export const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
