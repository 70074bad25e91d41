import type { OperationView } from '../../../client/trpc';

export const operationStartedAt = '2025-01-01T10:00:00.000Z';

/** An operation as the feed shows it: an agent's setupInstance of web-1 on node1, running, but for `overrides`. */
export const makeOperationView = (overrides: Partial<OperationView>): OperationView => ({
  key: 'agent:node1:op',
  source: 'agent',
  nodeId: 'node1',
  nodeName: 'node1',
  operation: 'setupInstance',
  subject: 'web-1',
  actor: null,
  status: 'running',
  startedAt: operationStartedAt,
  endedAt: null,
  durationMs: null,
  waitedMs: 0,
  progress: null,
  error: null,
  ...overrides,
});
