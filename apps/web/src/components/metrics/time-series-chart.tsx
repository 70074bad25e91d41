'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../theme/theme-provider';
import {
  type ChartLine,
  findIsolatedIndexes,
  formatChartValue,
  type MetricsPoint,
  summarizeChart,
  toChartColumns,
} from './chart-data';

const chartHeight = 150;

/**
 * A colour token as the canvas needs it (rgb): the browser resolves the custom property, light-dark()
 * included, on a probe element. (Setting a style through the CSSOM is not inline CSS for the CSP.)
 */
const readColor = ({ element, variable }: { element: HTMLElement; variable: string }) => {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  element.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
};

const createOptions = ({
  element,
  lines,
  unit,
  floor,
}: {
  element: HTMLElement;
  lines: ChartLine[];
  unit: string;
  floor: number;
}): uPlot.Options => {
  const axisColor = readColor({ element, variable: '--text-muted' });
  const gridColor = readColor({ element, variable: '--border' });
  const axis = {
    stroke: axisColor,
    grid: { stroke: gridColor, width: 1 },
    ticks: { stroke: gridColor, width: 1 },
  };
  return {
    width: Math.max(element.clientWidth, 200),
    height: chartHeight,
    // From 0, with room above the highest value; a flat 0 still gets a readable axis up to `floor`.
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, Math.max(max * 1.15, floor)] } },
    series: [
      {},
      ...lines.map(({ label, colorVariable }) => ({
        label,
        stroke: readColor({ element, variable: colorVariable }),
        width: 2,
        // Dots where the points are sparse (uPlot's default), and on any value between two gaps.
        points: {
          size: 5,
          filter: (chart: uPlot, seriesIndex: number, isShown: boolean) =>
            isShown ? null : findIsolatedIndexes({ values: Array.from(chart.data[seriesIndex] ?? []) }),
        },
        value: (_chart: uPlot, value: number | null) => formatChartValue({ value, unit }),
      })),
    ],
    axes: [
      axis,
      {
        ...axis,
        size: 56,
        values: (_chart, splits) => splits.map((value) => formatChartValue({ value, unit: '' })),
      },
    ],
    legend: { show: true },
  };
};

/**
 * A small time-series chart (uPlot, on a canvas) of some fields of the metrics points. It is drawn again
 * when the theme changes (canvas colours are read from the theme's tokens) and follows its box's width.
 * `data-point-count` and `data-max-value` say what it shows, for tests and screen readers' summary.
 */
export const TimeSeriesChart = ({
  points,
  lines,
  unit,
  floor = 1,
  label,
  testId,
}: {
  points: MetricsPoint[];
  lines: ChartLine[];
  unit: string;
  /** The y axis reaches at least this high (a chart of zeros is not squashed to a line of 0 labels). */
  floor?: number;
  label: string;
  testId: string;
}) => {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const { resolved: theme } = useTheme();
  const columns = toChartColumns({ points, lines }) as uPlot.AlignedData;
  const columnsRef = useRef(columns);
  columnsRef.current = columns;
  const { pointCount, maxValue } = summarizeChart({ points, lines });
  const lineKey = lines.map(({ field }) => field).join();

  // biome-ignore lint/correctness/useExhaustiveDependencies: drawn anew only when the theme or the lines change.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const chart = new uPlot(createOptions({ element: box, lines, unit, floor }), columnsRef.current, box);
    chartRef.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(box.clientWidth, 200), height: chartHeight }),
    );
    resize.observe(box);
    return () => {
      resize.disconnect();
      chart.destroy();
      chartRef.current = null;
    };
  }, [theme, lineKey, unit, floor]);

  useEffect(() => {
    chartRef.current?.setData(columns);
  }, [columns]);

  return (
    <div
      className="chart"
      ref={boxRef}
      role="img"
      aria-label={`${label}: ${pointCount === 0 ? 'no data yet' : `${pointCount} points, highest ${formatChartValue({ value: maxValue, unit })}`}`}
      data-testid={testId}
      data-point-count={pointCount}
      data-max-value={maxValue ?? ''}
    />
  );
};
