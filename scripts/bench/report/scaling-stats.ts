import type { BenchRun, MethodRun } from '../bench-run.js';
import { median } from '../measure.js';
import type { ScalingRound } from '../suites/scaling.js';

export const findMethod = (run: BenchRun, name: string): MethodRun | undefined =>
  run.methods.find((entry) => entry.method.name === name);

export const findRound = (run: BenchRun, name: string, count: number): ScalingRound | undefined =>
  findMethod(run, name)?.scaling.rounds.find((round) => round.count === count);

/** How many instances make "the first" and "the last" group of a round: 10, or half of a smaller round. */
export const edgeSize = (count: number) => Math.min(10, Math.floor(count / 2));

/**
 * The first and last group of a round ordered by how full the node was: "first" on the emptiest node,
 * "last" on the fullest. Setups run in that order; teardowns run the other way (the first cleans find
 * the node full), so their times are read backwards: last / first is then the growth for both.
 */
export const firstAndLast = (round: ScalingRound | undefined, times: 'setupMs' | 'cleanMs' = 'setupMs') => {
  if (!round) return undefined;
  const size = edgeSize(round[times].length);
  if (size === 0) return undefined;
  const byOccupancy = times === 'cleanMs' ? [...round[times]].reverse() : round[times];
  const first = median(byOccupancy.slice(0, size));
  const last = median(byOccupancy.slice(-size));
  return { size, first, last, ratio: last / first };
};

export const setupMedian = (run: BenchRun, name: string, count: number) => {
  const round = findRound(run, name, count);
  return round ? median(round.setupMs) : undefined;
};

export const cleanMedian = (run: BenchRun, name: string, count: number) => {
  const round = findRound(run, name, count);
  return round ? median(round.cleanMs) : undefined;
};

/** Per run: method A's median over method B's, at one N. */
export const ratioOf = ({
  run,
  count,
  numerator,
  denominator,
  pick,
}: {
  run: BenchRun;
  count: number;
  numerator: string;
  denominator: string;
  pick: typeof setupMedian;
}) => {
  const a = pick(run, numerator, count);
  const b = pick(run, denominator, count);
  return a === undefined || b === undefined ? undefined : a / b;
};
