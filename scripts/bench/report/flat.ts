import type { BenchRun } from '../bench-run.js';
import { formatRatio, formatSpread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { renderTable, spreadOverRuns } from './markdown.js';
import { edgeSize, firstAndLast } from './scaling-stats.js';

/**
 * netcore alone with `flatCount` instances on one node: setup and teardown of the 10 instances that
 * found the node near empty against the 10 that found it near full (for teardown: the last 10 cleaned
 * against the first 10; see `firstAndLast`).
 */
export const renderFlat = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const size = edgeSize(options.flatCount);
  return renderTable({
    headers: [
      `netcore, N = ${options.flatCount} on one node`,
      `first ${size} (node near empty), ms`,
      `last ${size} (node near full), ms`,
      'last / first',
    ],
    rows: (['setupMs', 'cleanMs'] as const).map((times) => {
      const pick = (key: 'first' | 'last' | 'ratio') =>
        spreadOverRuns(runs, (run) => firstAndLast(run.flat?.rounds[0], times)?.[key]);
      return [
        times === 'setupMs' ? 'setupInstance' : 'cleanInstance',
        formatSpread(pick('first')),
        formatSpread(pick('last')),
        formatRatio(pick('ratio').median),
      ];
    }),
  });
};
