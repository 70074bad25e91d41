import { cniRangeRouter } from './cni/cni-range-router.js';
import { clusterRouter } from './routers/cluster.js';
import { credentialsRouter } from './routers/credentials.js';
import { eventsRouter } from './routers/events.js';
import { healthRouter } from './routers/health.js';
import { inspectionRouter } from './routers/inspection.js';
import { instanceRouter } from './routers/instance.js';
import { nodeRouter } from './routers/node.js';
import { mergeRouters } from './trpc.js';

/** The agent's API: one flat router, so procedure names match netcore's operations. */
export const agentRouter = mergeRouters(
  nodeRouter,
  instanceRouter,
  clusterRouter,
  inspectionRouter,
  eventsRouter,
  healthRouter,
  credentialsRouter,
  cniRangeRouter,
);

export type AgentRouter = typeof agentRouter;
