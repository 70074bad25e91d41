import type { BenchRun } from '../bench-run.js';
import { countLeftovers } from '../leftovers.js';
import { formatMs, formatRatio, type Spread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { renderTable, spreadOverRuns } from './markdown.js';
import { cleanMedian, findMethod, firstAndLast, ratioOf, setupMedian } from './scaling-stats.js';

type Target = {
  name: string;
  limit: string;
  value: Spread;
  format: (value: number) => string;
  isMet: (value: number) => boolean;
};

const formatRange = (spread: Spread, format: (value: number) => string) =>
  spread.runs > 1
    ? `${format(spread.median)} (${format(spread.min)}-${format(spread.max)})`
    : format(spread.median);

const verdict = ({ value, isMet }: Target) => {
  if (!Number.isFinite(value.median)) return 'not measured';
  return isMet(value.median) ? 'met' : '**missed**';
};

/** netcore's median over the CNI plugins' at the N where netcore compares worst (a target holds at every N). */
const worstRatio = ({
  run,
  counts,
  pick,
}: {
  run: BenchRun;
  counts: readonly number[];
  pick: typeof setupMedian;
}) => {
  const ratios = counts
    .map((count) => ratioOf({ run, count, numerator: 'netcore', denominator: 'cni-plugins', pick }))
    .filter((ratio): ratio is number => ratio !== undefined);
  return ratios.length ? Math.max(...ratios) : undefined;
};

/** The targets of issue 7, each with the measured value (median over runs, with the range) and a verdict. */
export const renderTargets = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const ms = (value: number) => `${formatMs(value)} ms`;
  const targets: Target[] = [
    {
      name: `setupInstance, netcore / CNI plugins (median per instance, worst of N = ${options.counts.join(', ')})`,
      limit: '≤ 0.125 (1/8)',
      value: spreadOverRuns(runs, (run) => worstRatio({ run, counts: options.counts, pick: setupMedian })),
      format: formatRatio,
      isMet: (value) => value <= 1 / 8,
    },
    ...(['setupMs', 'cleanMs'] as const).map(
      (times): Target => ({
        name: `${times === 'setupMs' ? 'setupInstance' : 'cleanInstance'} flat: netcore last 10 / first 10 by node occupancy (N = ${options.flatCount} on one node)`,
        limit: '≤ 1.3',
        value: spreadOverRuns(runs, (run) => firstAndLast(run.flat?.rounds[0], times)?.ratio),
        format: formatRatio,
        isMet: (value) => value <= 1.3,
      }),
    ),
    {
      name: `cleanInstance, netcore / CNI plugins (median per instance, worst of N = ${options.counts.join(', ')})`,
      limit: '≤ 0.167 (1/6)',
      value: spreadOverRuns(runs, (run) => worstRatio({ run, counts: options.counts, pick: cleanMedian })),
      format: formatRatio,
      isMet: (value) => value <= 1 / 6,
    },
    {
      name: `bulk: setupInstances of ${options.bulkCount} instances, per instance`,
      limit: '≤ 4 ms',
      value: spreadOverRuns(runs, (run) => run.bulk?.bulkSetupMs),
      format: ms,
      isMet: (value) => value <= 4,
    },
    {
      name: `port mapping #${options.mappingCount + 1} / port mapping #1`,
      limit: '≤ 1.3',
      value: spreadOverRuns(runs, (run) =>
        run.portGrowth ? run.portGrowth.afterManyMs / run.portGrowth.firstMs : undefined,
      ),
      format: formatRatio,
      isMet: (value) => value <= 1.3,
    },
    {
      name: 'agent overhead on setupInstance (median, agent - direct)',
      limit: '≤ 3 ms',
      value: spreadOverRuns(runs, (run) => run.agent && run.agent.agentSetupMs - run.agent.directSetupMs),
      format: ms,
      isMet: (value) => value <= 3,
    },
    {
      name: 'netcore leftovers after teardown (every N, bulk, port growth, and after cleanNode except emptied iptables tables)',
      limit: '0',
      value: spreadOverRuns(runs, (run) => {
        const scaling = findMethod(run, 'netcore')?.scaling;
        if (!scaling) return undefined;
        return (
          scaling.rounds.reduce((total, round) => total + countLeftovers(round.leftovers), 0) +
          countLeftovers({ ...scaling.residue, tables: [] }) +
          (run.bulk ? countLeftovers(run.bulk.leftovers) : 0) +
          (run.portGrowth ? countLeftovers(run.portGrowth.leftovers) : 0)
        );
      }),
      format: (value) => String(value),
      isMet: (value) => value === 0,
    },
  ];
  return renderTable({
    headers: ['Target (issue 7)', 'Limit', 'Measured', 'Verdict'],
    rows: targets.map((target) => [
      target.name,
      target.limit,
      formatRange(target.value, target.format),
      verdict(target),
    ]),
  });
};
