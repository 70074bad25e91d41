import type { BenchRun } from '../bench-run.js';
import { formatRatio, formatSpread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import type { ScalingResult } from '../suites/scaling.js';
import { renderTable, spreadOverRuns } from './markdown.js';
import { edgeSize, firstAndLast } from './scaling-stats.js';

/** The flat runs of each port-mapping backend: iptables (the default) and nftables. */
export const flatBackends = [
  { backend: 'iptables (default)', pick: (run: BenchRun) => run.flat },
  { backend: 'nftables', pick: (run: BenchRun) => run.flatNftables },
] as const;

/** Last 10 / first 10 by node occupancy of one flat run (see `firstAndLast`). */
export const flatRatio = ({
  flat,
  times,
}: {
  flat: ScalingResult | undefined;
  times: 'setupMs' | 'cleanMs';
}) => firstAndLast(flat?.rounds[0], times)?.ratio;

/**
 * netcore alone with `flatCount` instances on one node, once per port-mapping backend: setup and teardown
 * of the 10 instances that found the node near empty against the 10 that found it near full (for
 * teardown: the last 10 cleaned against the first 10; see `firstAndLast`).
 */
export const renderFlat = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const size = edgeSize(options.flatCount);
  return renderTable({
    headers: [
      `netcore, N = ${options.flatCount} on one node`,
      'port mappings in',
      `first ${size} (node near empty), ms`,
      `last ${size} (node near full), ms`,
      'last / first',
    ],
    rows: (['setupMs', 'cleanMs'] as const).flatMap((times) =>
      flatBackends.map(({ backend, pick: pickFlat }) => {
        const pick = (key: 'first' | 'last' | 'ratio') =>
          spreadOverRuns(runs, (run) => firstAndLast(pickFlat(run)?.rounds[0], times)?.[key]);
        return [
          times === 'setupMs' ? 'setupInstance' : 'cleanInstance',
          backend,
          formatSpread(pick('first')),
          formatSpread(pick('last')),
          formatRatio(pick('ratio').median),
        ];
      }),
    ),
  });
};
