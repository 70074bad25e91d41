import type { BenchRun } from '../bench-run.js';
import { countLeftovers } from '../leftovers.js';
import { formatMs, formatRatio, type Spread } from '../measure.js';
import type { BenchOptions } from '../options.js';
import { flatBackends, flatRatio } from './flat.js';
import { renderTable, spreadOverRuns } from './markdown.js';
import { cleanMedian, findMethod, ratioOf, setupMedian } from './scaling-stats.js';

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

const ms = (value: number) => `${formatMs(value)} ms`;

const atMost = ({
  name,
  limit,
  value,
  format,
}: {
  name: string;
  limit: number;
  value: Spread;
  format: 'ms' | 'ratio';
}): Target => ({
  name,
  limit: `≤ ${format === 'ms' ? ms(limit) : limit}`,
  value,
  format: format === 'ms' ? ms : formatRatio,
  isMet: (measured) => measured <= limit,
});

/** 1. Group commit: concurrent calls on one node coalesced, and the bulk API. */
const renderGroupCommitTargets = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) =>
  (
    [
      ['cleanInstance', 'concurrentCleanMs'],
      ['setupInstance', 'concurrentSetupMs'],
    ] as const
  )
    .map(([operation, key]) =>
      atMost({
        name: `1. group commit: ${options.bulkCount} ${operation} fired at once, per instance`,
        limit: 2,
        value: spreadOverRuns(runs, (run) => run.bulk?.[key]),
        format: 'ms',
      }),
    )
    .concat(
      atMost({
        name: `1. group commit: bulk setupInstances of ${options.bulkCount} instances, per instance`,
        limit: 2,
        value: spreadOverRuns(runs, (run) => run.bulk?.bulkSetupMs),
        format: 'ms',
      }),
    );

/** 4. Port mappings at scale: netcore's own growth per backend, and each raw candidate's add and remove. */
const renderPortTargets = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const growth = (
    [
      ['iptables (default)', 'portGrowth'],
      ['nftables', 'portGrowthNftables'],
    ] as const
  ).map(([backend, key]) =>
    atMost({
      name: `4. port mappings, netcore ${backend}: mapping #${options.mappingCount + 1} / mapping #1`,
      limit: 1.3,
      value: spreadOverRuns(runs, (run) => {
        const result = run[key];
        return result ? result.afterManyMs / result.firstMs : undefined;
      }),
      format: 'ratio',
    }),
  );
  const [first] = runs.flatMap((run) => (run.portCandidates ? [run.portCandidates] : []));
  const candidates = (first?.rows ?? []).map(({ candidate, operation }) =>
    atMost({
      name: `4. port mappings, ${operation} with ${options.candidateMappingCount} in place / with none: ${candidate}`,
      limit: 1.3,
      value: spreadOverRuns(runs, (run) => {
        const row = run.portCandidates?.rows.find(
          (each) => each.candidate === candidate && each.operation === operation,
        );
        return row && row.fullMs / row.emptyMs;
      }),
      format: 'ratio',
    }),
  );
  return [...growth, ...candidates];
};

/**
 * The targets of issue 16 (6, through the control plane, has its own section), each with the measured
 * value (median over runs, with the range) and a verdict; and netcore's leftovers, which must stay 0.
 */
export const renderTargets = ({ runs, options }: { runs: readonly BenchRun[]; options: BenchOptions }) => {
  const counts = options.counts.join(', ');
  const targets: Target[] = [
    ...renderGroupCommitTargets({ runs, options }),
    atMost({
      name: `2. single calls: setupInstance, netcore / CNI plugins (median per instance, worst of N = ${counts})`,
      limit: 0.05,
      value: spreadOverRuns(runs, (run) => worstRatio({ run, counts: options.counts, pick: setupMedian })),
      format: 'ratio',
    }),
    atMost({
      name: `2. single calls: cleanInstance, netcore / CNI plugins (median per instance, worst of N = ${counts})`,
      limit: 0.125,
      value: spreadOverRuns(runs, (run) => worstRatio({ run, counts: options.counts, pick: cleanMedian })),
      format: 'ratio',
    }),
    ...(['setupMs', 'cleanMs'] as const).flatMap((times) =>
      flatBackends.map(({ backend, pick }) =>
        atMost({
          name: `3. flat: ${times === 'setupMs' ? 'setupInstance' : 'cleanInstance'}, last 10 / first 10 by node occupancy (N = ${options.flatCount} on one node, port mappings in ${backend})`,
          limit: 1.3,
          value: spreadOverRuns(runs, (run) => flatRatio({ flat: pick(run), times })),
          format: 'ratio',
        }),
      ),
    ),
    ...renderPortTargets({ runs, options }),
    atMost({
      name: '5. agent overhead on setupInstance (median, agent - direct)',
      limit: 2,
      value: spreadOverRuns(runs, (run) => run.agent && run.agent.agentSetupMs - run.agent.directSetupMs),
      format: 'ms',
    }),
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
  const table = renderTable({
    headers: ['Target (issue 16)', 'Limit', 'Measured', 'Verdict'],
    rows: targets.map((target) => [
      target.name,
      target.limit,
      formatRange(target.value, target.format),
      verdict(target),
    ]),
  });
  return `${table}\n\n6 (through the control plane: one creation at a time ≤ 3x netcore's setupInstance, 50 clients ≥ 200 creations/s with p99 ≤ 500 ms) is judged in its own section, "Through the control plane".`;
};
