import { type CounterIncrease, type SeriesPoint, toSeriesPoint } from './series-maths.js';

/** One scrape of every node: each node's increase since its previous scrape, `null` when there is none. */
export type ScrapeTick = { at: number; increases: Map<string, CounterIncrease | null> };

/**
 * The last `length` scrapes, in memory (a bounded window: the oldest is dropped), and the series read from
 * them: a node's own, and the cluster's totals. A node missing from a scrape (not yet added, or removed) is
 * a gap in its series, as an agent that did not answer is.
 */
export const createMetricsHistory = ({ length }: { length: number }) => {
  const ticks: ScrapeTick[] = [];
  return {
    record: (tick: ScrapeTick) => {
      ticks.push(tick);
      if (ticks.length > length) ticks.splice(0, ticks.length - length);
    },
    readNodeSeries: ({ nodeId }: { nodeId: string }): SeriesPoint[] =>
      ticks.map(({ at, increases }) => {
        const increase = increases.get(nodeId);
        return toSeriesPoint({ at, increases: increase ? [increase] : [] });
      }),
    readClusterSeries: (): SeriesPoint[] =>
      ticks.map(({ at, increases }) =>
        toSeriesPoint({
          at,
          increases: [...increases.values()].filter((increase) => increase !== null),
        }),
      ),
  };
};

export type MetricsHistory = ReturnType<typeof createMetricsHistory>;
