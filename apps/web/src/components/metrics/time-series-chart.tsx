'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../theme/theme-provider';
import {
  type ChartLine,
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
}: {
  element: HTMLElement;
  lines: ChartLine[];
  unit: string;
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
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, Math.max(max, 1e-9) * 1.15] } },
    series: [
      {},
      ...lines.map(({ label, colorVariable }) => ({
        label,
        stroke: readColor({ element, variable: colorVariable }),
        width: 2,
        points: { show: false },
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
  label,
  testId,
}: {
  points: MetricsPoint[];
  lines: ChartLine[];
  unit: string;
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
    const chart = new uPlot(createOptions({ element: box, lines, unit }), columnsRef.current, box);
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
  }, [theme, lineKey, unit]);

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
