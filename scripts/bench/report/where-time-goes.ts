import type { BenchRun } from '../bench-run.js';
import type { CommandRecord } from '../command-trace.js';
import { formatMs, formatRatio, median } from '../measure.js';
import { type Breakdown, breakDown } from '../time-breakdown.js';
import { code, renderTable } from './markdown.js';
import { edgeSize, findMethod } from './scaling-stats.js';

const renderBreakdown = ({ title, breakdown }: { title: string; breakdown: Breakdown }) => {
  const rows = breakdown.rows.map((row) => [
    code(row.kind),
    row.perCall.toFixed(2),
    formatMs(row.medianMs),
    formatMs(row.msPerCall),
  ]);
  return [
    `**${title}**: ${breakdown.calls} calls, mean ${formatMs(breakdown.meanMs)} ms; ${breakdown.spawnsPerCall.toFixed(2)} processes spawned and ${breakdown.commandsPerCall.toFixed(2)} commands per call. Some command was running for ${formatMs(breakdown.commandMsPerCall)} ms of it (commands running at the same time saved ${formatMs(breakdown.overlapMsPerCall)} ms); ${formatMs(breakdown.outsideCommandsMsPerCall)} ms went to Node itself (validation, planning, parsing, scheduling).`,
    '',
    renderTable({ headers: ['command', 'per call', 'median ms each', 'ms per call'], rows }),
  ].join('\n');
};

/** The scaling rounds of one method over all runs: its trace records and its operations' durations. */
const collectScaling = (runs: readonly BenchRun[], name: string) => {
  const records: CommandRecord[] = [];
  const setupMs: number[] = [];
  const cleanMs: number[] = [];
  for (const run of runs) {
    const entry = findMethod(run, name);
    if (!entry) continue;
    records.push(...entry.method.trace.records);
    for (const round of entry.scaling.rounds) {
      setupMs.push(...round.setupMs);
      cleanMs.push(...round.cleanMs);
    }
  }
  return { records, setupMs, cleanMs };
};

/**
 * Which commands grow with the node's size: per command kind, the median of the first and of the last
 * `size` setup calls of the largest round (its calls are the last `count` setup calls of each run).
 */
export const renderGrowthByCommand = ({ runs, count }: { runs: readonly BenchRun[]; count: number }) => {
  const size = edgeSize(count);
  const rows: string[][] = [];
  for (const name of ['netcore', 'cni-plugins', 'naive']) {
    const first: CommandRecord[] = [];
    const last: CommandRecord[] = [];
    for (const run of runs) {
      const records =
        findMethod(run, name)?.method.trace.records.filter(
          (record) => record.operation === 'setupInstance',
        ) ?? [];
      const callIds = [...new Set(records.map((record) => record.callId))]
        .sort((a, b) => a - b)
        .slice(-count);
      const firstIds = new Set(callIds.slice(0, size));
      const lastIds = new Set(callIds.slice(-size));
      first.push(...records.filter((record) => firstIds.has(record.callId)));
      last.push(...records.filter((record) => lastIds.has(record.callId)));
    }
    for (const kind of [...new Set(first.map((record) => record.kind))]) {
      const before = median(first.filter((record) => record.kind === kind).map((record) => record.ms));
      const after = median(last.filter((record) => record.kind === kind).map((record) => record.ms));
      rows.push([name, code(kind), formatMs(before), formatMs(after), formatRatio(after / before)]);
    }
  }
  return renderTable({
    headers: ['Method', 'command', `first ${size} setups, median ms`, `last ${size}`, 'last / first'],
    rows,
  });
};

/**
 * Every process netcore spawned, timed and grouped by kind, for setupInstance and cleanInstance in the
 * scaling rounds (all N, all runs) and for one added port mapping on an empty and on a full node.
 */
export const renderWhereTimeGoes = ({ runs }: { runs: readonly BenchRun[] }) => {
  const sections: string[] = [];
  for (const name of ['netcore', 'cni-plugins', 'naive']) {
    const { records, setupMs, cleanMs } = collectScaling(runs, name);
    if (setupMs.length === 0) continue;
    sections.push(
      renderBreakdown({
        title: `${name} setup`,
        breakdown: breakDown({ records, operation: 'setupInstance', durations: setupMs }),
      }),
    );
    sections.push(
      renderBreakdown({
        title: `${name} teardown`,
        breakdown: breakDown({ records, operation: 'cleanInstance', durations: cleanMs }),
      }),
    );
  }
  const growthRuns = runs.flatMap((run) => (run.portGrowth ? [run.portGrowth] : []));
  const operations = growthRuns[0]?.addDurations.map((entry) => entry.operation) ?? [];
  for (const operation of operations) {
    const records = growthRuns.flatMap((growth) => growth.trace.records);
    const durations = growthRuns.flatMap(
      (growth) => growth.addDurations.find((entry) => entry.operation === operation)?.durations ?? [],
    );
    sections.push(
      renderBreakdown({
        title: `netcore ${operation}`,
        breakdown: breakDown({ records, operation, durations }),
      }),
    );
  }
  return sections.join('\n\n');
};
