'use client';

import { Card } from '../ui/card';
import type { ChartLine, MetricsPoint } from './chart-data';
import { TimeSeriesChart } from './time-series-chart';

const charts: {
  key: string;
  title: string;
  description: string;
  unit: string;
  floor: number;
  lines: ChartLine[];
}[] = [
  {
    key: 'operations',
    title: 'Operations',
    description: 'per second, every call the agent ran',
    unit: '/s',
    floor: 1,
    lines: [{ label: 'operations/s', field: 'operationsPerSecond', colorVariable: '--chart-1' }],
  },
  {
    key: 'latency',
    title: 'Latency',
    description: 'p50 and p99, in milliseconds',
    unit: 'ms',
    floor: 10,
    lines: [
      { label: 'p50', field: 'p50Seconds', scale: 1000, colorVariable: '--chart-1' },
      { label: 'p99', field: 'p99Seconds', scale: 1000, colorVariable: '--chart-2' },
    ],
  },
  {
    key: 'errors',
    title: 'Errors',
    description: 'failed operations per second',
    unit: '/s',
    floor: 1,
    lines: [{ label: 'errors/s', field: 'errorsPerSecond', colorVariable: '--chart-3' }],
  },
];

/**
 * Operations, latency and errors over the last minutes, one small chart each, from the agents' metrics as
 * the control plane scraped them (`scope` names whose: a node, or the whole cluster). Gaps are scrapes
 * the agent did not answer.
 */
export const MetricsCharts = ({
  points,
  scope,
  testIdPrefix,
}: {
  points: MetricsPoint[] | undefined;
  scope: string;
  testIdPrefix: string;
}) => (
  <div className="grid-3" data-testid={`${testIdPrefix}-charts`}>
    {charts.map(({ key, title, description, unit, floor, lines }) => (
      <Card key={key} title={`${title} · ${scope}`} description={description}>
        {points ? (
          <TimeSeriesChart
            points={points}
            lines={lines}
            unit={unit}
            floor={floor}
            label={`${title} of ${scope}`}
            testId={`${testIdPrefix}-chart-${key}`}
          />
        ) : (
          <div className="chart-empty">Loading…</div>
        )}
      </Card>
    ))}
  </div>
);
