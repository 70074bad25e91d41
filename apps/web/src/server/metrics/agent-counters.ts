import type { Bucket } from './histogram-quantile.js';
import type { Sample } from './parse-exposition.js';

/** The agent's series we chart (apps/agent/src/services/metrics.ts). */
const operationsName = 'kudo_agent_operations_total';
const durationBucketName = 'kudo_agent_operation_duration_seconds_bucket';

/**
 * What one scrape of an agent says, summed over its operations (every procedure, queries and mutations):
 * how many ran, how many failed, and the cumulative latency buckets. Counters since the agent started.
 */
export type AgentCounters = { operations: number; errors: number; buckets: Bucket[] };

/** The agent's counters from the samples of its /metrics. */
export const readAgentCounters = ({ samples }: { samples: Sample[] }): AgentCounters => {
  let operations = 0;
  let errors = 0;
  const bucketCounts = new Map<number, number>();
  for (const { name, labels, value } of samples) {
    if (name === operationsName) {
      operations += value;
      if (labels.result === 'error') errors += value;
    } else if (name === durationBucketName && labels.le !== undefined) {
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      if (!Number.isNaN(le)) bucketCounts.set(le, (bucketCounts.get(le) ?? 0) + value);
    }
  }
  const buckets = [...bucketCounts]
    .map(([le, count]) => ({ le, count }))
    .sort((left, right) => left.le - right.le);
  return { operations, errors, buckets };
};
