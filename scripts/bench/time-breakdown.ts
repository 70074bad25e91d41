import type { CommandRecord } from './command-trace.js';
import { median, sum } from './measure.js';

export type BreakdownRow = {
  kind: string;
  perCall: number;
  medianMs: number;
  msPerCall: number;
};

export type Breakdown = {
  operation: string;
  calls: number;
  meanMs: number;
  spawnsPerCall: number;
  commandsPerCall: number;
  rows: BreakdownRow[];
  /** Mean ms per call during which at least one command ran (overlapping commands counted once). */
  commandMsPerCall: number;
  /** Mean ms per call saved by commands running at the same time (sum of their times minus the union). */
  overlapMsPerCall: number;
  /** Mean ms per call with no command running: validation, planning, parsing, scheduling. */
  outsideCommandsMsPerCall: number;
};

/** Total length covered by a set of [start, end] intervals. */
const unionLength = (intervals: readonly { start: number; end: number }[]) => {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
};

/**
 * Where an operation's time goes: its commands grouped by kind (how many per call, their median duration,
 * their total per call), how much of the wall time some command was running, and what overlapped.
 */
export const breakDown = ({
  records,
  operation,
  durations,
}: {
  records: readonly CommandRecord[];
  operation: string;
  durations: readonly number[];
}): Breakdown => {
  const calls = durations.length;
  const mine = records.filter((record) => record.operation === operation);
  const meanMs = calls ? sum(durations) / calls : Number.NaN;
  const rows = [...new Set(mine.map((record) => record.kind))]
    .map((kind): BreakdownRow => {
      const ofKind = mine.filter((record) => record.kind === kind).map((record) => record.ms);
      return {
        kind,
        perCall: ofKind.length / calls,
        medianMs: median(ofKind),
        msPerCall: sum(ofKind) / calls,
      };
    })
    .sort((a, b) => b.msPerCall - a.msPerCall);
  const callIds = [...new Set(mine.map((record) => record.callId))];
  const commandMs = sum(callIds.map((id) => unionLength(mine.filter((record) => record.callId === id))));
  const commandMsPerCall = commandMs / calls;
  return {
    operation,
    calls,
    meanMs,
    spawnsPerCall: mine.filter((record) => record.isSpawn).length / calls,
    commandsPerCall: mine.length / calls,
    rows,
    commandMsPerCall,
    overlapMsPerCall: sum(rows.map((row) => row.msPerCall)) - commandMsPerCall,
    outsideCommandsMsPerCall: meanMs - commandMsPerCall,
  };
};
