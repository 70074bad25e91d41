/** Timing and statistics: wall-clock milliseconds of one call, medians, and the spread over runs. */

export const measureMs = async <T>(work: () => Promise<T>) => {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
};

/** Runs `work` `times` times one after another and returns each duration in ms. */
export const repeatMs = async ({
  times,
  work,
}: {
  times: number;
  work: (index: number) => Promise<unknown>;
}) => {
  const durations: number[] = [];
  for (let index = 0; index < times; index += 1) durations.push((await measureMs(() => work(index))).ms);
  return durations;
};

export const median = (values: readonly number[]) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

export const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** One number measured once per run: its median over the runs and the lowest and highest run. */
export type Spread = { median: number; min: number; max: number; runs: number };

export const spreadOf = (values: readonly number[]): Spread => {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    runs: finite.length,
  };
};

export const formatMs = (ms: number) => {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
};

/** `12.3 ms (11.9-13.0)`: the median over runs, then the range when there was more than one run. */
export const formatSpread = (spread: Spread) => {
  if (!Number.isFinite(spread.median)) return 'n/a';
  const range = spread.runs > 1 ? ` (${formatMs(spread.min)}-${formatMs(spread.max)})` : '';
  return `${formatMs(spread.median)} ms${range}`;
};

export const formatRatio = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
