/**
 * What a fake agent serves at /metrics: its calls counted as the real agent counts them
 * (`kudo_agent_operations_total` by operation and result) and a latency histogram in which every call took
 * `durationSeconds`. Prometheus text, as prom-client writes it.
 */
export const renderFakeAgentMetrics = ({
  nodeId,
  operations,
  durationSeconds = 0.02,
}: {
  nodeId: string;
  operations: { operation: string; isError: boolean }[];
  durationSeconds?: number;
}) => {
  const counts = new Map<string, number>();
  for (const { operation, isError } of operations) {
    const key = `operation="${operation}",result="${isError ? 'error' : 'success'}"`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  const total = operations.length;
  return [
    '# TYPE kudo_agent_operations_total counter',
    ...[...counts].map(([key, count]) => `kudo_agent_operations_total{${key},node_id="${nodeId}"} ${count}`),
    '# TYPE kudo_agent_operation_duration_seconds histogram',
    ...bounds.map(
      (le) =>
        `kudo_agent_operation_duration_seconds_bucket{le="${le}",node_id="${nodeId}"} ${durationSeconds <= le ? total : 0}`,
    ),
    `kudo_agent_operation_duration_seconds_bucket{le="+Inf",node_id="${nodeId}"} ${total}`,
    `kudo_agent_operation_duration_seconds_count{node_id="${nodeId}"} ${total}`,
    '',
  ].join('\n');
};
