import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type OperationResult = 'success' | 'error';

/** The agent's Prometheus metrics, in a registry of its own (several agents may share a process in tests). */
export const createAgentMetrics = ({ nodeId }: { nodeId: string }) => {
  const registry = new Registry();
  registry.setDefaultLabels({ node_id: nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'kudo_agent_process_' });
  const operations = new Counter({
    name: 'kudo_agent_operations_total',
    help: 'Operations run by the agent, by procedure, kind (query or mutation) and result',
    labelNames: ['operation', 'type', 'result'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'kudo_agent_operation_errors_total',
    help: 'Failed operations by procedure and error code (netcore code, or the tRPC code)',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'kudo_agent_operation_duration_seconds',
    help: 'How long operations ran, from their start (after any wait in the queue) to their end',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'kudo_agent_queue_depth',
    help: 'Mutations waiting in the queue or running',
    registers: [registry],
  });
  queueDepth.set(0);

  return {
    registry,
    observeOperation: ({
      operation,
      type,
      result,
      errorCode,
      durationSeconds,
    }: {
      operation: string;
      type: 'query' | 'mutation';
      result: OperationResult;
      errorCode?: string;
      durationSeconds: number;
    }) => {
      operations.inc({ operation, type, result });
      durations.observe({ operation, type }, durationSeconds);
      if (errorCode) errors.inc({ operation, code: errorCode });
    },
    setQueueDepth: (depth: number) => queueDepth.set(depth),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
};

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
