import { ZNodeIdRequest } from '@kudo/netcore';
import type { z } from 'zod';
import type { ServiceDeps } from '../deps.js';
import { readNodeRecord } from '../nodes/node-queries.js';
import type { MetricsHistory } from './metrics-history.js';

/** The charts' request: the cluster's totals, and one node's series when `nodeId` is given. */
export const ZMetricsRequest = ZNodeIdRequest.partial().optional();
export type TMetricsRequest = z.output<typeof ZMetricsRequest>;

/**
 * The series the charts draw: one point per scrape (`intervalMs` apart), oldest first. An unknown node is
 * NOT_FOUND (field `nodeId`); a known node with no scrape yet has an empty series.
 */
export const readMetricsSeries = async ({
  deps,
  history,
  intervalMs,
  request,
}: {
  deps: ServiceDeps;
  history: MetricsHistory;
  intervalMs: number;
  request: TMetricsRequest;
}) => {
  const nodeId = request?.nodeId;
  if (nodeId !== undefined) await readNodeRecord({ db: deps.db, nodeId });
  return {
    intervalMs,
    node: nodeId === undefined ? null : { nodeId, points: history.readNodeSeries({ nodeId }) },
    cluster: history.readClusterSeries(),
  };
};
