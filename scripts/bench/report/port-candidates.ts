import type { BenchRun } from '../bench-run.js';
import { formatRatio, formatSpread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { renderTable, spreadOverRuns } from './markdown.js';

/**
 * The port-mapping candidates of issue 16 side by side: each operation on an empty node and on one
 * holding `candidateMappingCount` mappings of another instance, and the ratio the target bounds (1.3).
 */
export const renderPortCandidates = ({
  runs,
  options,
}: {
  runs: readonly BenchRun[];
  options: BenchOptions;
}) => {
  const [first] = runs.flatMap((run) => (run.portCandidates ? [run.portCandidates] : []));
  if (!first) return 'not measured';
  const count = options.candidateMappingCount;
  const table = renderTable({
    headers: [
      'candidate',
      'operation',
      'node has 0, ms',
      `node has ${count}, ms`,
      `${count} / 0`,
      `putting ${count} in place, ms`,
    ],
    rows: first.rows.map(({ candidate, operation }) => {
      const pick = (run: BenchRun) =>
        run.portCandidates?.rows.find((row) => row.candidate === candidate && row.operation === operation);
      const empty = spreadOverRuns(runs, (run) => pick(run)?.emptyMs);
      const full = spreadOverRuns(runs, (run) => pick(run)?.fullMs);
      const ratio = spreadOverRuns(runs, (run) => {
        const row = pick(run);
        return row && row.fullMs / row.emptyMs;
      });
      const fill = spreadOverRuns(
        runs,
        (run) => run.portCandidates?.fillMs.find((each) => each.candidate === candidate)?.ms,
      );
      return [
        candidate,
        operation,
        formatSpread(empty),
        formatSpread(full),
        formatRatio(ratio.median),
        formatSpread(fill),
      ];
    }),
  });
  return `${table}\n\nEach a process spawned from Node with \`nsenter --net\` into a namespace of its own, so only the kernel and the tool differ; "the many" belong to another instance (in KUDO-HOSTPORTS, in that instance's own chain, or in the map), or for the buckets to many instances, spread over the 64.`;
};
