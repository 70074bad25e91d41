import { describe, expect, it } from 'vitest';
import { findHistogramQuantile } from './histogram-quantile.js';
import { createMetricsHistory } from './metrics-history.js';
import { findCounterIncrease, toSeriesPoint } from './series-maths.js';

const inf = Number.POSITIVE_INFINITY;

describe('findHistogramQuantile', () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.5, count: 90 },
    { le: 1, count: 100 },
    { le: inf, count: 100 },
  ];

  it('interpolates inside the bucket the rank falls in, from 0 for the first', () => {
    expect(findHistogramQuantile({ buckets, q: 0.5 })).toBeCloseTo(0.1);
    expect(findHistogramQuantile({ buckets, q: 0.25 })).toBeCloseTo(0.05);
    expect(findHistogramQuantile({ buckets, q: 0.7 })).toBeCloseTo(0.3);
    expect(findHistogramQuantile({ buckets, q: 0.99 })).toBeCloseTo(0.95);
  });

  it('answers the largest finite bound for a rank in the +Inf bucket', () => {
    const slow = [
      { le: 0.1, count: 1 },
      { le: 1, count: 2 },
      { le: inf, count: 10 },
    ];
    expect(findHistogramQuantile({ buckets: slow, q: 0.99 })).toBe(1);
  });

  it('takes buckets in any order', () => {
    expect(findHistogramQuantile({ buckets: [...buckets].reverse(), q: 0.7 })).toBeCloseTo(0.3);
  });

  it('has no quantile without observations or without a +Inf bucket', () => {
    expect(findHistogramQuantile({ buckets: [{ le: inf, count: 0 }], q: 0.5 })).toBeUndefined();
    expect(findHistogramQuantile({ buckets: [], q: 0.5 })).toBeUndefined();
    expect(findHistogramQuantile({ buckets: [{ le: 1, count: 3 }], q: 0.5 })).toBeUndefined();
  });
});

describe('findCounterIncrease', () => {
  const previous = {
    operations: 10,
    errors: 1,
    buckets: [
      { le: 0.1, count: 8 },
      { le: inf, count: 10 },
    ],
  };

  it('is what the counters grew by since the previous scrape', () => {
    const current = {
      operations: 30,
      errors: 3,
      buckets: [
        { le: 0.1, count: 20 },
        { le: inf, count: 30 },
      ],
    };
    expect(findCounterIncrease({ previous, current, seconds: 5 })).toEqual({
      seconds: 5,
      operations: 20,
      errors: 2,
      buckets: [
        { le: 0.1, count: 12 },
        { le: inf, count: 20 },
      ],
    });
  });

  it('takes a counter that went down as a restarted agent: everything it counted is new', () => {
    const current = {
      operations: 4,
      errors: 0,
      buckets: [
        { le: 0.1, count: 4 },
        { le: inf, count: 4 },
      ],
    };
    expect(findCounterIncrease({ previous, current, seconds: 5 })).toEqual({ ...current, seconds: 5 });
  });
});

describe('toSeriesPoint', () => {
  const increase = ({ operations, errors, fast }: { operations: number; errors: number; fast: number }) => ({
    seconds: 5,
    operations,
    errors,
    buckets: [
      { le: 0.01, count: fast },
      { le: 1, count: operations },
      { le: inf, count: operations },
    ],
  });

  it('gives one node its rates and latency quantiles', () => {
    const point = toSeriesPoint({ at: 1000, increases: [increase({ operations: 10, errors: 5, fast: 10 })] });
    expect(point.at).toBe(1000);
    expect(point.operationsPerSecond).toBe(2);
    expect(point.errorsPerSecond).toBe(1);
    expect(point.p50Seconds).toBeCloseTo(0.005);
    expect(point.p99Seconds).toBeCloseTo(0.0099);
  });

  it('adds the nodes up for the cluster: rates summed, quantiles from the summed buckets', () => {
    const point = toSeriesPoint({
      at: 1000,
      increases: [
        increase({ operations: 10, errors: 0, fast: 10 }),
        increase({ operations: 10, errors: 5, fast: 0 }),
      ],
    });
    expect(point.operationsPerSecond).toBe(4);
    expect(point.errorsPerSecond).toBe(1);
    // Half of the 20 operations took at most 10 ms, the other half between 10 ms and 1 s.
    expect(point.p50Seconds).toBeCloseTo(0.01);
    expect(point.p99Seconds).toBeCloseTo(0.01 + 0.99 * 0.98);
  });

  it('is a gap without an increase, and has no latency when nothing ran', () => {
    expect(toSeriesPoint({ at: 5, increases: [] })).toEqual({
      at: 5,
      operationsPerSecond: null,
      errorsPerSecond: null,
      p50Seconds: null,
      p99Seconds: null,
    });
    expect(toSeriesPoint({ at: 5, increases: [increase({ operations: 0, errors: 0, fast: 0 })] })).toEqual({
      at: 5,
      operationsPerSecond: 0,
      errorsPerSecond: 0,
      p50Seconds: null,
      p99Seconds: null,
    });
  });
});

describe('createMetricsHistory', () => {
  const increase = (operations: number) => ({
    seconds: 1,
    operations,
    errors: 0,
    buckets: [{ le: inf, count: operations }],
  });

  it('keeps the last scrapes only, oldest first', () => {
    const history = createMetricsHistory({ length: 3 });
    for (const at of [1, 2, 3, 4, 5]) history.record({ at, increases: new Map([['node1', increase(at)]]) });
    expect(history.readNodeSeries({ nodeId: 'node1' }).map(({ at }) => at)).toEqual([3, 4, 5]);
    expect(history.readClusterSeries().map(({ operationsPerSecond }) => operationsPerSecond)).toEqual([
      3, 4, 5,
    ]);
  });

  it('shows a node that did not answer, or was not there, as a gap; the cluster counts the others', () => {
    const history = createMetricsHistory({ length: 10 });
    history.record({ at: 1, increases: new Map([['node1', increase(2)]]) });
    history.record({
      at: 2,
      increases: new Map([
        ['node1', null],
        ['node2', increase(3)],
      ]),
    });
    history.record({ at: 3, increases: new Map([['node1', null]]) });
    expect(history.readNodeSeries({ nodeId: 'node1' }).map((point) => point.operationsPerSecond)).toEqual([
      2,
      null,
      null,
    ]);
    expect(history.readNodeSeries({ nodeId: 'node2' }).map((point) => point.operationsPerSecond)).toEqual([
      null,
      3,
      null,
    ]);
    expect(history.readClusterSeries().map((point) => point.operationsPerSecond)).toEqual([2, 3, null]);
  });
});
