import type { BenchRun } from '../bench-run.js';
import { formatRatio, formatSpread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { renderTable, spreadOverRuns } from './markdown.js';
import { edgeSize, firstAndLast } from './scaling-stats.js';

/** netcore alone with `flatCount` instances on one node: the first and last 10 of setup and teardown. */
export const renderFlat = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const size = edgeSize(options.flatCount);
  return renderTable({
    headers: [
      `netcore, N = ${options.flatCount} on one node`,
      `first ${size}, ms`,
      `last ${size}, ms`,
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
