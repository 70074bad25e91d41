import type { AgentCounters } from './agent-counters.js';
import { type Bucket, findHistogramQuantile } from './histogram-quantile.js';

/** How much an agent's counters grew between two scrapes `seconds` apart. */
export type CounterIncrease = AgentCounters & { seconds: number };

/**
 * One point of a chart: rates over the interval that ended at `at` (ms since the epoch), latency
 * quantiles in seconds. `null` is a gap: the agent did not answer (or this is its first scrape), or, for the
 * latency, nothing ran in the interval.
 */
export type SeriesPoint = {
  at: number;
  operationsPerSecond: number | null;
  errorsPerSecond: number | null;
  p50Seconds: number | null;
  p99Seconds: number | null;
};

const findCount = ({ buckets, le }: { buckets: Bucket[]; le: number }) =>
  buckets.find((bucket) => bucket.le === le)?.count ?? 0;

/**
 * The increase of the counters from `previous` to `current`. A counter that went down means the agent
 * restarted (its counters began again at 0): then the whole of `current` is the increase, as Prometheus's
 * `rate` takes it.
 */
export const findCounterIncrease = ({
  previous,
  current,
  seconds,
}: {
  previous: AgentCounters;
  current: AgentCounters;
  seconds: number;
}): CounterIncrease => {
  const isReset =
    current.operations < previous.operations ||
    current.errors < previous.errors ||
    current.buckets.some(({ le, count }) => count < findCount({ buckets: previous.buckets, le }));
  const base: AgentCounters = isReset ? { operations: 0, errors: 0, buckets: [] } : previous;
  return {
    seconds,
    operations: current.operations - base.operations,
    errors: current.errors - base.errors,
    buckets: current.buckets.map(({ le, count }) => ({
      le,
      count: count - findCount({ buckets: base.buckets, le }),
    })),
  };
};

/** The buckets of several histograms of the same bounds, added up bound by bound. */
const addBuckets = ({ increases }: { increases: CounterIncrease[] }) => {
  const counts = new Map<number, number>();
  for (const { buckets } of increases)
    for (const { le, count } of buckets) counts.set(le, (counts.get(le) ?? 0) + count);
  return [...counts].map(([le, count]) => ({ le, count }));
};

/**
 * The point at `at` of one node (one increase) or of the cluster (every node's that answered): rates add
 * up, and the latency quantiles come from the added buckets (not an average of quantiles). No increase at
 * all is a gap.
 */
export const toSeriesPoint = ({
  at,
  increases,
}: {
  at: number;
  increases: CounterIncrease[];
}): SeriesPoint => {
  const measured = increases.filter(({ seconds }) => seconds > 0);
  if (measured.length === 0)
    return { at, operationsPerSecond: null, errorsPerSecond: null, p50Seconds: null, p99Seconds: null };
  const buckets = addBuckets({ increases: measured });
  const readQuantile = (q: number) => findHistogramQuantile({ buckets, q }) ?? null;
  return {
    at,
    operationsPerSecond: measured.reduce((sum, { operations, seconds }) => sum + operations / seconds, 0),
    errorsPerSecond: measured.reduce((sum, { errors, seconds }) => sum + errors / seconds, 0),
    p50Seconds: readQuantile(0.5),
    p99Seconds: readQuantile(0.99),
  };
};
