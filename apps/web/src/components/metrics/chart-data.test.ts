import { describe, expect, it } from 'vitest';
import {
  type ChartLine,
  findIsolatedIndexes,
  formatChartValue,
  summarizeChart,
  toChartColumns,
} from './chart-data';

const point = (at: number, operations: number | null, p99: number | null) => ({
  at,
  operationsPerSecond: operations,
  errorsPerSecond: operations === null ? null : 0,
  p50Seconds: p99 === null ? null : p99 / 2,
  p99Seconds: p99,
});

const latency: ChartLine[] = [
  { label: 'p50', field: 'p50Seconds', scale: 1000, colorVariable: '--chart-1' },
  { label: 'p99', field: 'p99Seconds', scale: 1000, colorVariable: '--chart-2' },
];

describe('chart data', () => {
  const points = [point(1_000, null, null), point(6_000, 2, 0.04), point(11_000, 0, null)];

  it('turns points into uPlot columns: seconds on x, scaled values, gaps kept as null', () => {
    expect(toChartColumns({ points, lines: latency })).toEqual([
      [1, 6, 11],
      [null, 20, null],
      [null, 40, null],
    ]);
  });

  it('counts the points with a value and finds the largest', () => {
    expect(summarizeChart({ points, lines: latency })).toEqual({ pointCount: 1, maxValue: 40 });
    expect(
      summarizeChart({
        points,
        lines: [{ label: 'ops', field: 'operationsPerSecond', colorVariable: '--chart-1' }],
      }),
    ).toEqual({ pointCount: 2, maxValue: 2 });
    expect(summarizeChart({ points: [], lines: latency })).toEqual({ pointCount: 0, maxValue: null });
  });

  it('writes values with few digits and their unit', () => {
    expect(formatChartValue({ value: 0.123456, unit: 'ms' })).toBe('0.12 ms');
    expect(formatChartValue({ value: 12.34, unit: '/s' })).toBe('12.3 /s');
    expect(formatChartValue({ value: 1234.5, unit: '' })).toBe('1235');
    expect(formatChartValue({ value: null, unit: 'ms' })).toBe('–');
  });

  it('finds the values a line cannot draw: a gap on both sides', () => {
    expect(findIsolatedIndexes({ values: [null, 3, null, 1, 2, null, 0] })).toEqual([1, 6]);
    expect(findIsolatedIndexes({ values: [5] })).toEqual([0]);
    expect(findIsolatedIndexes({ values: [1, 2] })).toEqual([]);
  });
});
