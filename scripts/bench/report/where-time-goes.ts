import type { BenchRun } from '../bench-run.js';
import type { CommandRecord } from '../command-trace.js';
import { formatMs } from '../measure.js';
import { type Breakdown, breakDown } from '../time-breakdown.js';
import { code, renderTable } from './markdown.js';
import { findMethod } from './scaling-stats.js';

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
