import type { RouterOutputs } from '../../client/trpc';

/** One point of a metrics series, as the API sends it. */
export type MetricsPoint = RouterOutputs['metrics']['series']['cluster'][number];

/** A line of a chart: which field of the points it draws, scaled for display (seconds -> ms). */
export type ChartLine = {
  label: string;
  field: Exclude<keyof MetricsPoint, 'at'>;
  scale?: number;
  /** The CSS custom property holding its colour. */
  colorVariable: string;
};

/**
 * uPlot's columns: the x values (seconds since the epoch), then one column per line, `null` where the
 * series has a gap (uPlot leaves it blank).
 */
export const toChartColumns = ({ points, lines }: { points: MetricsPoint[]; lines: ChartLine[] }) => [
  points.map(({ at }) => at / 1000),
  ...lines.map(({ field, scale = 1 }) =>
    points.map((point) => {
      const value = point[field];
      return value === null ? null : value * scale;
    }),
  ),
];

/** What a chart shows, in numbers: how many points have a value, and the largest (for the tests and the empty state). */
export const summarizeChart = ({ points, lines }: { points: MetricsPoint[]; lines: ChartLine[] }) => {
  const values = points.flatMap((point) =>
    lines.map(({ field, scale = 1 }) => (point[field] === null ? null : (point[field] ?? 0) * scale)),
  );
  const present = values.filter((value) => value !== null);
  return {
    pointCount: points.filter((point) => lines.some(({ field }) => point[field] !== null)).length,
    maxValue: present.length === 0 ? null : Math.max(...present),
  };
};

/** A value as the axis and legend write it: few digits, no trailing zeros. */
export const formatChartValue = ({ value, unit }: { value: number | null; unit: string }) => {
  if (value === null || Number.isNaN(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))}${unit ? ` ${unit}` : ''}`;
};

/**
 * The indexes of values with a gap on both sides: a line cannot show them, so the chart marks them with
 * a dot (a latency measured in one interval between two idle ones).
 */
export const findIsolatedIndexes = ({ values }: { values: readonly (number | null | undefined)[] }) =>
  values.flatMap((value, index) =>
    value != null && values[index - 1] == null && values[index + 1] == null ? [index] : [],
  );
