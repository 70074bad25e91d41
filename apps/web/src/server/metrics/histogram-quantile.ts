/** One bucket of a Prometheus histogram: how many observations were at most `le` (cumulative). */
export type Bucket = { le: number; count: number };

/**
 * The q-quantile (0..1) of a histogram's buckets, as Prometheus's `histogram_quantile` computes it: the
 * bucket the rank falls in, then linear interpolation inside it (from 0 for the first bucket). A rank in the
 * `+Inf` bucket answers the largest finite bound (the histogram cannot say more). Undefined without
 * observations.
 */
export const findHistogramQuantile = ({ buckets, q }: { buckets: Bucket[]; q: number }) => {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0 || sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  const index = sorted.findIndex(({ count }) => count >= rank);
  const bucket = sorted[index];
  if (!bucket) return undefined;
  const previous = sorted[index - 1];
  if (bucket.le === Number.POSITIVE_INFINITY) return previous?.le;
  const lower = previous?.le ?? 0;
  const below = previous?.count ?? 0;
  if (bucket.count === below) return bucket.le;
  return lower + (bucket.le - lower) * ((rank - below) / (bucket.count - below));
};
